import {
  EnvReader,
  readBindAddress,
  readCheckpointConfig,
  readDataDir,
  readGrpcMaxMessageBytes,
  readLogLevel,
  readServerTlsConfig,
  readShutdownTimeoutMs,
  readStoreConfig,
  type CheckpointConfig,
  type Environment,
  type LogLevel,
  type ServerTlsConfig,
  type StoreConfig,
} from '#libs/config';
import { readAuthSettings, type AuthSettings } from '#libs/security';
import { checkAgentIdentity, readControlOptions, readXmppSettings, type ControlOptions, type XmppSettings } from '../control-options.js';
import { readXmppTlsMode } from '../xmpp/xmpp-tls-options.js';

/*
 * The control service on its own (`node dist/apps/control/src/main.js`): the multi-cluster deployment runs it as
 * a StatefulSet in the central cluster, next to the config API, on the same event store.
 *
 * | variable                         | default   | allowed                                                          |
 * |----------------------------------|-----------|------------------------------------------------------------------|
 * | BIND_ADDRESS                     | 127.0.0.1 | IP address or host name                                          |
 * | REST_PORT                        | 8083      | 0..65535: /health, /metrics, /control/*                          |
 * | GRPC_PORT                        | 50051     | 0..65535: AgentService, grpc.health.v1                           |
 * | GRPC_MAX_MESSAGE_BYTES           | 4194304   | as the controller's: the largest message an agent may send       |
 * | XMPP_PORT                        | 5269      | 0..65535: Tungsten Fabric vRouter agents (the XMPP bridge)       |
 * | XMPP_HOLD_TIME_S,                |           | as the controller's                                              |
 * | XMPP_MAX_STANZA_BYTES            |           |                                                                  |
 * | STORE, DATA_DIR, DATABASE_URL,   |           | as the controller's: the event store to follow                   |
 * | KURRENTDB_CONNECTION_STRING      |           |                                                                  |
 * | CHECKPOINT_EVERY                 | 10000     | as the controller's (checkpoints of its own config projection)   |
 * | AGENT_HOLD_TIME_MS, AGENT_WINDOW,|           | as the controller's (control-options.ts)                         |
 * | AGENT_BATCH_ROUTES,              |           |                                                                  |
 * | AGENT_MAX_PENDING,               |           |                                                                  |
 * | AGENT_MAX_SESSIONS_PER_ADDRESS,  |           |                                                                  |
 * | AGENT_CONNECT_RATE,              |           |                                                                  |
 * | AGENT_CONNECT_BURST,             |           |                                                                  |
 * | AGENT_IDENTITY                   |           | (certificate: needs TLS_* with a client CA, as the controller's) |
 * | LOG_LEVEL, SHUTDOWN_TIMEOUT_MS   |           | as the controller's                                              |
 * | TLS_CERT_FILE, TLS_KEY_FILE,     | -         | as the controller's: REST and gRPC over TLS, files re-read when  |
 * | TLS_CLIENT_CA_FILE,              |           | they change                                                      |
 * | TLS_CLIENT_AUTH                  |           |                                                                  |
 * | XMPP_TLS                         | off       | as the controller's: off, on, require (mutual TLS, §1.5)         |
 * | AUTH_TOKENS_FILE,                | -         | as the controller's (libs/security auth-settings.ts): the bearer |
 * | AUTH_JWT_KEYS_FILE,              |           | tokens /control/* takes (role reader, operator, admin or         |
 * | AUTH_JWT_SECRET_FILE,            |           | kubemanager:<cluster>; 401 without one, 403 without a read       |
 * | AUTH_JWT_ISSUER,                 |           | role); files re-read while it runs. /health, /metrics, the gRPC  |
 * | AUTH_JWT_AUDIENCE,               |           | AgentService and grpc.health.v1 stay open                        |
 * | AUTH_RELOAD_INTERVAL_MS          | 5000      |                                                                  |
 * | AUTH_ANONYMOUS                   | see →     | off, reader, operator, admin: the role of a caller without a     |
 * |                                  |           | token. Default admin when no credential file is set and          |
 * |                                  |           | BIND_ADDRESS is loopback (logged as a warning), else off         |
 */
export interface ControlServiceConfig {
  bindAddress: string;
  rest: { port: number };
  grpc: { port: number; maxMessageBytes: number };
  xmpp: { port: number } & XmppSettings & { /** XMPP_TLS on or require; undefined: off. */ tls?: 'on' | 'require' };
  /** TLS_*: REST and gRPC over TLS; undefined: plain. */
  tls?: ServerTlsConfig;
  dataDir: string;
  store: StoreConfig;
  checkpoints: CheckpointConfig | undefined;
  control: ControlOptions;
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  /** AUTH_*: who may read /control/*. */
  auth: AuthSettings;
}

export const DEFAULT_CONTROL_REST_PORT = 8083;
export const DEFAULT_CONTROL_GRPC_PORT = 50051;
export const DEFAULT_CONTROL_XMPP_PORT = 5269;

/** Reads and validates the control service's environment; throws InvalidConfigError listing every problem. */
export function loadControlServiceConfig(env: Environment, options: { cwd: string }): ControlServiceConfig {
  const reader = new EnvReader(env);
  const bindAddress = readBindAddress(reader);
  const rest = { port: reader.port('REST_PORT', DEFAULT_CONTROL_REST_PORT) };
  const grpc = { port: reader.port('GRPC_PORT', DEFAULT_CONTROL_GRPC_PORT), maxMessageBytes: readGrpcMaxMessageBytes(reader) };
  const xmpp = { port: reader.port('XMPP_PORT', DEFAULT_CONTROL_XMPP_PORT), ...readXmppSettings(reader) };
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
  const tls = readServerTlsConfig(reader, options.cwd);
  const xmppTls = readXmppTlsMode(reader, tls);
  checkAgentIdentity(reader, control, tls);
  const auth = readAuthSettings(reader, { cwd: options.cwd, bindAddress });
  return reader.finish({
    bindAddress,
    rest,
    grpc,
    xmpp: { ...xmpp, ...(xmppTls ? { tls: xmppTls } : {}) },
    ...(tls ? { tls } : {}),
    dataDir,
    store,
    checkpoints,
    control,
    logLevel,
    shutdownTimeoutMs,
    auth,
  });
}
