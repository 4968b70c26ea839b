import { KurrentDbEventStore, PostgresEventStore, SqliteEventStore, type EventStore } from '#libs/event-store';
import type { StoreConfig } from '#libs/config';

/** Opens the event log that STORE chose: it is ready for appends when the promise resolves. */
export async function openEventStore(config: StoreConfig): Promise<EventStore> {
  switch (config.kind) {
    case 'sqlite':
      return new SqliteEventStore({ path: config.path });
    case 'postgres':
      return PostgresEventStore.open({ connectionString: config.connectionString });
    case 'kurrentdb':
      return KurrentDbEventStore.open({ connectionString: config.connectionString });
    default: {
      const unknown: never = config;
      throw new Error(`unknown store ${JSON.stringify(unknown)}`);
    }
  }
}
