import type { DynamicModule } from '@nestjs/common';
import {
  readBindAddress,
  readCheckpointConfig,
  readDataDir,
  readStoreConfig,
  type CheckpointConfig,
  type EnvReader,
  type StoreConfig,
} from '#libs/config';
import { FileCheckpointStore } from '#libs/projections';
import { readAuditSettings, type AuditSettings } from '../audit/audit-config.js';
import { ConfigApiModule } from '../config-api.module.js';

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
 * | DATA_DIR                    | ./data    | a directory; the SQLite log is DATA_DIR/events.db                    |
 * | STORE, DATABASE_URL,        | sqlite    | the event store (libs/config's store-config.ts)                      |
 * | KURRENTDB_CONNECTION_STRING |           |                                                                      |
 * | CHECKPOINT_EVERY            | 10000     | 0..100000000 events between projection checkpoints; 0 = off          |
 * | AUDIT_SNAPSHOT_EVERY        | 50000     | 1..100000000 events between the audit engine's in-memory snapshots   |
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
  /** GRPC_PORT (default 50051). */
  grpc: { port: number };
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
}

/**
 * BIND_ADDRESS, REST_PORT, REST_BODY_LIMIT_BYTES, GRPC_PORT, in that order. The caller checks that its listeners'
 * ports differ (checkDistinctPorts) once it has read its own.
 */
export function readConfigApiListeners(reader: EnvReader): ConfigApiListeners {
  const bindAddress = readBindAddress(reader);
  const rest = {
    port: reader.port('REST_PORT', DEFAULT_REST_PORT),
    bodyLimitBytes: reader.integer('REST_BODY_LIMIT_BYTES', DEFAULT_BODY_LIMIT_BYTES, { min: 1, max: MAX_BODY_LIMIT_BYTES, note: 'bytes' }),
  };
  const grpc = { port: reader.port('GRPC_PORT', DEFAULT_GRPC_PORT) };
  return { bindAddress, rest, grpc };
}

/** DATA_DIR (relative to `cwd`), the store's variables, CHECKPOINT_EVERY, AUDIT_SNAPSHOT_EVERY, in that order. */
export function readConfigApiStorage(reader: EnvReader, cwd: string): ConfigApiStorage {
  const dataDir = readDataDir(reader, cwd);
  const store = readStoreConfig(reader, dataDir);
  const checkpoints = readCheckpointConfig(reader, dataDir, store);
  const audit = readAuditSettings(reader);
  return { dataDir, store, checkpoints, audit };
}

/** ConfigApiModule as a process configured from its environment runs it: checkpoints in DATA_DIR/checkpoints. */
export function configApiModuleFor(storage: Pick<ConfigApiStorage, 'checkpoints' | 'audit'>): DynamicModule {
  const { checkpoints, audit } = storage;
  const projection = checkpoints ? { checkpoints: new FileCheckpointStore(checkpoints.dir), checkpointEvery: checkpoints.every } : undefined;
  return ConfigApiModule.forRoot({ projection, audit });
}
