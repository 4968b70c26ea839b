// The audit CLI as an operator runs it: `node dist/scripts/audit.js …` as a child process, on the store the
// environment names. A history is written by several actors through the built controller, which is then stopped;
// the CLI reads it, exports it, and imports the export into a fresh SQLite store and a fresh PostgreSQL database,
// whose folded config states must have the digest of the original.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ConfigState } from '#libs/domain';
import { PostgresEventStore, SqliteEventStore, type EventStore, type RecordedEvent } from '#libs/event-store';
import { runAuditCli } from '#apps/config-api';
import { RunningController, tempDataDir, type Json } from './config-api-support.js';

const AUDIT_CLI = fileURLToPath(new URL('../../dist/scripts/audit.js', import.meta.url));
const PROJECT = ['default-domain', 'default-project'];

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with exactly `env` (plus PATH). */
function audit(args: string[], env: Record<string, string>): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [AUDIT_CLI, ...args],
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => resolve({ code: error ? ((error as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

/** The fold of a whole store, as the config projection makes it. */
async function fold(store: EventStore): Promise<{ digest: string; events: RecordedEvent[] }> {
  const state = new ConfigState();
  const events: RecordedEvent[] = [];
  for (let after = 0; ; ) {
    const page = await store.readAll({ after, limit: 1000 });
    if (page.length === 0) break;
    for (const event of page) state.apply(event);
    events.push(...page);
    after = page[page.length - 1].globalPosition;
  }
  return { digest: state.digest(), events };
}

async function foldSqlite(dataDir: string): Promise<{ digest: string; events: RecordedEvent[] }> {
  const store = new SqliteEventStore({ path: join(dataDir, 'events.db') });
  try {
    return await fold(store);
  } finally {
    await store.close();
  }
}

const withoutHrefs = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(withoutHrefs);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => k !== 'href' && k !== 'parent_href').map(([k, v]) => [k, withoutHrefs(v)]));
};

/** What an import keeps of each event: all but the position and the time. */
const kept = (events: RecordedEvent[]) => events.map(({ eventId, type, streamId, streamRevision, data, metadata }) => ({ eventId, type, streamId, streamRevision, data, metadata }));

let source: ReturnType<typeof tempDataDir>;
let work: ReturnType<typeof tempDataDir>;
let head: number;
let blue: string;
let blueNow: Json;
let clusterNow: Json;
let original: { digest: string; events: RecordedEvent[] };
let exportFile: string;
const at: Record<string, number> = {};

beforeAll(async () => {
  if (!existsSync(AUDIT_CLI)) throw new Error(`${AUDIT_CLI} is missing: build first (npm run build; npm test does it)`);
  source = tempDataDir();
  work = tempDataDir();
  exportFile = join(work.path, 'log.ndjson');
  const controller = await RunningController.start(source.path);
  try {
    const api = controller.api;
    const as = (actor: string) => ({ headers: { 'X-User-Name': actor } });
    // A virtual-router first, so that the default cluster's desired state holds something.
    const router = { fq_name: ['default-global-system-config', 'vr-cli'], parent_type: 'global-system-config', virtual_router_ip_address: '192.0.2.7' };
    at.router = Number((await api.post('/virtual-routers', { 'virtual-router': router }, as('alice'))).headers.get('x-log-position'));
    const created = await api.post('/virtual-networks', { 'virtual-network': { fq_name: [...PROJECT, 'blue'], parent_type: 'project' } }, as('alice'));
    blue = created.body['virtual-network'].uuid;
    at.blueCreated = Number(created.headers.get('x-log-position'));
    const renamed = await api.put(`/virtual-network/${blue}`, { 'virtual-network': { display_name: 'Navy' } }, as('bob'));
    at.renamed = Number(renamed.headers.get('x-log-position'));
    const red = await api.post('/virtual-networks', { 'virtual-network': { fq_name: [...PROJECT, 'red'], parent_type: 'project' } }, as('alice'));
    at.redCreated = Number(red.headers.get('x-log-position'));
    const gone = await api.delete(`/virtual-network/${red.body['virtual-network'].uuid}`, as('carol'));
    at.redDeleted = Number(gone.headers.get('x-log-position'));
    blueNow = await api.read('virtual-network', blue);
    head = await api.head();
    clusterNow = (await api.get('/control/clusters/default')).body;
  } finally {
    expect((await controller.stop()).code).toBe(0);
  }
  original = await foldSqlite(source.path);
});

afterAll(() => {
  source?.remove();
  work?.remove();
});

describe('audit log', () => {
  it('prints one line per event under a header, and filters by actor and type', async () => {
    const all = await audit(['log'], { DATA_DIR: source.path });
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^POSITION\s+RECORDED AT\s+ACTOR\s+SOURCE\s+TYPE\s+STREAM\s+WHAT$/);
    expect(lines).toHaveLength(head + 1);
    expect(lines[1]).toMatch(/^\s+1\s+\S+Z\s+system\s+bootstrap\s+FqNameReserved\s+fqname-global-system-config-/);

    const bob = await audit(['log', '--actor', 'bob', '--type', 'VirtualNetworkUpdated'], { DATA_DIR: source.path });
    const bobLines = bob.stdout.trimEnd().split('\n').slice(1);
    expect(bobLines).toHaveLength(1);
    expect(bobLines[0]).toMatch(new RegExp(`^\\s+${at.renamed}\\s+\\S+\\s+bob\\s+rest\\s+VirtualNetworkUpdated\\s+virtual-network-${blue}$`));

    const nobody = await audit(['log', '--actor', 'nobody'], { DATA_DIR: source.path });
    expect(nobody).toEqual({ code: 0, stdout: '', stderr: 'no event matches the filters\n' });
  });

  it('--json prints NDJSON in the format of export; --limit stops early', async () => {
    const json = await audit(['log', '--json', '--object-type', 'virtual-network', '--fq-name', `${PROJECT.join(':')}:red`], { DATA_DIR: source.path });
    const events = json.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as RecordedEvent);
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(['FqNameReserved', 'VirtualNetworkCreated', 'VirtualNetworkDeleted', 'FqNameReleased']));
    expect(events.find((e) => e.type === 'VirtualNetworkDeleted')!.metadata.actor).toBe('carol');
    const two = await audit(['log', '--json', '--limit', '2', '--after', '3'], { DATA_DIR: source.path });
    expect(two.stdout.trimEnd().split('\n').map((l) => (JSON.parse(l) as RecordedEvent).globalPosition)).toEqual([4, 5]);
  });
});

