/**
 * bench/event-store: the log's adapters beside raw baselines measured in the same run.
 *   single   — one durable append awaited at a time          vs a plain insert, one transaction each
 *   16-conc  — 16 appenders each awaiting single appends      vs plain inserts committed 16 per transaction
 *   batch100 — appends of 100 events                           vs a plain 100-row insert per transaction
 *   readAll  — replay of the whole log in pages of 1000        vs a plain paged SELECT with JSON.parse
 * Ours and raw alternate in short rounds and write to the same stream names. The 16-concurrent raw baseline
 * commits the rows of one event-loop turn together (16 per transaction), the best a plain writer could do.
 * SQLite runs with the store's own pragmas (WAL, synchronous=FULL, wal_autocheckpoint); PostgreSQL on a throwaway durable server.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PostgresEventStore, SqliteEventStore, uuidv7, type EventStore, type NewEvent } from '#libs/event-store';
import { nowMs, printTable, progress, projectRoot, row, summarise, writeResults, type Measurement, type Row } from './support/measure.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const REPLAY_EVENTS = Number(process.env.BENCH_REPLAY_EVENTS ?? 200_000);

function sampleEvent(i: number): NewEvent {
  return {
    type: 'VirtualNetworkCreated',
    data: {
      uuid: uuidv7(),
      fq_name: ['default-domain', 'default-project', `vn-${i}`],
      virtual_network_network_id: i,
      route_target: `target:64512:${8_000_000 + i}`,
      subnets: [{ prefix: `10.${(i >> 8) & 255}.${i & 255}.0`, len: 24, gateway: `10.${(i >> 8) & 255}.${i & 255}.1` }],
    },
    metadata: { actor: 'bench', source: 'rest', correlationId: uuidv7(), commandId: uuidv7(), schemaVersion: 1 },
  };
}

/** Next revision per stream for the raw baselines, which write to the same streams as the store does. */
const rawRevisions = new Map<string, number>();

/** The same row as the store writes, for the raw baselines. */
function rawRow(i: number, stream: string) {
  const revision = (rawRevisions.get(stream) ?? -1) + 1;
  rawRevisions.set(stream, revision);
  const e = sampleEvent(i);
  return [uuidv7(), stream, revision, e.type, JSON.stringify(e.data), JSON.stringify(e.metadata), new Date().toISOString()] as const;
}

type RawInsert = (count: number, stream: string) => Promise<number> | number;

type Op = (worker: number, i: number) => Promise<number> | number;

/** Runs `op` from `workers` concurrent loops for `seconds`; op returns how many items it did. */
async function timed(workers: number, op: Op, seconds: number, into: { items: number; seconds: number; latencies: number[] }): Promise<void> {
  const start = nowMs();
  const deadline = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      for (let i = 0; nowMs() < deadline; i++) {
        const t = nowMs();
        const done = await op(w, i);
        into.latencies.push(nowMs() - t);
        into.items += done;
      }
    }),
  );
  into.seconds += (nowMs() - start) / 1000;
}

const ROUNDS = 4;

/**
 * Ours and the raw baseline alternate in ROUNDS short rounds (SECONDS in all for each), so background work of
 * the machine or the database (checkpoints, autovacuum) falls on both alike.
 */
async function compare(workers: number, ours: Op, raw: Op, between?: () => Promise<void>): Promise<[Measurement, Measurement]> {
  const a = { items: 0, seconds: 0, latencies: [] as number[] };
  const b = { items: 0, seconds: 0, latencies: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    await between?.();
    await timed(workers, ours, SECONDS / ROUNDS, a);
    await between?.();
    await timed(workers, raw, SECONDS / ROUNDS, b);
    progress(`  round ${r + 1}: ours ${Math.round(a.items / a.seconds)}/s, raw ${Math.round(b.items / b.seconds)}/s (cumulative)`);
  }
  return [summarise(a.items, a.seconds, a.latencies), summarise(b.items, b.seconds, b.latencies)];
}

/** The three append scenarios for a store and its raw counterpart. */
async function appendRows(
  label: string,
  store: EventStore,
  raw: { insert: RawInsert; concurrentInsert: RawInsert },
  between?: () => Promise<void>,
): Promise<Record<'single' | 'concurrent' | 'batch', [Measurement, Measurement]>> {
  let n = 0;
  progress(`${label}: single appends vs raw single-row transactions`);
  const single = await compare(
    1,
    async () => (await store.append(`single-${n % 100}`, [sampleEvent(n++)]), 1),
    () => raw.insert(1, `single-${n % 100}`),
    between,
  );
  progress(`${label}: 16 concurrent appenders vs raw`);
  const concurrent = await compare(
    16,
    async (w) => (await store.append(`conc-${w}-${n % 10}`, [sampleEvent(n++)]), 1),
    (w) => raw.concurrentInsert(1, `conc-${w}-${n % 10}`),
    between,
  );
  progress(`${label}: batches of 100 vs raw 100-row inserts`);
  const batch = await compare(
    1,
    async () => (await store.append(`batch-${n % 50}`, Array.from({ length: 100 }, () => sampleEvent(n++))), 100),
    () => raw.insert(100, `batch-${n % 50}`),
    between,
  );
  return { single, concurrent, batch };
}

