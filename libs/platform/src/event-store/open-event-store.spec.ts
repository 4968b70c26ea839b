import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEventStore } from './open-event-store.js';

describe('openEventStore', () => {
  it('opens SQLite at the configured path, creating its folder', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'contrail-open-store-'));
    try {
      const store = await openEventStore({ kind: 'sqlite', path: join(dir, 'nested', 'events.db') });
      expect(store.kind).toBe('sqlite');
      await store.append('probe-1', [{ type: 'Probed', data: {} }]);
      expect(await store.headPosition()).toBe(1);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('fails with the reason when PostgreSQL cannot be reached', async () => {
    await expect(openEventStore({ kind: 'postgres', connectionString: 'postgres://nobody@127.0.0.1:1/none' })).rejects.toThrow(/PostgreSQL/);
  });

  it('fails with the reason when KurrentDB cannot be reached', async () => {
    await expect(openEventStore({ kind: 'kurrentdb', connectionString: 'kurrentdb://127.0.0.1:1?tls=false' })).rejects.toThrow(/KurrentDB/);
  });
});
