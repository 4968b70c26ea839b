import type { DynamicModule } from '@nestjs/common';
import {
  readBindAddress,
  readCheckpointConfig,
  readGrpcMaxMessageBytes,
  readDataDir,
  readStoreConfig,
  type CheckpointConfig,
  type EnvReader,
  type StoreConfig,
} from '#libs/config';
import { DEFAULT_IDEMPOTENCY_WINDOW, FileCheckpointStore, type IdempotencyWindow } from '#libs/projections';
import { readAuthSettings, type AuthSettings } from '#libs/security';
import { readAuditSettings, type AuditSettings } from '../audit/audit-config.js';
import { ConfigApiModule } from '../config-api.module.js';
import { DEFAULT_LIST_LIMITS, type ListLimits } from '../rest/list-query.js';

/*
 * The variables of the config API, wherever it runs: in its own process (config-api-service-config.ts) and in the
 * all-in-one controller (apps/controller's controller-config.ts), which reads them with these same functions.
 * Each process documents its full table; these are the config API's rows.
 *
 * | variable                    | default   | allowed                                                              |
 * |-----------------------------|-----------|----------------------------------------------------------------------|
 * | BIND_ADDRESS                | 127.0.0.1 | IP address or host name; containers set 0.0.0.0 (or ::)              |
 * | REST_PORT                   | 8082      | 0..65535, 0 = any free port (the 'listening' log line tells which)   |
 * | REST_BODY_LIMIT_BYTES       | 1048576   | 1..1073741824; a larger JSON body gets a 413                         |
 * | GRPC_PORT                   | 50051     | 0..65535                                                             |
 * | GRPC_MAX_MESSAGE_BYTES      | 4194304   | 1024..1073741824; a larger gRPC request message: RESOURCE_EXHAUSTED  |
 * | LIST_MAX_PAGE               | 10000     | 1..1000000: the largest page_limit; a larger one gets a 400          |
 * | LIST_MAX_UNPAGED            | 100000    | 0..100000000 objects answered without page_limit (413 past); 0 = off |
 * | DATA_DIR                    | ./data    | a directory; the SQLite log is DATA_DIR/events.db                    |
 * | STORE, DATABASE_URL,        | sqlite    | the event store (libs/config's store-config.ts)                      |
 * | KURRENTDB_CONNECTION_STRING |           |                                                                      |
 * | CHECKPOINT_EVERY            | 10000     | 0..100000000 events between projection checkpoints; 0 = off          |
 * | AUDIT_SNAPSHOT_EVERY        | 50000     | 1..100000000 events between the audit engine's in-memory snapshots   |
 * | IDEMPOTENCY_WINDOW_S        | 3600      | 0..604800 s an Idempotency-Key is remembered (on the log's clock)    |
 * | IDEMPOTENCY_MAX_KEYS        | 100000    | 0..10000000 keys remembered at most, the oldest forgotten first      |
 * | AUTH_*                      |           | authentication and anonymous access (libs/security auth-settings.ts) |
 */

export const DEFAULT_REST_PORT = 8082;
export const DEFAULT_GRPC_PORT = 50051;
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;
const MAX_BODY_LIMIT_BYTES = 1024 * 1024 * 1024;

/** Where the config API listens. */
export interface ConfigApiListeners {
  /** BIND_ADDRESS: every listener binds here. */
  bindAddress: string;
  /** REST_PORT (default 8082, Contrail's config API port) and REST_BODY_LIMIT_BYTES (default 1 MiB). */
  rest: { port: number; bodyLimitBytes: number };
  /** GRPC_PORT (default 50051) and GRPC_MAX_MESSAGE_BYTES (default 4 MiB). */
  grpc: { port: number; maxMessageBytes: number };
}

/** What one request may ask of the config API. */
export interface ConfigApiLimits {
  /** LIST_MAX_PAGE and LIST_MAX_UNPAGED. */
  lists: ListLimits;
}

/** What the config API keeps and where: the event store, its projection's checkpoints, the audit engine. */
export interface ConfigApiStorage {
  /** DATA_DIR, absolute (default ./data). */
  dataDir: string;
  store: StoreConfig;
  /** CHECKPOINT_EVERY and DATA_DIR/checkpoints; undefined when off (0, or the KurrentDB store). */
  checkpoints: CheckpointConfig | undefined;
  /** AUDIT_SNAPSHOT_EVERY: the audit engine's snapshots, for as-of reads and diffs. */
  audit: AuditSettings;
  /** IDEMPOTENCY_WINDOW_S, IDEMPOTENCY_MAX_KEYS: which Idempotency-Keys the config projection remembers. */
  idempotency: IdempotencyWindow;
}

