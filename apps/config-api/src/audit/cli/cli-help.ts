/* The `npm run audit -- …` help texts, one per command. */

const STORE_ENVIRONMENT = `The event store is opened directly, from the same environment variables as the controller:
  STORE                        sqlite (default), postgres or kurrentdb
  DATA_DIR                     the SQLite log is DATA_DIR/events.db (default ./data)
  DATABASE_URL                 postgres:// URL, with STORE=postgres
  KURRENTDB_CONNECTION_STRING  kurrentdb:// URL, with STORE=kurrentdb
Reading is safe while a controller runs on the same store.`;

const EXIT_CODES = `Exit codes: 0 done; 1 the store or a file failed (an import stopped part-way says how far it got);
2 a bad command, flag, file or environment, or a refused import (nothing written); 3 verify found a difference.`;

export const MAIN_HELP = `Usage: npm run audit -- <command> [flags]     (or: node dist/scripts/audit.js <command> [flags])
When piping the output, use 'npm run -s audit -- …': without -s, npm prints its own banner on stdout.

Reads the controller's event log: who changed what and when, the config as it was, what changed between two
points, and whether replaying the log gives the same state; exports the log and seeds a new store from an export.

Commands:
  log       the events, filtered (by actor, type, object, time, position …), one line each or --json
  as-of     an object, a project and everything under it, or a cluster's desired state (what its agents
            would have received), as it was at a position or time
  diff      the objects created, deleted and changed between two points, field by field, and who did it
  verify    build each projection (config state, desired state) as the controller does and from a replay,
            and compare digests
  export    the whole log as NDJSON, one event per line, in position order
  import    seed a new, empty store from an export

Run 'npm run audit -- <command> --help' for a command's flags.

${STORE_ENVIRONMENT}

${EXIT_CODES}
`;

export const LOG_HELP = `Usage: npm run audit -- log [filters] [--limit N] [--json]

Prints the events that match every filter given, oldest first: one line each (position, time, actor, source,
event type, stream, and the object's name or the number or address allocated), or with --json one event per
line as NDJSON, in the format of 'export'.

Filters:
  --actor NAME          who made the change (X-User-Name / x-user-name; 'system' for the bootstrap)
  --source NAME         rest, grpc, bootstrap, kubemanager:<cluster> …
  --type TYPE           event type, e.g. VirtualNetworkUpdated; repeat or separate with commas for several
  --uuid UUID           events about one object: its stream, its name reservation, what was allocated to it
  --object-type TYPE    events whose data names this resource type, e.g. virtual-network
  --fq-name A:B:C       events about every object that has held this name (with --object-type)
  --stream ID           one stream, e.g. pool-vn-id
  --since TIME          recorded at or after TIME (ISO 8601: 2026-11-26T10:00:00Z, or a date = midnight UTC)
  --until TIME          recorded before TIME
  --after N             at positions after N
  --before N            at positions before N
Output:
  --limit N             print at most N events (default: all)
  --json                NDJSON instead of columns

${STORE_ENVIRONMENT}

${EXIT_CODES}
`;

export const AS_OF_HELP = `Usage: npm run audit -- as-of --uuid UUID (--position N | --time TIME) [--project]
       npm run audit -- as-of --cluster NAME (--position N | --time TIME)
       npm run audit -- as-of --clusters (--position N | --time TIME)

Prints the object as GET /<type>/<uuid> showed it at that point (JSON, without hrefs): its properties and refs,
and the back-refs and children it had then. With --project, UUID is a project's, and the answer is
{"position": N, "objects": [...]}: the project, then every object under it (by parent, recursively).

With --cluster, prints the cluster's desired state at that point, what its agents would have received, as GET
/control/clusters/NAME shows it live: {"cluster", "position", "virtualRouters", "vrfs", "routeTargets"}.
--clusters prints {"position": N, "clusters": [...]}, the cluster names then.

  --uuid UUID           the object (or the project, with --project)
  --project             the project and everything under it
  --cluster NAME        a cluster's desired state ('default' holds the virtual routers that name none)
  --clusters            the names of the clusters
  --position N          after the event at log position N
  --time TIME           at the last position recorded at or before TIME (ISO 8601, Z or an offset)

${STORE_ENVIRONMENT}

${EXIT_CODES}
`;

export const DIFF_HELP = `Usage: npm run audit -- diff (--from N | --from-time TIME) [--to N | --to-time TIME] [--json]

Lists the objects created, deleted and changed after the first point up to and including the second (default:
the head of the log): for each, the fields that differ with their values before and after, and the events that
made the change with their actor, source and time. --json prints the diff as one JSON document.

  --from N / --from-time TIME     the first point (a log position, or an ISO 8601 time)
  --to N / --to-time TIME         the second point; default the head
  --json                          JSON instead of text

${STORE_ENVIRONMENT}

${EXIT_CODES}
`;

export const VERIFY_HELP = `Usage: npm run audit -- verify [--json]

Builds each projection twice and compares the two by digest, naming the first difference of each that differs
(exit 3 when one does):
  config         folded as the controller's config projection folds it (a log subscription) and as the audit
                 engine replays it (paged reads);
  desired-state  kept up to date run by run as the controller's desired-state projection keeps it, and derived
                 at once from the replayed config state.
To check a running controller's live projections, POST /audit/verify to it (or call AuditService.Verify).

  --json                the report as JSON

${STORE_ENVIRONMENT}

${EXIT_CODES}
`;

export const EXPORT_HELP = `Usage: npm run audit -- export [--out FILE]

Writes every event up to the head (as it was when the export began) as NDJSON, one RecordedEvent per line in
position order: {"eventId", "type", "streamId", "streamRevision", "globalPosition", "recordedAt", "data",
"metadata"}. Progress goes to stderr. The same as GET /audit/export.

  --out FILE            write to FILE (replaced if it exists); default stdout (pipe it with 'npm run -s audit',
                        or npm's banner lands in the file)

${STORE_ENVIRONMENT}

${EXIT_CODES}
`;

export const IMPORT_HELP = `Usage: npm run audit -- import --in FILE

Seeds a new, empty store (refused otherwise) from an export: every event is appended to its stream with the same
event id, type, data and metadata, in the file's order, at the revision the file gives (checked by the store).
Positions and recorded times are the new store's own. The whole file is checked before anything is written: a
line that is not JSON, misses a field, or is out of order stops the import with its line number (exit 2).
To import into PostgreSQL: STORE=postgres DATABASE_URL=postgres://… npm run audit -- import --in FILE.

  --in FILE             the export to read

${STORE_ENVIRONMENT}

${EXIT_CODES}
`;