describe('audit as-of, diff, verify', () => {
  it('as-of shows the object as GET did, without hrefs', async () => {
    const run = await audit(['as-of', '--uuid', blue, '--position', String(head)], { DATA_DIR: source.path });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ 'virtual-network': withoutHrefs(blueNow) });
    expect(run.stderr).toBe(`as of log position ${head}\n`);
    const before = await audit(['as-of', '--uuid', blue, '--position', String(at.renamed - 1)], { DATA_DIR: source.path });
    expect(JSON.parse(before.stdout)['virtual-network'].display_name).toBe('blue');
  });

  it("as-of --cluster shows a cluster's desired state as GET /control/clusters did; --clusters lists them", async () => {
    const run = await audit(['as-of', '--cluster', 'default', '--position', String(head)], { DATA_DIR: source.path });
    expect(run.code).toBe(0);
    expect(clusterNow.position).toBe(head);
    expect(JSON.parse(run.stdout)).toEqual(clusterNow);
    expect(clusterNow.virtualRouters.map((r: Json) => r.virtualRouter.name)).toEqual(['vr-cli']);
    expect(run.stderr).toBe(`as of log position ${head}\n`);
    const before = await audit(['as-of', '--cluster', 'default', '--position', String(at.router - 1)], { DATA_DIR: source.path });
    expect(JSON.parse(before.stdout).virtualRouters).toEqual([]);
    const clusters = await audit(['as-of', '--clusters', '--position', String(head)], { DATA_DIR: source.path });
    expect(JSON.parse(clusters.stdout)).toEqual({ position: head, clusters: ['default'] });
  });

  it('diff names the changed fields and who changed them; verify agrees', async () => {
    const diff = await audit(['diff', '--from', String(at.blueCreated), '--to', String(at.renamed), '--json'], { DATA_DIR: source.path });
    expect(diff.code).toBe(0);
    const body = JSON.parse(diff.stdout);
    expect(body.changed.map((c: Json) => [c.uuid, c.fields.map((f: Json) => f.field), c.events.map((e: Json) => e.actor)])).toEqual([
      [blue, ['display_name'], ['bob']],
    ]);
    const created = await audit(['diff', '--from', String(at.renamed), '--to', String(at.redCreated)], { DATA_DIR: source.path });
    expect(created.stdout).toContain(`diff after position ${at.renamed} up to ${at.redCreated}: 1 created, 0 deleted, 0 changed\n+ virtual-network`);
    expect(created.stdout).toMatch(/by alice \(rest\) at position \d+, \S+: VirtualNetworkCreated/);
    const deleted = await audit(['diff', '--from', String(at.redCreated)], { DATA_DIR: source.path });
    expect(deleted.stdout).toContain(`diff after position ${at.redCreated} up to ${head}: 0 created, 1 deleted, 0 changed\n- virtual-network`);
    expect(deleted.stdout).toMatch(/by carol \(rest\) at position \d+, \S+: VirtualNetworkDeleted/);
    const verify = await audit(['verify'], { DATA_DIR: source.path });
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain(`config: ok, both agree at position ${head}`);
    expect(verify.stdout).toContain(`desired-state: ok, both agree at position ${head} (1 cluster,`);
    const json = await audit(['verify', '--json'], { DATA_DIR: source.path });
    expect(JSON.parse(json.stdout).projections.map((p: Json) => [p.projection, p.ok])).toEqual([
      ['config', true],
      ['desired-state', true],
    ]);
  });
});

