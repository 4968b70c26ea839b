import { CONFIG_MODEL, type ConfigState } from '#libs/domain';
import type { EventStore, JsonValue } from '#libs/event-store';
import { AuditEngine, ConfigProjection, DesiredStateProjection, type ConfigDiff, type ObjectChange, type VerifyReport } from '#libs/projections';
import { renderObject } from '../../rest/contrail-view.js';
import { AuditQueries, asOfOf, type AsOf, type ObjectsAsOf } from '../audit-queries.js';
import { EXIT, UsageError, asUsage, booleanFlag, parseFlags, stringFlag, write } from './cli-args.js';
import type { CommandContext } from './command-context.js';

/**
 * The queries over a store opened by the CLI. The engine is not started: a one-shot command folds once from
 * position 0 rather than first replaying the whole log to take snapshots it would use once.
 */
function queriesOver(store: EventStore, live?: () => ConfigState, desired?: DesiredStateProjection): AuditQueries {
  return new AuditQueries(store, new AuditEngine(store), live, desired);
}

/**
 * `audit as-of --uuid U (--position N | --time T) [--project]`, `as-of --cluster NAME (…)`, `as-of --clusters (…)`.
 */
export async function asOfCommand(args: readonly string[], ctx: CommandContext): Promise<number> {
  const flags = parseFlags('as-of', args, {
    uuid: { type: 'string' },
    position: { type: 'string' },
    time: { type: 'string' },
    project: { type: 'boolean' },
    cluster: { type: 'string' },
    clusters: { type: 'boolean' },
  });
  const uuid = stringFlag(flags, 'uuid');
  const cluster = stringFlag(flags, 'cluster');
  const clusters = booleanFlag(flags, 'clusters');
  const subjects = [uuid !== undefined && '--uuid', cluster !== undefined && '--cluster', clusters && '--clusters'].filter(Boolean);
  if (subjects.length === 0) throw new UsageError('as-of: --uuid UUID, --cluster NAME or --clusters is required: what to show');
  if (subjects.length > 1) throw new UsageError(`as-of: give one of --uuid, --cluster and --clusters, not ${subjects.join(' and ')}`);
  if (booleanFlag(flags, 'project') && uuid === undefined) throw new UsageError('as-of: --project goes with --uuid (the project)');
  const what = uuid !== undefined ? 'the object' : cluster !== undefined ? "the cluster's desired state" : 'the clusters';
  const point = { position: stringFlag(flags, 'position'), time: stringFlag(flags, 'time') };
  if (point.position === undefined && point.time === undefined) throw new UsageError(`as-of: --position N or --time TIME is required: the point to read ${what} at`);
  if (point.position !== undefined && point.time !== undefined) throw new UsageError('as-of: give --position or --time, not both');
  const asOf: AsOf = asUsage('as-of', () => asOfOf(point, 'position', 'time', true));
  const queries = queriesOver(await ctx.store());
  if (uuid === undefined) {
    const body = await asUsage('as-of', () => (cluster !== undefined ? queries.clusterAt(cluster, asOf) : queries.clustersAt(asOf)));
    await write(ctx.io.stdout, `${JSON.stringify(body, null, 2)}\n`);
    ctx.note(`as of log position ${body.position}`);
    return EXIT.ok;
  }
  const found = await asUsage('as-of', () => (booleanFlag(flags, 'project') ? queries.projectAt(uuid, asOf) : queries.objectAt(uuid, asOf)));
  const objects = rendered(found);
  const body = booleanFlag(flags, 'project') ? { position: found.position, objects } : objects[0];
  await write(ctx.io.stdout, `${JSON.stringify(body, null, 2)}\n`);
  ctx.note(`as of log position ${found.position}`);
  return EXIT.ok;
}

/** `audit diff (--from N | --from-time T) [--to N | --to-time T] [--json]`. */
export async function diffCommand(args: readonly string[], ctx: CommandContext): Promise<number> {
  const flags = parseFlags('diff', args, {
    from: { type: 'string' },
    'from-time': { type: 'string' },
    to: { type: 'string' },
    'to-time': { type: 'string' },
    json: { type: 'boolean' },
  });
  const raw = { from: stringFlag(flags, 'from'), from_time: stringFlag(flags, 'from-time'), to: stringFlag(flags, 'to'), to_time: stringFlag(flags, 'to-time') };
  if (raw.from === undefined && raw.from_time === undefined) throw new UsageError('diff: --from N or --from-time TIME is required: where the diff starts');
  if (raw.from !== undefined && raw.from_time !== undefined) throw new UsageError('diff: give --from or --from-time, not both');
  if (raw.to !== undefined && raw.to_time !== undefined) throw new UsageError('diff: give --to or --to-time, not both');
  const from = asUsage('diff', () => asOfOf(raw, 'from', 'from_time', true));
  const to = asUsage('diff', () => asOfOf(raw, 'to', 'to_time', false));
  const queries = queriesOver(await ctx.store());
  const diff = await asUsage('diff', () => queries.diff(from, to));
  await write(ctx.io.stdout, booleanFlag(flags, 'json') ? `${JSON.stringify(diff, null, 2)}\n` : diffText(diff));
  return EXIT.ok;
}

