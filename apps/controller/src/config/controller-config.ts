import {
  EnvReader,
  readBindAddress,
  readCheckpointConfig,
  readDataDir,
  readLogLevel,
  readShutdownTimeoutMs,
  readStoreConfig,
  type CheckpointConfig,
  type Environment,
  type LogLevel,
  type StoreConfig,
} from '#libs/config';
import { readControlOptions, type ControlOptions } from '#apps/control';
import { readAuditSettings, type AuditSettings } from '#apps/config-api';

/*
 * The controller's environment (DESIGN §8). Unset, empty or blank means "use the default".
 *
 * | variable                    | default   | allowed                                                              |
 * |-----------------------------|-----------|----------------------------------------------------------------------|
 * | BIND_ADDRESS                | 127.0.0.1 | IP address or host name; containers set 0.0.0.0 (or ::)              |
 * | REST_PORT                   | 8082      | 0..65535, 0 = any free port (the 'listening' log line tells which)   |
 * | REST_BODY_LIMIT_BYTES       | 1048576   | 1..1073741824; a larger JSON body gets a 413                         |
 * | GRPC_PORT                   | 50051     | 0..65535                                                             |
 * | XMPP_PORT                   | 5269      | 0..65535: the XMPP bridge for Tungsten Fabric vRouter agents         |
 * | STORE                       | sqlite    | sqlite, postgres, kurrentdb                                          |
 * | DATA_DIR                    | ./data    | a directory; the SQLite log is DATA_DIR/events.db                    |
 * | DATABASE_URL                | -         | postgres:// or postgresql:// URL; required when STORE=postgres       |
 * | KURRENTDB_CONNECTION_STRING | -         | kurrentdb:// (or +discover, kdb://, esdb://); required for kurrentdb |
 * | LOG_LEVEL                   | info      | fatal, error, warn, info, debug, trace                               |
 * | SHUTDOWN_TIMEOUT_MS         | 10000     | 0..3600000: how long open requests and streams may finish on stop    |
 * | CHECKPOINT_EVERY            | 10000     | 0..100000000 events between projection checkpoints; 0 = off          |
 * | AUDIT_SNAPSHOT_EVERY        | 50000     | 1..100000000 events between the audit engine's in-memory snapshots   |
 * | AGENT_HOLD_TIME_MS          | 60000     | 100..3600000: a dropped agent's routes stay (stale), and it may resume |
 * | AGENT_WINDOW                | 32        | 1..4096 messages sent to an agent ahead of its acks                  |
 * | AGENT_BATCH_ROUTES          | 256       | 1..10000 route updates per message to an agent                       |
 *
 * Two listeners may not share a non-zero port. Every bad value is reported at once and start-up exits with 2.
 */

/** Everything the all-in-one controller reads from its environment, validated. */
export interface ControllerConfig {
  /** BIND_ADDRESS: every listener binds here. */
  bindAddress: string;
  /** REST_PORT (default 8082, Contrail's config API port) and REST_BODY_LIMIT_BYTES (default 1 MiB). */
  rest: { port: number; bodyLimitBytes: number };
  /** GRPC_PORT (default 50051). */
  grpc: { port: number };
  /** XMPP_PORT (default 5269): the XMPP bridge (Tungsten Fabric vRouter agents), on BIND_ADDRESS. */
  xmpp: { port: number };
  /** DATA_DIR, absolute (default ./data). */
  dataDir: string;
  store: StoreConfig;
  /** CHECKPOINT_EVERY and DATA_DIR/checkpoints; undefined when off (0, or the KurrentDB store). */
  checkpoints: CheckpointConfig | undefined;
  /** AUDIT_SNAPSHOT_EVERY: the audit engine's snapshots, for as-of reads and diffs. */
  audit: AuditSettings;
  /** AGENT_HOLD_TIME_MS, AGENT_WINDOW, AGENT_BATCH_ROUTES: the control service's agent sessions. */
  control: ControlOptions;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
}

export const DEFAULT_REST_PORT = 8082;
export const DEFAULT_GRPC_PORT = 50051;
export const DEFAULT_XMPP_PORT = 5269;
export const DEFAULT_BODY_LIMIT_BYTES = 1024 * 1024;

/**
 * Reads and validates the controller's environment. Throws InvalidConfigError listing every bad variable.
 * Pure: the environment and the directory that relative paths resolve against are arguments.
 */
export function loadControllerConfig(env: Environment, options: { cwd: string }): ControllerConfig {
  const reader = new EnvReader(env);
  const bindAddress = readBindAddress(reader);
  const rest = {
    port: reader.port('REST_PORT', DEFAULT_REST_PORT),
    bodyLimitBytes: reader.integer('REST_BODY_LIMIT_BYTES', DEFAULT_BODY_LIMIT_BYTES, { min: 1, max: 1024 * 1024 * 1024, note: 'bytes' }),
  };
  const grpc = { port: reader.port('GRPC_PORT', DEFAULT_GRPC_PORT) };
  const xmpp = { port: reader.port('XMPP_PORT', DEFAULT_XMPP_PORT) };
  checkDistinctPorts(reader, { REST_PORT: rest.port, GRPC_PORT: grpc.port, XMPP_PORT: xmpp.port });
  const dataDir = readDataDir(reader, options.cwd);
  const store = readStoreConfig(reader, dataDir);
  const checkpoints = readCheckpointConfig(reader, dataDir, store);
  const audit = readAuditSettings(reader);
  const control = readControlOptions(reader);
  const logLevel = readLogLevel(reader);
  const shutdownTimeoutMs = readShutdownTimeoutMs(reader);
  return reader.finish({ bindAddress, rest, grpc, xmpp, dataDir, store, checkpoints, audit, control, logLevel, shutdownTimeoutMs });
}

/** Two listeners on one address cannot share a port; 0 (any free port) never clashes. */
function checkDistinctPorts(reader: EnvReader, ports: Record<string, number>): void {
  const seen = new Map<number, string>();
  for (const [name, port] of Object.entries(ports)) {
    if (port === 0) continue;
    const other = seen.get(port);
    if (other === undefined) seen.set(port, name);
    else reader.invalid(name, String(port), `a port other than ${other}'s (${port}): every listener needs its own port`);
  }
}