/** Replays a log page by page: `readPage(after)` returns how many rows it read and the last position. */
async function pagedReplay(limit: number, readPage: (after: number) => Promise<{ count: number; last: number }>): Promise<Measurement> {
  const latencies: number[] = [];
  const start = nowMs();
  let after = 0;
  let count = 0;
  while (count < limit) {
    const t = nowMs();
    const page = await readPage(after);
    latencies.push(nowMs() - t);
    if (page.count === 0) break;
    count += page.count;
    after = page.last;
  }
  return summarise(count, (nowMs() - start) / 1000, latencies);
}

async function replay(store: EventStore): Promise<Measurement> {
  return pagedReplay(await store.headPosition(), async (after) => {
    const page = await store.readAll({ after, limit: 1000 });
    return { count: page.length, last: page[page.length - 1]?.globalPosition ?? after };
  });
}

/** Tops the log up with batches until it holds `target` events, for the replay scenario. */
async function fill(store: EventStore, target: number): Promise<void> {
  let i = await store.headPosition();
  while (i < target) {
    const size = Math.min(1000, target - i);
    await store.append(`fill-${i % 1000}`, Array.from({ length: size }, (_, k) => sampleEvent(i + k)));
    i += size;
  }
}

const RAW_SQLITE_TABLE = `CREATE TABLE events (position INTEGER PRIMARY KEY, event_id TEXT NOT NULL UNIQUE, stream_id TEXT NOT NULL,
  stream_revision INTEGER NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL, recorded_at TEXT NOT NULL,
  UNIQUE (stream_id, stream_revision))`;

