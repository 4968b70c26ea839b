import { EnvReader, checkDistinctPorts, readLogLevel, readShutdownTimeoutMs, type Environment, type LogLevel } from '#libs/config';
import { readControlOptions, type ControlOptions } from '#apps/control';
import { readKubemanagerResyncMs } from '#apps/kubemanager';
import { readConfigApiListeners, readConfigApiStorage, type ConfigApiListeners, type ConfigApiStorage } from '#apps/config-api';

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
 * | KUBEMANAGER_RESYNC_MS       | 120000    | 0..86400000 between the in-process kubemanagers' periodic reconciles |
 *
 * Two listeners may not share a non-zero port. Every bad value is reported at once and start-up exits with 2.
 * All but XMPP_PORT and AGENT_* are the config API's, read by the same functions as its own process reads them.
 */

/**
 * Everything the all-in-one controller reads from its environment, validated: the config API's variables (read as
 * the config API process reads them, apps/config-api's config-api-environment.ts), the XMPP bridge's port and the
 * control service's tunables.
 */
export interface ControllerConfig extends ConfigApiListeners, ConfigApiStorage {
  /** XMPP_PORT (default 5269): the XMPP bridge (Tungsten Fabric vRouter agents), on BIND_ADDRESS. */
  xmpp: { port: number };
  /** AGENT_HOLD_TIME_MS, AGENT_WINDOW, AGENT_BATCH_ROUTES: the control service's agent sessions. */
  control: ControlOptions;
  /** KUBEMANAGER_RESYNC_MS: the in-process kubemanagers of attached clusters (docs/kubemanager.md). */
  kubemanagers: { resyncMs: number };
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
}

export const DEFAULT_XMPP_PORT = 5269;

/**
 * Reads and validates the controller's environment. Throws InvalidConfigError listing every bad variable.
 * Pure: the environment and the directory that relative paths resolve against are arguments.
 */
export function loadControllerConfig(env: Environment, options: { cwd: string }): ControllerConfig {
  const reader = new EnvReader(env);
  const listeners = readConfigApiListeners(reader);
  const xmpp = { port: reader.port('XMPP_PORT', DEFAULT_XMPP_PORT) };
  checkDistinctPorts(reader, { REST_PORT: listeners.rest.port, GRPC_PORT: listeners.grpc.port, XMPP_PORT: xmpp.port });
  const storage = readConfigApiStorage(reader, options.cwd);
  const control = readControlOptions(reader);
  const kubemanagers = { resyncMs: readKubemanagerResyncMs(reader) };
  const logLevel = readLogLevel(reader);
  const shutdownTimeoutMs = readShutdownTimeoutMs(reader);
  return reader.finish({ ...listeners, xmpp, ...storage, control, kubemanagers, logLevel, shutdownTimeoutMs });
}
