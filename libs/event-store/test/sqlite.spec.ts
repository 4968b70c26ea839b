import { afterAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '#libs/event-store';
import { describeEventStoreContract } from './event-store.contract.js';

const dir = mkdtempSync(join(tmpdir(), 'es-sqlite-'));
let n = 0;
const paths = new WeakMap<object, string>();
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeEventStoreContract(
  'sqlite',
  async () => {
    const path = join(dir, `store-${n++}.db`);
    const store = new SqliteEventStore({ path });
    paths.set(store, path);
    return store;
  },
  { childStoreConfig: (store) => ({ kind: 'sqlite', path: paths.get(store) }) },
);
