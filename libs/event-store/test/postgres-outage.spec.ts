/**
 * PostgreSQL-specific: the server goes away for a while (here: its database refuses connections and every session
 * is ended, as a stop or restart does to a client) and comes back. Operations meanwhile fail with
 * StoreUnavailableError; a live subscription must not end but go on where it was once the server is back, since
 * every projection and watch of a process rides on one.
 */
import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { PostgresEventStore, StoreUnavailableError, type RecordedEvent } from '#libs/event-store';

const url = process.env.PG_TEST_URL;
const suite = url ? describe : describe.skip;
if (!url) process.stderr.write(`PostgreSQL outage tests skipped: ${process.env.PG_TEST_UNAVAILABLE ?? 'PG_TEST_URL is not set'}\n`);

suite('PostgresEventStore: a server outage', () => {
  it('fails operations with StoreUnavailableError meanwhile; a live subscription resumes where it was afterwards', async () => {
    const database = `es_outage_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${database}`);
    const target = new URL(url!);
    target.pathname = `/${database}`;
    const store = await PostgresEventStore.open({ connectionString: target.toString(), pollIntervalMs: 50, connectTimeoutMs: 1000 });
    const sub = store.subscribeToAll();
    const iterator = sub[Symbol.asyncIterator]();
    try {
      await store.append('outage-1', [{ type: 'Before', data: {} }]);
      expect(((await iterator.next()).value as RecordedEvent).type).toBe('Before');
      const next = iterator.next();

      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS false`);
      await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, [database]);
      await expect(store.headPosition()).rejects.toBeInstanceOf(StoreUnavailableError);
      await expect(store.append('outage-2', [{ type: 'During', data: {} }])).rejects.toBeInstanceOf(StoreUnavailableError);
      // Several poll intervals: the subscription's reads fail meanwhile.
      await new Promise((resolve) => setTimeout(resolve, 300));

      await admin.query(`ALTER DATABASE ${database} ALLOW_CONNECTIONS true`);
      await store.append('outage-3', [{ type: 'After', data: {} }]);
      const after = await Promise.race([next, new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no event within 5 s')), 5000))]);
      expect(after).toMatchObject({ done: false, value: { type: 'After', globalPosition: 2 } });
    } finally {
      sub.close();
      await store.close();
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
      await admin.end();
    }
  }, 20_000);
});
