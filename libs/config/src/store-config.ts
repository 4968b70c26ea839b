import { join } from 'node:path';
import { maskCredentials } from './config-problem.js';
import type { EnvReader } from './env-reader.js';

export const STORE_KINDS = ['sqlite', 'postgres', 'kurrentdb'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

/** Which event log to open (DESIGN §3), with what each adapter needs. */
export type StoreConfig =
  | { kind: 'sqlite'; path: string }
  | { kind: 'postgres'; connectionString: string }
  | { kind: 'kurrentdb'; connectionString: string };

/** The file name of the SQLite event log inside DATA_DIR. */
export const SQLITE_FILE_NAME = 'events.db';

const POSTGRES_SCHEMES = ['postgres', 'postgresql'];
// What @kurrent/kurrentdb-client parses; esdb is its deprecated spelling.
const KURRENTDB_SCHEMES = ['kurrentdb', 'kurrentdb+discover', 'kurrent', 'kurrent+discover', 'kdb', 'kdb+discover', 'esdb', 'esdb+discover'];

/**
 * STORE (sqlite | postgres | kurrentdb, default sqlite) and what the chosen store needs: the SQLite file
 * DATA_DIR/events.db, DATABASE_URL for postgres, KURRENTDB_CONNECTION_STRING for kurrentdb. The variables of the
 * stores not chosen are ignored.
 */
export function readStoreConfig(env: EnvReader, dataDir: string): StoreConfig {
  const kind = env.oneOf('STORE', STORE_KINDS, 'sqlite');
  switch (kind) {
    case 'sqlite':
      return { kind, path: join(dataDir, SQLITE_FILE_NAME) };
    case 'postgres': {
      const connectionString = env.url('DATABASE_URL', POSTGRES_SCHEMES, { secret: true, requiredWhen: 'when STORE=postgres' });
      return { kind, connectionString: connectionString ?? '' };
    }
    case 'kurrentdb': {
      const connectionString = env.url('KURRENTDB_CONNECTION_STRING', KURRENTDB_SCHEMES, {
        secret: true,
        requiredWhen: 'when STORE=kurrentdb',
      });
      return { kind, connectionString: connectionString ?? '' };
    }
    default: {
      const unknown: never = kind;
      throw new Error(`unknown store ${String(unknown)}`);
    }
  }
}

/** Where the store keeps the log, for logs and health output: a file path, or a URL with the password masked. */
export function describeStoreLocation(store: StoreConfig): string {
  return store.kind === 'sqlite' ? store.path : maskCredentials(store.connectionString);
}
