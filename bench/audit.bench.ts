/**
 * bench/audit: replay and as-of reads over a generated config log of BENCH_AUDIT_EVENTS events (default 1,000,000)
 * in a SQLite store (bench/support/config-log.ts: pod ports coming and going, relabels, policy edits and attaches).
 *   replay  — readAll pages folded into a fresh ConfigState        vs the same readAll pages alone (JSON, no fold)
 *             (both read as the engine's replays read: withMetadata false, the fold needs only the data)
 *   start   — AuditEngine.start: that replay taking snapshots       vs the same raw pages
 *   as-of   — stateAt at BENCH_AUDIT_SAMPLES random positions (snapshots + tail)  vs stateAt folded from 0 at a few
 *   diff    — diff over 1,000-event windows at random positions     vs stateAt at the window's start
 *   verify  — rebuild from 0, digests of both sides                 vs the raw pages
 * Replay and raw alternate over BENCH_AUDIT_ROUNDS full passes, so the page cache and the machine's other work
 * fall on both alike.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore, type EventStore } from '#libs/event-store';
import { ConfigState } from '#libs/domain';
import { AuditEngine } from '#libs/projections';
import { generateConfigLog, seededRandom } from './support/config-log.js';
import { nowMs, printTable, progress, round, row, summarise, writeResults, type Measurement } from './support/measure.js';

const EVENTS = Number(process.env.BENCH_AUDIT_EVENTS ?? 1_000_000);
const SAMPLES = Number(process.env.BENCH_AUDIT_SAMPLES ?? 200);
const COLD_SAMPLES = Number(process.env.BENCH_AUDIT_COLD_SAMPLES ?? 3);
const ROUNDS = Number(process.env.BENCH_AUDIT_ROUNDS ?? 3);
const SNAPSHOT_EVERY = Number(process.env.BENCH_AUDIT_SNAPSHOT_EVERY ?? 50_000);
const PAGE = 1000;

/** Reads the whole log page by page; `fold` (when given) sees every page. Latency samples are per page. */
async function readAllPages(store: EventStore, fold?: ConfigState): Promise<Measurement> {
  const latencies: number[] = [];
  const start = nowMs();
  let after = 0;
  let count = 0;
  for (;;) {
    const t = nowMs();
    const page = await store.readAll({ after, limit: PAGE, withMetadata: false });
    if (page.length === 0) break;
    if (fold) for (const event of page) fold.apply(event);
    latencies.push(nowMs() - t);
    count += page.length;
    after = page[page.length - 1].globalPosition;
  }
  return summarise(count, (nowMs() - start) / 1000, latencies);
}

/** The same work over several rounds: the rate over all of them, latencies from the last (all rounds alike). */
function combine(parts: Measurement[]): Measurement {
  const count = parts.reduce((n, m) => n + m.count, 0);
  const seconds = parts.reduce((s, m) => s + m.seconds, 0);
  const last = parts[parts.length - 1];
  return { ...summarise(count, seconds, []), p50Ms: last.p50Ms, p99Ms: last.p99Ms };
}

/** Calls per second with two decimals: as-of reads take a large part of a second, a fold from zero several. */
function perCall(m: Measurement): Measurement {
  return { ...m, perSecond: round(m.count / m.seconds, 2) };
}

/** Runs `op` at each position in turn; one latency sample per call. */
async function timedAt(positions: number[], op: (position: number) => Promise<unknown>): Promise<Measurement> {
  const latencies: number[] = [];
  const start = nowMs();
  for (const position of positions) {
    const t = nowMs();
    await op(position);
    latencies.push(nowMs() - t);
  }
  return summarise(positions.length, (nowMs() - start) / 1000, latencies);
}

