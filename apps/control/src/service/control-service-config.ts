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
import { readControlOptions, type ControlOptions } from '../control-options.js';

/*
 * The control service on its own (`node dist/apps/control/src/main.js`): the multi-cluster deployment runs it as
 * a StatefulSet in the central cluster, next to the config API, on the same event store.
 *
 * | variable                         | default   | allowed                                                          |
 * |----------------------------------|-----------|------------------------------------------------------------------|
 * | BIND_ADDRESS                     | 127.0.0.1 | IP address or host name                                          |
 * | REST_PORT                        | 8083      | 0..65535: /health, /metrics, /control/*                          |
 * | GRPC_PORT                        | 50051     | 0..65535: AgentService, grpc.health.v1                           |
 * | XMPP_PORT                        | 5269      | 0..65535: Tungsten Fabric vRouter agents (the XMPP bridge)       |
 * | STORE, DATA_DIR, DATABASE_URL,   |           | as the controller's: the event store to follow                   |
 * | KURRENTDB_CONNECTION_STRING      |           |                                                                  |
 * | CHECKPOINT_EVERY                 | 10000     | as the controller's (checkpoints of its own config projection)   |
 * | AGENT_HOLD_TIME_MS, AGENT_WINDOW,|           | as the controller's                                              |
 * | AGENT_BATCH_ROUTES               |           |                                                                  |
 * | LOG_LEVEL, SHUTDOWN_TIMEOUT_MS   |           | as the controller's                                              |
 */
export interface ControlServiceConfig {
  bindAddress: string;
  rest: { port: number };
  grpc: { port: number };
  xmpp: { port: number };
  dataDir: string;
  store: StoreConfig;
  checkpoints: CheckpointConfig | undefined;
  control: ControlOptions;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
}

export const DEFAULT_CONTROL_REST_PORT = 8083;
export const DEFAULT_CONTROL_GRPC_PORT = 50051;
export const DEFAULT_CONTROL_XMPP_PORT = 5269;

/** Reads and validates the control service's environment; throws InvalidConfigError listing every problem. */
export function loadControlServiceConfig(env: Environment, options: { cwd: string }): ControlServiceConfig {
  const reader = new EnvReader(env);
  const bindAddress = readBindAddress(reader);
  const rest = { port: reader.port('REST_PORT', DEFAULT_CONTROL_REST_PORT) };
  const grpc = { port: reader.port('GRPC_PORT', DEFAULT_CONTROL_GRPC_PORT) };
  const xmpp = { port: reader.port('XMPP_PORT', DEFAULT_CONTROL_XMPP_PORT) };
  if (rest.port !== 0 && rest.port === grpc.port) reader.invalid('GRPC_PORT', String(grpc.port), `a port other than REST_PORT's (${rest.port})`);
  // Two listeners on one address cannot share a port; 0 (any free port) never clashes.
  for (const [other, port] of [['REST_PORT', rest.port], ['GRPC_PORT', grpc.port]] as const) {
    if (xmpp.port !== 0 && xmpp.port === port) reader.invalid('XMPP_PORT', String(xmpp.port), `a port other than ${other}'s (${port})`);
  }
  const dataDir = readDataDir(reader, options.cwd);
  const store = readStoreConfig(reader, dataDir);
  const checkpoints = readCheckpointConfig(reader, dataDir, store);
  const control = readControlOptions(reader);
  const logLevel = readLogLevel(reader);
  const shutdownTimeoutMs = readShutdownTimeoutMs(reader);
  return reader.finish({ bindAddress, rest, grpc, xmpp, dataDir, store, checkpoints, control, logLevel, shutdownTimeoutMs });
}