/**
 * `audit verify [--json]`: the config projection's fold against the audit replay, and the desired state kept up
 * to date run by run over that projection (as the controller keeps it) against one derived from the replay.
 */
export async function verifyCommand(args: readonly string[], ctx: CommandContext): Promise<number> {
  const flags = parseFlags('verify', args, { json: { type: 'boolean' } });
  const store = await ctx.store();
  const projection = new ConfigProjection(store);
  // Started on the empty state before the projection folds: it then follows the fold run by run, as live.
  const desired = new DesiredStateProjection(projection, store);
  desired.start();
  let report: VerifyReport;
  try {
    await projection.start();
    report = await queriesOver(store, () => projection.state, desired).verify();
  } finally {
    desired.stop();
    await projection.stop();
  }
  await write(ctx.io.stdout, booleanFlag(flags, 'json') ? `${JSON.stringify(report, null, 2)}\n` : verifyText(report));
  return report.ok ? EXIT.ok : EXIT.diverged;
}

function rendered(found: ObjectsAsOf): Array<Record<string, JsonValue>> {
  return found.objects.map((object) => ({
    [object.type]: renderObject(object, found.state, CONFIG_MODEL.schema, { baseUrl: '', excludeHrefs: true }),
  }));
}

/** The diff for a terminal: + created, - deleted, ~ changed; each field's before and after; who did it. */
export function diffText(diff: ConfigDiff): string {
  const lines = [
    `diff after position ${diff.from} up to ${diff.to}: ${diff.created.length} created, ${diff.deleted.length} deleted, ${diff.changed.length} changed`,
  ];
  const section = (mark: string, changes: ObjectChange[]) => {
    for (const change of changes) {
      lines.push(`${mark} ${change.type} ${change.fq_name.join(':')} (${change.uuid})`);
      for (const f of change.fields) lines.push(`    ${f.field}: ${valueText(f.before)} -> ${valueText(f.after)}`);
      for (const e of change.events) lines.push(`    by ${e.actor || '-'} (${e.source || '-'}) at position ${e.position}, ${e.recordedAt}: ${e.type}`);
    }
  };
  section('+', diff.created);
  section('-', diff.deleted);
  section('~', diff.changed);
  return `${lines.join('\n')}\n`;
}

function valueText(value: JsonValue | null): string {
  if (value === null) return '(unset)';
  const text = JSON.stringify(value);
  return text.length > 200 ? `${text.slice(0, 197)}...` : text;
}

/** One line per projection: `ok` or `DIFFERENT` with both digests and the first difference. */
export function verifyText(report: VerifyReport): string {
  const lines = report.projections.map((check) => {
    const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
    const size = check.projection === 'config' ? plural(check.objects, 'object') : plural(check.clusters, 'cluster');
    if (check.ok) return `${check.projection}: ok, both agree at position ${check.position} (${size}, digest ${check.rebuiltDigest})`;
    return `${check.projection}: DIFFERENT at position ${check.position}: digest ${check.liveDigest} (projection) vs ${check.rebuiltDigest} (replay)\n  first difference: ${divergenceText(check)}`;
  });
  return `${lines.join('\n')}\n`;
}

function divergenceText(check: VerifyReport['projections'][number]): string {
  if (check.projection === 'config') {
    const d = check.firstDivergence;
    return d ? `${d.type} ${d.uuid}${d.field ? ` field ${d.field}` : ''}: ${valueText(d.live)} (projection) vs ${valueText(d.rebuilt)} (replay)` : 'unknown';
  }
  const d = check.firstDivergence;
  if (!d) return 'unknown';
  const item = d.kind === 'cluster' ? `cluster ${d.cluster}` : `cluster ${d.cluster} ${d.kind} ${d.name}`;
  return `${item}${d.field ? ` field ${d.field}` : ''}: ${valueText(d.live)} (projection) vs ${valueText(d.rebuilt)} (replay)`;
}