async function sqliteBench(dir: string): Promise<Row[]> {
  const store = new SqliteEventStore({ path: join(dir, 'store.db') });
  // Raw baseline: better-sqlite3 with the store's pragmas and table, no port in between.
  const db = new Database(join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('wal_autocheckpoint = 10000');
  db.exec(RAW_SQLITE_TABLE);
  const insert = db.prepare(
    'INSERT INTO events (event_id, stream_id, stream_revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  let n = 0;
  const insertMany = db.transaction((count: number, stream: string) => {
    for (let k = 0; k < count; k++, n++) insert.run(...rawRow(n, stream));
    return count;
  });
  const insertEach = db.transaction((streams: string[]) => {
    for (const stream of streams) insert.run(...rawRow(n++, stream));
  });
  // 16 concurrent raw writers: each adds its row, and the rows of one turn of the event loop commit together —
  // the best a plain writer could do, with nothing of the port's checks.
  let pending: string[] = [];
  let flush: Promise<void> | undefined;
  const concurrentInsert = (count: number, stream: string) => {
    for (let k = 0; k < count; k++) pending.push(stream);
    flush ??= new Promise<void>((resolve) =>
      setImmediate(() => {
        insertEach(pending);
        pending = [];
        flush = undefined;
        resolve();
      }),
    );
    return flush.then(() => count);
  };
  const appends = await appendRows('sqlite', store, { insert: (c, stream) => insertMany(c, stream), concurrentInsert });

  progress(`sqlite: filling both logs to ${REPLAY_EVENTS} events for replay`);
  await fill(store, REPLAY_EVENTS);
  const have = db.prepare('SELECT count(*) FROM events').pluck().get() as number;
  for (let left = REPLAY_EVENTS - have; left > 0; left -= 1000) insertMany(Math.min(1000, left), `fill-${left % 1000}`);
  progress('sqlite: readAll replay vs raw paged SELECT');
  const replayed = await replay(store);
  const page = db
    .prepare('SELECT position, event_id, stream_id, stream_revision, type, data, metadata, recorded_at FROM events WHERE position > ? ORDER BY position LIMIT 1000')
    .raw();
  const rawReplay = await pagedReplay(REPLAY_EVENTS, async (after) => {
    const rows = page.all(after) as unknown[][];
    for (const r of rows) {
      JSON.parse(r[5] as string);
      JSON.parse(r[6] as string);
    }
    return { count: rows.length, last: (rows[rows.length - 1]?.[0] as number) ?? after };
  });
  await store.close();
  db.close();

  const { single, concurrent, batch } = appends;
  return [
    row('sqlite single append', ...single, { text: '>= 5,000/s', met: single[0].perSecond >= 5000 }),
    row('sqlite 16 concurrent', ...concurrent, { text: '>= 50,000/s', met: concurrent[0].perSecond >= 50_000 }),
    row('sqlite batch of 100', ...batch, { text: '>= 0.8x raw', met: batch[0].perSecond >= 0.8 * batch[1].perSecond }),
    row('sqlite readAll replay', replayed, rawReplay, { text: '>= 500,000/s', met: replayed.perSecond >= 500_000 }),
  ];
}

async function postgresBench(): Promise<Row[]> {
  const { startThrowawayPostgres } = (await import(
    pathToFileURL(join(projectRoot, 'test/support/throwaway-postgres.js')).href
  )) as { startThrowawayPostgres: (o: { durable: boolean }) => Promise<{ url: string; stop: () => void }> };
  progress('postgres: starting a throwaway durable server');
  const server = process.env.BENCH_PG_URL ? undefined : await startThrowawayPostgres({ durable: true });
  const url = process.env.BENCH_PG_URL ?? server!.url;
  try {
    const store = await PostgresEventStore.open({ connectionString: url, schema: 'bench_store' });
    // Raw baseline: node-postgres multi-row INSERT … SELECT unnest into a table of the same shape.
    const pool = new pg.Pool({ connectionString: url, max: 16 });
    pool.on('error', () => undefined); // idle clients cut off when the throwaway server stops
    await pool.query(`CREATE SCHEMA bench_raw; CREATE TABLE bench_raw.events (position bigserial PRIMARY KEY, event_id uuid NOT NULL UNIQUE,
      stream_id text NOT NULL, stream_revision bigint NOT NULL, type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
      recorded_at timestamptz NOT NULL, UNIQUE (stream_id, stream_revision))`);
    let n = 0;
    const insertRows = async (count: number, stream: string) => {
      const cols: unknown[][] = [[], [], [], [], [], []];
      for (let k = 0; k < count; k++, n++) {
        const r = rawRow(n, stream);
        for (let c = 0; c < 6; c++) cols[c].push(r[c]);
      }
      await pool.query(
        `INSERT INTO bench_raw.events (event_id, stream_id, stream_revision, type, data, metadata, recorded_at)
         SELECT id, s, rev, type, data, meta, now() FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[], $5::jsonb[], $6::jsonb[])
         AS u(id, s, rev, type, data, meta)`,
        cols,
      );
      return count;
    };
    const checkpoint = process.env.BENCH_PG_CHECKPOINT === "0" ? undefined : async () => void (await pool.query("CHECKPOINT"));
    const { single, concurrent, batch } = await appendRows('postgres', store, { insert: insertRows, concurrentInsert: insertRows }, checkpoint);

    progress(`postgres: filling both logs to ${REPLAY_EVENTS} events for replay`);
    await fill(store, REPLAY_EVENTS);
    const have = Number((await pool.query('SELECT count(*) AS c FROM bench_raw.events')).rows[0].c);
    for (let left = REPLAY_EVENTS - have; left > 0; left -= 1000) await insertRows(Math.min(1000, left), `fill-${left % 1000}`);
    await checkpoint?.();
    progress('postgres: readAll replay vs raw paged SELECT');
    const replayed = await replay(store);
    const rawReplay = await pagedReplay(REPLAY_EVENTS, async (after) => {
      const { rows } = await pool.query(
        'SELECT position, event_id, stream_id, stream_revision, type, data, metadata, recorded_at FROM bench_raw.events WHERE position > $1 ORDER BY position LIMIT 1000',
        [after],
      );
      return { count: rows.length, last: rows.length > 0 ? Number(rows[rows.length - 1].position) : after };
    });
    await store.close();
    await pool.end();
    return [
      row('postgres single append', ...single),
      row('postgres 16 concurrent', ...concurrent),
      row('postgres batch of 100', ...batch, { text: '>= 0.8x raw', met: batch[0].perSecond >= 0.8 * batch[1].perSecond }),
      row('postgres readAll replay', replayed, rawReplay),
    ];
  } finally {
    server?.stop();
  }
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-es-'));
  try {
    const only = process.env.BENCH_ONLY;
    const rows = [
      ...(only === undefined || only === 'sqlite' ? await sqliteBench(dir) : []),
      ...(only === undefined || only === 'postgres' ? await postgresBench() : []),
    ];
    printTable(`event-store (${SECONDS}s per side per scenario in ${ROUNDS} alternating rounds; replay of ${REPLAY_EVENTS} events)`, rows);
    writeResults('event-store', { secondsPerScenario: SECONDS, rounds: ROUNDS, replayEvents: REPLAY_EVENTS, rows });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