const heapMiB = () => round(process.memoryUsage().heapUsed / 2 ** 20, 0);

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
  const store = new SqliteEventStore({ path: join(dir, 'store.db') });
  try {
    progress(`audit: generating a config log of ${EVENTS} events`);
    const generated = await generateConfigLog(store, EVENTS);
    const { commands, refused, objects, seconds } = generated;
    progress(`audit: ${generated.events} events, ${commands} commands (${refused} refused), ${objects} objects in ${seconds.toFixed(1)} s`);
    const head = generated.events;

    progress('audit: warming the page cache with one raw pass');
    await readAllPages(store);
    const raw: Measurement[] = [];
    const folded: Measurement[] = [];
    let live = new ConfigState();
    for (let r = 0; r < ROUNDS; r++) {
      raw.push(await readAllPages(store));
      live = new ConfigState();
      folded.push(await readAllPages(store, live));
      progress(`  round ${r + 1}: replay+fold ${folded[r].perSecond}/s, raw readAll ${raw[r].perSecond}/s`);
    }
    const replay = combine(folded);
    const rawReplay = combine(raw);

    progress(`audit: AuditEngine.start (snapshot every ${SNAPSHOT_EVERY})`);
    const heapBefore = heapMiB();
    const engine = new AuditEngine(store, { snapshotEvery: SNAPSHOT_EVERY });
    let t = nowMs();
    await engine.start();
    const start = summarise(engine.followedPosition, (nowMs() - t) / 1000, [nowMs() - t]);
    const snapshots = engine.snapshotPositions().length;
    const heapAfter = heapMiB();
    progress(`  ${start.perSecond}/s, ${snapshots} snapshots, heap ${heapBefore} → ${heapAfter} MiB`);

    const random = seededRandom(7);
    const positions = Array.from({ length: SAMPLES }, () => Math.floor(random() * (head + 1)));
    progress(`audit: stateAt at ${SAMPLES} random positions`);
    const asOf = await timedAt(positions, async (p) => {
      const state = await engine.stateAt(p);
      if (state.position !== p) throw new Error(`stateAt(${p}) folded to ${state.position}`);
    });
    progress(`  p50 ${asOf.p50Ms} ms, p99 ${asOf.p99Ms} ms`);
    progress(`audit: stateAt folded from 0 at ${COLD_SAMPLES} random positions`);
    const cold = new AuditEngine(store);
    const coldAsOf = await timedAt(positions.slice(0, COLD_SAMPLES), (p) => cold.stateAt(p));
    progress(`  p50 ${coldAsOf.p50Ms} ms`);
    // The same state either way: snapshot + tail, and a fold from zero.
    const [fromSnapshots, fromZero] = await Promise.all([engine.stateAt(positions[0]), cold.stateAt(positions[0])]);
    if (fromSnapshots.digest() !== fromZero.digest()) throw new Error(`stateAt(${positions[0]}) differs from the fold from 0`);

    const windows = positions.slice(0, 20).map((p) => Math.max(0, Math.min(p, head - 1000)));
    progress('audit: diff over 1,000-event windows');
    let changes = 0;
    const diff = await timedAt(windows, async (p) => {
      const d = await engine.diff(p, p + 1000);
      changes += d.created.length + d.deleted.length + d.changed.length;
    });
    const diffBase = await timedAt(windows, (p) => engine.stateAt(p));

    progress('audit: verify the replayed state');
    t = nowMs();
    const report = await engine.verify(live);
    const verify = summarise(head, (nowMs() - t) / 1000, [nowMs() - t]);
    if (!report.ok) throw new Error(`verify failed: ${JSON.stringify(report.firstDivergence)}`);
    await engine.stop();

    const rows = [
      row('replay + fold (events)', replay, rawReplay, { text: '>= 200,000/s', met: replay.perSecond >= 200_000 }),
      row('engine start + snapshots', start, rawReplay),
      row('as-of stateAt (calls)', perCall(asOf), perCall(coldAsOf), { text: 'p99 < 1000 ms', met: asOf.p99Ms < 1000 }),
      row('diff 1,000 events (calls)', perCall(diff), perCall(diffBase)),
      row('verify from 0 (events)', verify, rawReplay),
    ];
    printTable(
      `audit (${head} events, ${generated.objects} objects; raw = readAll pages only; ` +
        `as-of raw = fold from 0 at ${COLD_SAMPLES} positions; diff raw = stateAt(from))`,
      rows,
    );
    writeResults('audit', {
      events: head,
      objects: generated.objects,
      commands: generated.commands,
      generateSeconds: round(generated.seconds, 1),
      rounds: ROUNDS,
      snapshotEvery: SNAPSHOT_EVERY,
      snapshots,
      heapMiB: { beforeStart: heapBefore, afterStart: heapAfter },
      diffChangesListed: changes,
      verifyDigest: report.rebuiltDigest,
      rows,
    });
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
