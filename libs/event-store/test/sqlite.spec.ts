import { afterAll, describe, expect, it } from '@jest/globals';
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

describe('sqlite: the streams it remembers', () => {
  it('a stream written long ago (past the 10,000 it remembers) still gets its expected revision checked right', async () => {
    const store = new SqliteEventStore({ path: join(dir, `store-${n++}.db`) });
    try {
      await store.append('old', [{ type: 'Made', data: {} }], { expectedRevision: 'no_stream' });
      for (let i = 0; i < 10_050; i += 1000) {
        await store.appendMany(Array.from({ length: 1000 }, (_, k) => ({ streamId: `s-${i + k}`, events: [{ type: 'Made', data: {} }], expectedRevision: 'no_stream' as const })));
      }
      await expect(store.append('old', [{ type: 'Again', data: {} }], { expectedRevision: 'no_stream' })).rejects.toThrow(/expected revision no_stream but the stream is at 0/);
      await store.append('old', [{ type: 'Again', data: {} }], { expectedRevision: 0 });
      await expect(store.append('old', [{ type: 'Third', data: {} }], { expectedRevision: 0 })).rejects.toThrow(/the stream is at 1/);
    } finally {
      await store.close();
    }
  });
});
