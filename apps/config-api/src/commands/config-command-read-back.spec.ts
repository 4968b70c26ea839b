import { ConfigError, ConfigState, CONFIG_MODEL } from '#libs/domain';
import type { EventStore, StreamWrite } from '#libs/event-store';
import type { ConfigProjection } from '#libs/projections';
import { ConfigCommandService } from './config-command.service.js';

// Found by test/e2e/fault-postgres-restart (PostgreSQL stopped for longer than the projection wait): a write whose
// append succeeded just before the store went away waited 10 s for the config state and then answered 500. It is a
// 503 that says the write is in the log, and a repeat with its Idempotency-Key answers its outcome once it is read.

function service(waitFor: (position: number) => Promise<void>): { commands: ConfigCommandService; appended: StreamWrite[][] } {
  const appended: StreamWrite[][] = [];
  const store = {
    kind: 'fake',
    appendMany: async (writes: StreamWrite[]) => {
      appended.push(writes);
      return writes.map((_w, i) => ({ position: 40 + i, nextExpectedRevision: 0 }));
    },
    headPosition: async () => 41,
  } as unknown as EventStore;
  const projection = { state: new ConfigState(), waitFor, commandRecord: () => undefined } as unknown as ConfigProjection;
  return { commands: new ConfigCommandService(store, projection, CONFIG_MODEL), appended };
}

describe('a write the config state cannot read back', () => {
  it('answers 503 naming its log position instead of a 500', async () => {
    const { commands, appended } = service(() => Promise.reject(new Error('the config state did not reach position 41 within 10000 ms (at 8)')));
    const outcome = commands.create('domain', { fq_name: ['read-back'] }, { actor: 'test', source: 'test', commandId: 'k-1' });
    await expect(outcome).rejects.toBeInstanceOf(ConfigError);
    await expect(outcome).rejects.toMatchObject({ status: 503, message: expect.stringContaining('the write is in the log at position 41') });
    expect(appended).toHaveLength(1);
  });

  it('answers the outcome when the state reaches the write', async () => {
    const { commands } = service(() => Promise.resolve());
    await expect(commands.create('domain', { fq_name: ['read-back'] }, { actor: 'test', source: 'test' })).resolves.toMatchObject({ type: 'domain', position: 41, repeated: false });
  });
});