/** IDEMPOTENCY_WINDOW_S and IDEMPOTENCY_MAX_KEYS. */
export function readIdempotencyWindow(reader: EnvReader): IdempotencyWindow {
  const seconds = reader.integer('IDEMPOTENCY_WINDOW_S', DEFAULT_IDEMPOTENCY_WINDOW.windowMs / 1000, {
    min: 0,
    max: 7 * 24 * 3600,
    note: 'seconds an Idempotency-Key is remembered',
  });
  const maxRecords = reader.integer('IDEMPOTENCY_MAX_KEYS', DEFAULT_IDEMPOTENCY_WINDOW.maxRecords, {
    min: 0,
    max: 10_000_000,
    note: 'Idempotency-Keys remembered at most',
  });
  return { windowMs: seconds * 1000, maxRecords };
}

/**
 * BIND_ADDRESS, REST_PORT, REST_BODY_LIMIT_BYTES, GRPC_PORT, GRPC_MAX_MESSAGE_BYTES, in that order. The caller checks that its listeners'
 * ports differ (checkDistinctPorts) once it has read its own.
 */
export function readConfigApiListeners(reader: EnvReader): ConfigApiListeners {
  const bindAddress = readBindAddress(reader);
  const rest = {
    port: reader.port('REST_PORT', DEFAULT_REST_PORT),
    bodyLimitBytes: reader.integer('REST_BODY_LIMIT_BYTES', DEFAULT_BODY_LIMIT_BYTES, { min: 1, max: MAX_BODY_LIMIT_BYTES, note: 'bytes' }),
  };
  const grpc = { port: reader.port('GRPC_PORT', DEFAULT_GRPC_PORT), maxMessageBytes: readGrpcMaxMessageBytes(reader) };
  return { bindAddress, rest, grpc };
}

/** LIST_MAX_PAGE, LIST_MAX_UNPAGED. */
export function readConfigApiLimits(reader: EnvReader): ConfigApiLimits {
  return {
    lists: {
      maxPage: reader.integer('LIST_MAX_PAGE', DEFAULT_LIST_LIMITS.maxPage, { min: 1, max: 1_000_000, note: 'objects per page' }),
      maxUnpaged: reader.integer('LIST_MAX_UNPAGED', DEFAULT_LIST_LIMITS.maxUnpaged, {
        min: 0,
        max: 100_000_000,
        note: 'objects a list without page_limit answers, 0 = no limit',
      }),
    },
  };
}

/** Who may call the config API (DESIGN §8): AUTH_TOKENS_FILE, AUTH_JWT_*, AUTH_ANONYMOUS, AUTH_RELOAD_INTERVAL_MS. */
export interface ConfigApiAuth {
  auth: AuthSettings;
}

/**
 * The AUTH_* variables, and the credential files they name (read now: a bad line is a problem naming the file and
 * the line). Relative paths resolve against `cwd`; anonymous access defaults to admin only on a loopback BIND_ADDRESS
 * without credentials.
 */
export function readConfigApiAuth(reader: EnvReader, cwd: string, bindAddress: string): ConfigApiAuth {
  return { auth: readAuthSettings(reader, { cwd, bindAddress }) };
}

/**
 * DATA_DIR (relative to `cwd`), the store's variables, CHECKPOINT_EVERY, AUDIT_SNAPSHOT_EVERY, IDEMPOTENCY_*, in
 * that order.
 */
export function readConfigApiStorage(reader: EnvReader, cwd: string): ConfigApiStorage {
  const dataDir = readDataDir(reader, cwd);
  const store = readStoreConfig(reader, dataDir);
  const checkpoints = readCheckpointConfig(reader, dataDir, store);
  const audit = readAuditSettings(reader);
  const idempotency = readIdempotencyWindow(reader);
  return { dataDir, store, checkpoints, audit, idempotency };
}

/**
 * ConfigApiModule as a process configured from its environment runs it: checkpoints in DATA_DIR/checkpoints, the
 * list limits.
 */
export function configApiModuleFor(
  config: Pick<ConfigApiStorage, 'checkpoints' | 'audit'> & Partial<Pick<ConfigApiStorage, 'idempotency'>> & ConfigApiLimits & Partial<ConfigApiAuth>,
): DynamicModule {
  const { checkpoints, audit, lists, auth, idempotency } = config;
  const projection = {
    idempotency,
    ...(checkpoints ? { checkpoints: new FileCheckpointStore(checkpoints.dir), checkpointEvery: checkpoints.every } : {}),
  };
  return ConfigApiModule.forRoot({ projection, audit, lists, auth });
}
