import { describe, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { PostgresEventStore } from '#libs/event-store';
import { describeEventStoreContract } from './event-store.contract.js';

const url = process.env.PG_TEST_URL;
const schemas = new WeakMap<object, string>();

if (url) {
  describeEventStoreContract(
    'postgres',
    async () => {
      const schema = `es_${randomBytes(6).toString('hex')}`;
      const store = await PostgresEventStore.open({ connectionString: url, schema, pollIntervalMs: 200 });
      schemas.set(store, schema);
      return store;
    },
    { childStoreConfig: (store) => ({ kind: 'postgres', connectionString: url, schema: schemas.get(store) }) },
  );
} else {
  const reason = process.env.PG_TEST_UNAVAILABLE ?? 'PG_TEST_URL is not set';
  process.stderr.write(`PostgreSQL contract tests skipped: ${reason}\n`);
  describe.skip(`EventStore contract: postgres (skipped: ${reason})`, () => {
    it('needs a PostgreSQL server', () => undefined);
  });
}
