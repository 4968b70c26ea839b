import { EnvReader, checkDistinctPorts, readLogLevel, readShutdownTimeoutMs, type Environment, type LogLevel } from '#libs/config';
import { readConfigApiListeners, readConfigApiStorage, type ConfigApiListeners, type ConfigApiStorage } from './config-api-environment.js';

/*
 * The config API on its own (`node dist/apps/config-api/src/main.js`): the multi-cluster deployment runs it in the
 * central cluster, next to the control replicas (apps/control) and the kubemanagers, on the shared event store.
 * It is the only writer of config; it has no control service and no XMPP bridge. Unset, empty or blank means
 * "use the default".
 *
 * | variable                    | default   | allowed                                                              |
 * |-----------------------------|-----------|----------------------------------------------------------------------|
 * | BIND_ADDRESS                | 127.0.0.1 | IP address or host name; containers set 0.0.0.0 (or ::)              |
 * | REST_PORT                   | 8082      | 0..65535: the Contrail REST API, /docs, /audit, /health, /metrics    |
 * | REST_BODY_LIMIT_BYTES       | 1048576   | 1..1073741824; a larger JSON body gets a 413                         |
 * | GRPC_PORT                   | 50051     | 0..65535: ConfigService, AuditService, grpc.health.v1                |
 * | STORE                       | sqlite    | sqlite, postgres, kurrentdb (postgres or kurrentdb when replicated)  |
 * | DATA_DIR                    | ./data    | a directory: DATA_DIR/events.db (sqlite) and DATA_DIR/checkpoints    |
 * | DATABASE_URL                | -         | postgres:// or postgresql:// URL; required when STORE=postgres       |
 * | KURRENTDB_CONNECTION_STRING | -         | kurrentdb:// (or +discover, kdb://, esdb://); required for kurrentdb |
 * | CHECKPOINT_EVERY            | 10000     | 0..100000000 events between config projection checkpoints; 0 = off   |
 * | AUDIT_SNAPSHOT_EVERY        | 50000     | 1..100000000 events between the audit engine's in-memory snapshots   |
 * | LOG_LEVEL                   | info      | fatal, error, warn, info, debug, trace                               |
 * | SHUTDOWN_TIMEOUT_MS         | 10000     | 0..3600000: how long open requests and streams may finish on stop    |
 *
 * REST_PORT and GRPC_PORT may not be the same non-zero port. Every bad value is reported at once and start-up exits
 * with 2 (runMain).
 */

/** Everything the config API process reads from its environment, validated. */
export interface ConfigApiServiceConfig extends ConfigApiListeners, ConfigApiStorage {
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
}

/**
 * Reads and validates the config API process's environment. Throws InvalidConfigError listing every bad variable.
 * Pure: the environment and the directory that relative paths resolve against are arguments.
 */
export function loadConfigApiServiceConfig(env: Environment, options: { cwd: string }): ConfigApiServiceConfig {
  const reader = new EnvReader(env);
  const listeners = readConfigApiListeners(reader);
  checkDistinctPorts(reader, { REST_PORT: listeners.rest.port, GRPC_PORT: listeners.grpc.port });
  const storage = readConfigApiStorage(reader, options.cwd);
  const logLevel = readLogLevel(reader);
  const shutdownTimeoutMs = readShutdownTimeoutMs(reader);
  return reader.finish({ ...listeners, ...storage, logLevel, shutdownTimeoutMs });
}
