// The controller on a PostgreSQL of this test's own, with 16 REST writers running, while the server is stopped
// (pg_ctl stop -m fast, then -m immediate, as a crash) and started again on the same port and data: while it is
// down every write answers 503 fast, naming the unavailable event log, and /health says the store is down; once
// it is back, writes succeed again within seconds without a restart of the controller; and in the end nothing
// acknowledged is missing from the log, nothing is in it twice, and a retry with the same key answers the first
// outcome.
import { ControllerProcess } from './controller-process.js';
import { tempDataDir } from './config-api-support.js';
import { ConcurrentWriters, exportLog, isAcked, logProblems, percentile, retryProblems, sleep, verify, type WriteRecord } from './support/fault-writers.js';
import { OwnPostgres, postgresBinOrReason, type StopMode } from './support/own-postgres.js';

/** Longest a write may take to be refused while the store is down. */
const FAIL_FAST_MS = 2_000;
/** Longest after the server is back until writes succeed again. */
const RECOVERY_MS = 5_000;
/** How long the server stays down; the long outage outlasts the 10 s a write waits to read itself back. */
const DOWN_MS = 2_500;
const LONG_DOWN_MS = 11_000;

const found = postgresBinOrReason();
const required = process.env.REQUIRE_POSTGRES === '1';
if ('reason' in found && !required) process.stderr.write(`PostgreSQL restart under load skipped: ${found.reason}\n`);
const describeWithBinaries = 'bin' in found || required ? describe : describe.skip;

async function health(rest: string): Promise<{ status: number; ms: number; body: any }> {
  const started = Date.now();
  const res = await fetch(`${rest}/health`, { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.json(), ms: Date.now() - started };
}

describeWithBinaries('PostgreSQL stopped and restarted under 16 REST writers', () => {
  let server: OwnPostgres;
  let controller: ControllerProcess;
  let rest: string;
  let writers: ConcurrentWriters;
  const dir = tempDataDir();

  beforeAll(async () => {
    if ('reason' in found) throw new Error(`REQUIRE_POSTGRES=1 but ${found.reason}`);
    server = await OwnPostgres.create(found.bin);
    controller = new ControllerProcess({
      STORE: 'postgres',
      DATABASE_URL: server.url,
      DATA_DIR: dir.path,
      CHECKPOINT_EVERY: '40',
      REST_PORT: '0',
      GRPC_PORT: '0',
      XMPP_PORT: '0',
      SHUTDOWN_TIMEOUT_MS: '3000',
    });
    rest = (await controller.waitForLine((line) => line.msg === 'listening', 20_000)).rest as string;
    writers = new ConcurrentWriters(() => rest, `pgdown-${process.pid}`, { backoffMs: 100 });
    writers.start();
  }, 60_000);

  afterAll(async () => {
    await writers?.stop();
    await controller?.ensureStopped();
    await server?.destroy();
    dir.remove();
  });

  /** Stops the server with `mode` for `downMs` under the writers, starts it again, and checks the writers' answers. */
  async function outage(mode: StopMode, downMs: number): Promise<void> {
    await writers.waitForAcks(writers.acks.length + 40, 20_000);
    const stopping = Date.now();
    await server.stop(mode);
    const down = Date.now();
    const probe = await health(rest);
    await sleep(downMs);
    const restarting = Date.now();
    await server.start();
    const up = Date.now();
    // Until a write sent after the start succeeds (or well past RECOVERY_MS, for the assertion below to say so).
    const recovered = () => writers.records.some((r) => r.startedAt >= up && isAcked(r));
    for (const until = Date.now() + RECOVERY_MS + 5_000; !recovered() && Date.now() < until; ) await sleep(50);

    // While it was down: answered, fast, with a 503 that names the unavailable event log.
    expect(probe).toMatchObject({ status: 503, body: { status: 'unavailable', store: { kind: 'postgres' } } });
    expect(probe.ms).toBeLessThan(FAIL_FAST_MS + 500);
    const whileDown = writers.records.filter((r) => r.startedAt >= down && r.startedAt + (r.ms ?? Infinity) <= restarting);
    expect(whileDown.length).toBeGreaterThanOrEqual(16);
    const wrong = whileDown.filter((r) => r.status !== 503 || !/event log is unavailable/.test(String(r.answer?.message)));
    expect(wrong.map(summary)).toEqual([]);
    const slow = whileDown.filter((r) => r.ms! > FAIL_FAST_MS);
    expect(slow.map(summary)).toEqual([]);

    // Once it is back: the first success of a write sent after the restart comes within RECOVERY_MS.
    const firstAck = writers.records.filter((r) => r.startedAt >= up && isAcked(r)).sort((a, b) => a.startedAt + a.ms! - (b.startedAt + b.ms!))[0];
    expect(firstAck).toBeDefined();
    const recoveryMs = firstAck!.startedAt + firstAck!.ms! - up;
    expect(recoveryMs).toBeLessThan(RECOVERY_MS);
    expect((await health(rest)).status).toBe(200);
    // Anything else than 200 or 503 (a 500, a 409 of a confused retry) is a bug. A write in flight at the stop whose
    // append had succeeded waits for the config state to read it back: 200 once the server is back, else a 503 that
    // says it is in the log.
    const inFlight = writers.records.filter((r) => r.startedAt < down && r.startedAt + (r.ms ?? 0) > stopping);
    expect(writers.statusTally(writers.records.filter((r) => r.status !== undefined && r.status !== 200 && r.status !== 503))).toEqual({});
    process.stderr.write(
      `pg_ctl stop -m ${mode}: stop took ${down - stopping} ms; ${whileDown.length} writes while down, all 503, ` +
        `p50 ${percentile(whileDown.map((r) => r.ms!), 50)} ms, max ${Math.max(...whileDown.map((r) => r.ms!))} ms; ` +
        `start took ${up - restarting} ms; first write acknowledged ${recoveryMs} ms after; in flight at the stop: ` +
        `${JSON.stringify(writers.statusTally(inFlight))}, max ${Math.max(0, ...inFlight.map((r) => r.ms ?? 0))} ms\n`,
    );
  }

  it('pg_ctl stop -m fast: writes answer 503 within 2 s, /health says the store is down; after the start they succeed within 5 s', async () => {
    await outage('fast', DOWN_MS);
  }, 45_000);

  it('pg_ctl stop -m immediate (a crash) for 11 s: the same, and writes in flight at the stop answer 503, not 500', async () => {
    await outage('immediate', LONG_DOWN_MS);
  }, 50_000);

  it('nothing acknowledged is lost or duplicated, retries answer the first outcome, the projections verify', async () => {
    await writers.stop();
    const events = await exportLog(rest);
    expect(logProblems(events, writers.records)).toEqual([]);
    const retry = await retryProblems(rest, writers.records);
    expect(retry.problems).toEqual([]);
    const final = await exportLog(rest);
    expect(logProblems(final, [...writers.records.filter(isAcked), ...retry.retried])).toEqual([]);
    const report = await verify(rest);
    expect(report).toMatchObject({ ok: true, projections: [{ projection: 'config', ok: true }, { projection: 'desired-state', ok: true }] });
    controller.kill('SIGTERM');
    expect(await controller.exited).toEqual({ code: 0, signal: null });
  }, 45_000);
});

function summary(r: WriteRecord): string {
  return `${r.kind} ${r.key}: ${r.status ?? r.error} in ${r.ms} ms ${JSON.stringify(r.answer)}`;
}
