// kill -9 of the built all-in-one controller while 16 REST writers create networks and ports and rename networks,
// each request with its own Idempotency-Key; then a new process on the same store. What was acknowledged must have
// survived, once: every 2xx write is in the log at the position it was told, no command is in the log twice, a
// retry with the same key answers the first outcome, and the projections rebuilt (from checkpoints and the log)
// equal a replay, and a replay of the log up to a verify taken before the kill gives that verify's digests.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { ControllerProcess } from './controller-process.js';
import { tempDataDir } from './config-api-support.js';
import { ConcurrentWriters, exportLog, isAcked, logProblems, replayDigests, retryProblems, verify, type VerifyAnswer } from './support/fault-writers.js';

/** Checkpoints every few events, so that the restart resumes from one written under load. */
const CHECKPOINT_EVERY = '40';

async function startController(env: Record<string, string>): Promise<{ process: ControllerProcess; rest: string }> {
  const process = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', SHUTDOWN_TIMEOUT_MS: '3000', CHECKPOINT_EVERY, ...env });
  try {
    const listening = await process.waitForLine((line) => line.msg === 'listening', 20_000);
    return { process, rest: listening.rest as string };
  } catch (error) {
    await process.ensureStopped();
    throw error;
  }
}

/** The scenario on the store `env` names; returns what it measured, for the test's name line. */
async function killUnderWrites(env: Record<string, string>): Promise<void> {
  let current = await startController(env);
  const processes = [current.process];
  const writers = new ConcurrentWriters(() => current.rest, `kill-${randomBytes(3).toString('hex')}`);
  try {
    writers.start();
    await writers.waitForAcks(60, 20_000);
    const before: VerifyAnswer = await verify(current.rest);
    expect(before).toMatchObject({ ok: true, projections: [{ projection: 'config', ok: true }, { projection: 'desired-state', ok: true }] });
    await writers.waitForAcks(writers.acks.length + 60, 20_000);

    // Mid-stream: requests are in flight as the process dies.
    const inFlight = writers.records.filter((r) => r.status === undefined && r.error === undefined).length;
    current.process.kill('SIGKILL');
    expect(await current.process.exited).toEqual({ code: null, signal: 'SIGKILL' });
    await writers.stop();
    const answered = writers.records.filter((r) => r.status !== undefined);
    // Before the kill every answer was a success: the writers did nothing a controller could refuse.
    expect(writers.statusTally(answered)).toEqual({ 200: answered.length });
    expect(inFlight).toBeGreaterThan(0);

    current = await startController(env);
    processes.push(current.process);
    // The config projection resumed from a checkpoint saved under load, not from position 0.
    expect(current.process.lines.find((l) => l.msg === 'resumed from checkpoint')).toMatchObject({ projection: 'config' });
    expect(current.process.lines.filter((l) => l.msg === 'checkpoint ignored')).toEqual([]);
    const events = await exportLog(current.rest);
    expect(logProblems(events, writers.records)).toEqual([]);

    // The projections came back from a checkpoint plus the log's tail: they must equal a replay from 0 …
    const after = await verify(current.rest);
    expect(after).toMatchObject({ ok: true, projections: [{ projection: 'config', ok: true }, { projection: 'desired-state', ok: true }] });
    // … and the log up to the verify taken before the kill must replay to that verify's digests.
    expect(replayDigests(events, before)).toEqual(before.projections.map((p) => ({ projection: p.projection, position: p.position, digest: p.liveDigest })));

    // Each request again with its key: the acknowledged ones answer their first outcome, the others now happen once.
    const retry = await retryProblems(current.rest, writers.records);
    expect(retry.problems).toEqual([]);
    const final = await exportLog(current.rest);
    expect(logProblems(final, [...writers.records.filter(isAcked), ...retry.retried])).toEqual([]);
    expect((await verify(current.rest)).ok).toBe(true);

    current.process.kill('SIGTERM');
    expect(await current.process.exited).toEqual({ code: 0, signal: null });
    process.stderr.write(
      `kill -9 on ${env.STORE ?? 'sqlite'}: ${writers.acks.length} writes acknowledged, ${inFlight} in flight at the kill, ` +
        `${events.length} events after restart, ${retry.retried.length} retried\n`,
    );
  } finally {
    await writers.stop();
    for (const p of processes) await p.ensureStopped();
  }
}

describe('kill -9 of the controller under 16 concurrent REST writers', () => {
  it('on SQLite: every acknowledged write survives once, retries replay, projections rebuild to the same digests', async () => {
    const dir = tempDataDir();
    try {
      await killUnderWrites({ DATA_DIR: dir.path });
    } finally {
      dir.remove();
    }
  }, 60_000);

  const pgUrl = process.env.PG_TEST_URL;
  const itWithPostgres = pgUrl ? it : it.skip;
  if (!pgUrl) process.stderr.write(`kill -9 on PostgreSQL skipped: ${process.env.PG_TEST_UNAVAILABLE ?? 'PG_TEST_URL is not set'}\n`);

  itWithPostgres('on PostgreSQL: the same', async () => {
    const database = `fault_kill_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: pgUrl });
    await admin.connect();
    const dir = tempDataDir();
    try {
      await admin.query(`CREATE DATABASE ${database}`);
      const url = new URL(pgUrl!);
      url.pathname = `/${database}`;
      await killUnderWrites({ STORE: 'postgres', DATABASE_URL: url.toString(), DATA_DIR: dir.path });
    } finally {
      dir.remove();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    }
  }, 60_000);
});