describe('audit export and import', () => {
  it('exports the whole log, in position order, to a file or stdout', async () => {
    const run = await audit(['export', '--out', exportFile], { DATA_DIR: source.path });
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`exported ${head} events up to position ${head} to ${exportFile} in [\\d.]+ s`));
    const text = readFileSync(exportFile, 'utf8');
    const lines = text.trimEnd().split('\n').map((l) => JSON.parse(l) as RecordedEvent);
    expect(lines).toEqual(original.events);
    const stdout = await audit(['export'], { DATA_DIR: source.path });
    expect(stdout.stdout).toBe(text);
    const json = await audit(['log', '--json'], { DATA_DIR: source.path });
    expect(json.stdout).toBe(text);
  });

  it('imports into a fresh SQLite store: same events, same digest, and a controller serves it', async () => {
    const target = join(work.path, 'sqlite-import');
    const run = await audit(['import', '--in', exportFile], { DATA_DIR: target });
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(run.stderr).toContain(`imported ${head} events into`);
    const imported = await foldSqlite(target);
    expect(kept(imported.events)).toEqual(kept(original.events));
    expect(imported.digest).toBe(original.digest);

    const controller = await RunningController.start(target);
    try {
      expect(await controller.api.head()).toBe(head);
      expect(withoutHrefs(await controller.api.read('virtual-network', blue))).toEqual(withoutHrefs(blueNow));
      expect((await controller.api.post('/audit/verify', undefined)).body).toMatchObject({ ok: true, position: head });
    } finally {
      await controller.stop();
    }
  });

  it('refuses a store that is not empty (exit 2), writing nothing', async () => {
    const run = await audit(['import', '--in', exportFile], { DATA_DIR: source.path });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`the target store is not empty: its log holds events up to position ${head}`);
    expect(run.stderr).toContain('nothing was written');
    expect((await foldSqlite(source.path)).events).toHaveLength(head);
  });

  it.each([
    ['a line that is not JSON', 4, () => '{"eventId": "', 'line 4 is not valid JSON'],
    ['a line missing a field', 2, (e: Json) => ({ ...e, metadata: undefined }), 'line 2 is missing metadata'],
    ['a line out of order', 6, (e: Json) => ({ ...e, globalPosition: 1 }), 'line 6: globalPosition 1 does not come after'],
  ])('refuses a file with %s (exit 2), naming the line and writing nothing', async (_what, n, change, message) => {
    const lines = readFileSync(exportFile, 'utf8').trimEnd().split('\n');
    const changed = change(JSON.parse(lines[n - 1]) as Json);
    lines[n - 1] = typeof changed === 'string' ? changed : JSON.stringify(changed);
    const bad = join(work.path, `bad-${n}.ndjson`);
    writeFileSync(bad, `${lines.join('\n')}\n`);
    const target = join(work.path, `refused-${n}`);
    const run = await audit(['import', '--in', bad], { DATA_DIR: target });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`audit import: ${message}`);
    expect(run.stderr).toContain('nothing was written');
    expect(existsSync(join(target, 'events.db'))).toBe(false);
  });

  const pgUrl = process.env.PG_TEST_URL;
  const withPostgres = pgUrl ? it : it.skip;
  if (!pgUrl) process.stderr.write(`audit import into PostgreSQL skipped: ${process.env.PG_TEST_UNAVAILABLE ?? 'PG_TEST_URL is not set'}\n`);

  withPostgres('imports into a fresh PostgreSQL database with STORE=postgres: same events, same digest', async () => {
    const database = `audit_${randomBytes(6).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    try {
      await admin.query(`CREATE DATABASE ${database}`);
      const url = new URL(pgUrl!);
      url.pathname = `/${database}`;
      const run = await audit(['import', '--in', exportFile], { STORE: 'postgres', DATABASE_URL: url.toString() });
      expect(run.stderr).toContain(`imported ${head} events into`);
      expect(run.code).toBe(0);
      const store = await PostgresEventStore.open({ connectionString: url.toString() });
      try {
        const imported = await fold(store);
        expect(kept(imported.events)).toEqual(kept(original.events));
        expect(imported.digest).toBe(original.digest);
      } finally {
        await store.close();
      }
      const again = await audit(['import', '--in', exportFile], { STORE: 'postgres', DATABASE_URL: url.toString() });
      expect(again.code).toBe(2);
      expect(again.stderr).toContain('the target store is not empty');
    } finally {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    }
  });
});

describe('bad commands, flags and environment: exit 2 with a message, nothing written', () => {
  /** Runs the CLI in this process (the same code the binary runs), for the long table of refusals. */
  async function inProcess(args: string[], env: Record<string, string>): Promise<Run> {
    const out = { stdout: '', stderr: '' };
    const sink = (key: 'stdout' | 'stderr') =>
      new Writable({
        write(chunk: Buffer | string, _encoding, done) {
          out[key] += chunk.toString();
          done();
        },
      });
    const code = await runAuditCli(args, { stdout: sink('stdout'), stderr: sink('stderr'), env, cwd: work.path });
    return { code, ...out };
  }

  it('refuses each with its own message, and the stores are unchanged', async () => {
    const empty = join(work.path, 'untouched');
    const env = { DATA_DIR: source.path };
    const missing = join(work.path, 'no-such-dir', 'out.ndjson');
    const cases: Array<[string[], Record<string, string>, string]> = [
      [[], env, 'Usage: npm run audit -- <command>'],
      [['frobnicate'], env, "audit: unknown command 'frobnicate'; the commands are log, as-of, diff, verify, export, import"],
      [['log', '--bogus'], env, "audit log: Unknown option '--bogus'"],
      [['log', 'alice'], env, "audit log: Unexpected argument 'alice'"],
      [['log', '--actor'], env, "audit log: Option '--actor <value>' argument missing"],
      [['log', '--actor', 'a', '--actor', 'b'], env, 'audit log: --actor is given more than once'],
      [['log', '--source='], env, 'audit log: --source needs a value'],
      [['log', '--since', 'yesterday'], env, 'audit log: --since must be an ISO 8601 time'],
      [['log', '--until', '2026-11-26T10:00'], env, 'audit log: --until must be an ISO 8601 time'],
      [['log', '--after=-1'], env, 'audit log: --after must be an integer >= 0, not "-1"'],
      [['log', '--before', '0'], env, 'audit log: --before must be an integer >= 1'],
      [['log', '--limit', '0'], env, 'audit log: --limit must be an integer >= 1'],
      [['log', '--fq-name', 'a:b'], env, 'audit log: --object-type: fq_name needs object_type as well'],
      [['log', '--json=yes'], env, "audit log: Option '--json' does not take an argument"],
      [['as-of', '--position', '3'], env, 'audit as-of: --uuid UUID, --cluster NAME or --clusters is required'],
      [['as-of', '--uuid', 'u', '--cluster', 'default', '--position', '3'], env, 'audit as-of: give one of --uuid, --cluster and --clusters, not --uuid and --cluster'],
      [['as-of', '--cluster', 'default', '--project', '--position', '3'], env, 'audit as-of: --project goes with --uuid'],
      [['as-of', '--cluster', 'default'], env, "audit as-of: --position N or --time TIME is required: the point to read the cluster's desired state at"],
      [['as-of', '--cluster', 'nowhere', '--position', '3'], env, 'audit as-of: no cluster named "nowhere" at log position 3; the clusters then: default'],
      [['as-of', '--clusters', '--position', '99999'], env, 'audit as-of: --position 99999 is beyond the head of the log'],
      [['as-of', '--uuid', 'u'], env, 'audit as-of: --position N or --time TIME is required'],
      [['as-of', '--uuid', 'u', '--position', '3', '--time', '2026-01-01'], env, 'audit as-of: give --position or --time, not both'],
      [['as-of', '--uuid', 'u', '--time', '2026-01-01T10:00'], env, 'audit as-of: --time must be an ISO 8601 time'],
      [['as-of', '--uuid', 'u', '--position', 'x'], env, 'audit as-of: --position must be a log position'],
      [['as-of', '--uuid', 'u', '--position', '99999'], env, 'audit as-of: --position 99999 is beyond the head of the log'],
      [['as-of', '--uuid', 'u', '--position', '1'], env, 'audit as-of: no object had uuid u at log position 1'],
      [['as-of', '--uuid', blue, '--position', String(head), '--project'], env, `audit as-of: ${blue} was a virtual-network at log position ${head}, not a project`],
      [['diff'], env, 'audit diff: --from N or --from-time TIME is required'],
      [['diff', '--from', '1', '--from-time', '2026-01-01'], env, 'audit diff: give --from or --from-time, not both'],
      [['diff', '--from', '1', '--to', '2', '--to-time', '2026-01-01'], env, 'audit diff: give --to or --to-time, not both'],
      [['diff', '--from', '5', '--to', '2'], env, 'audit diff: --to: the diff must go forward: from (5) is after to (2)'],
      [['diff', '--from', 'x'], env, 'audit diff: --from must be a log position'],
      [['diff', '--from-time', 'soon'], env, 'audit diff: --from-time must be an ISO 8601 time'],
      [['diff', '--from', '1', '--to', '99999'], env, 'audit diff: --to 99999 is beyond the head of the log'],
      [['verify', '--deep'], env, "audit verify: Unknown option '--deep'"],
      [['export', '--out', missing], env, `audit export: cannot write --out ${missing}: ENOENT`],
      [['export', '--in', exportFile], env, "audit export: Unknown option '--in'"],
      [['import'], { DATA_DIR: empty }, 'audit import: --in FILE is required'],
      [['import', '--in', join(work.path, 'nope.ndjson')], { DATA_DIR: empty }, 'audit import: cannot read --in'],
      [['import', '--out', exportFile], { DATA_DIR: empty }, "audit import: Unknown option '--out'"],
      [['log'], { STORE: 'mongo', DATA_DIR: source.path }, 'audit log: invalid configuration (1 problem):\n  STORE="mongo" is not allowed: expected one of sqlite, postgres, kurrentdb'],
      [['import', '--in', exportFile], { STORE: 'postgres' }, 'DATABASE_URL is not set: it is required when STORE=postgres'],
      [['import', '--in', exportFile], { STORE: 'postgres', DATABASE_URL: 'mysql://db/x' }, 'DATABASE_URL="mysql://db/x" is not allowed'],
    ];
    const before = await foldSqlite(source.path);
    for (const [args, environment, message] of cases) {
      const run = await inProcess(args, environment);
      expect({ args, code: run.code, stderr: run.stderr.includes(message) ? message : run.stderr }).toEqual({ args, code: 2, stderr: message });
      expect(run.stdout).toBe('');
    }
    expect((await foldSqlite(source.path)).events).toEqual(before.events);
    expect(existsSync(missing)).toBe(false);
    expect(existsSync(join(empty, 'events.db'))).toBe(false);
  });

  it('the binary exits 2 with the message on stderr', async () => {
    const runs = await Promise.all([
      audit(['log', '--since', 'yesterday'], { DATA_DIR: source.path }),
      audit(['frobnicate'], { DATA_DIR: source.path }),
      audit(['log'], { STORE: 'mongo', DATA_DIR: source.path }),
    ]);
    expect(runs.map((r) => r.code)).toEqual([2, 2, 2]);
    expect(runs[0].stderr).toContain("audit log: --since must be an ISO 8601 time");
    expect(runs[0].stderr).toContain("Run 'npm run audit -- log --help' for the flags.");
    expect(runs[1].stderr).toContain("audit: unknown command 'frobnicate'");
    expect(runs[2].stderr).toContain('STORE="mongo" is not allowed');
  });

  it('--help prints a command help on stdout and exits 0', async () => {
    const [command, main] = await Promise.all([audit(['import', '--help'], {}), audit(['--help'], {})]);
    expect(command.code).toBe(0);
    expect(command.stdout).toContain('Usage: npm run audit -- import --in FILE');
    expect(main.stdout).toContain("a cluster's desired state (what its agents");
    expect(main.stdout).toContain('Exit codes: 0 done');
  });
});
