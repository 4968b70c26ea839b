import {
  EnvReader,
  checkDistinctPorts,
  readClientTlsConfig,
  readLogLevel,
  readServerTlsConfig,
  readShutdownTimeoutMs,
  type ClientTlsConfig,
  type Environment,
  type LogLevel,
  type ServerTlsConfig,
} from '#libs/config';
import { checkAgentIdentity, readControlOptions, readXmppSettings, readXmppTlsMode, type ControlOptions, type XmppSettings } from '#apps/control';
import { readKubemanagerResyncMs } from '#apps/kubemanager';
import {
  readConfigApiAuth,
  readConfigApiLimits,
  readConfigApiListeners,
  readConfigApiStorage,
  type ConfigApiAuth,
  type ConfigApiLimits,
  type ConfigApiListeners,
  type ConfigApiStorage,
} from '#apps/config-api';

/*
 * The controller's environment (DESIGN §8). Unset, empty or blank means "use the default".
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
 * | XMPP_PORT                   | 5269      | 0..65535: the XMPP bridge for Tungsten Fabric vRouter agents         |
 * | XMPP_HOLD_TIME_S            | 90        | 3..3600 s of agent silence that closes an XMPP session               |
 * | XMPP_MAX_STANZA_BYTES       | 1048576   | 4096..268435456: a larger stanza closes the XMPP session             |
 * | STORE                       | sqlite    | sqlite, postgres, kurrentdb                                          |
 * | DATA_DIR                    | ./data    | a directory; the SQLite log is DATA_DIR/events.db                    |
 * | DATABASE_URL                | -         | postgres:// or postgresql:// URL; required when STORE=postgres       |
 * | KURRENTDB_CONNECTION_STRING | -         | kurrentdb:// (or +discover, kdb://, esdb://); required for kurrentdb |
 * | LOG_LEVEL                   | info      | fatal, error, warn, info, debug, trace                               |
 * | SHUTDOWN_TIMEOUT_MS         | 10000     | 0..3600000: how long open requests and streams may finish on stop    |
 * | CHECKPOINT_EVERY            | 10000     | 0..100000000 events between projection checkpoints; 0 = off          |
 * | AUDIT_SNAPSHOT_EVERY        | 50000     | 1..100000000 events between the audit engine's in-memory snapshots   |
 * | IDEMPOTENCY_WINDOW_S        | 3600      | 0..604800 s an Idempotency-Key is remembered (on the log's clock)    |
 * | IDEMPOTENCY_MAX_KEYS        | 100000    | 0..10000000 keys remembered at most, the oldest forgotten first      |
 * | AGENT_HOLD_TIME_MS          | 60000     | 100..3600000: a dropped agent's routes stay (stale), and it may resume |
 * | AGENT_WINDOW                | 32        | 1..4096 messages sent to an agent ahead of its acks                  |
 * | AGENT_BATCH_ROUTES          | 256       | 1..10000 route updates per message to an agent                       |
 * | AGENT_MAX_PENDING           | 1000000   | 0..1000000000 updates queued for one agent; past: resync; 0 = off    |
 * | AGENT_MAX_SESSIONS_PER_ADDRESS | 64   | 0..1000000 live sessions per source address (127.0.0.1, ::1 exempt)  |
 * | AGENT_CONNECT_RATE          | 1000      | 0..1000000 new agent sessions a second; faster ones paced; 0 = off   |
 * | AGENT_CONNECT_BURST         | 2000      | 1..1000000 new agent sessions at once after a quiet time             |
 * | AGENT_IDENTITY              | any       | any, certificate: an agent's name must be its client certificate's   |
 * |                             |           | CN or DNS name; needs TLS_CERT_FILE, TLS_CLIENT_CA_FILE               |
 * | KUBEMANAGER_RESYNC_MS       | 120000    | 0..86400000 between the in-process kubemanagers' periodic reconciles |
 * | AUTH_TOKENS_FILE            | -         | API tokens, one `<token> <actor> <role>[,<role>…]` per line          |
 * | AUTH_JWT_KEYS_FILE          | -         | PEM public keys that verify JWTs (RS256, ES256, EdDSA)               |
 * | AUTH_JWT_SECRET_FILE        | -         | the HS256 secret of JWTs (at least 32 bytes)                         |
 * | AUTH_JWT_ISSUER             | -         | the `iss` a JWT must carry (only with a JWT key or secret)           |
 * | AUTH_JWT_AUDIENCE           | -         | a value a JWT's `aud` must hold (only with a JWT key or secret)      |
 * | AUTH_ANONYMOUS              | see below | off, reader, operator, admin: the role of a caller without a token   |
 * | AUTH_RELOAD_INTERVAL_MS     | 5000      | 100..3600000 ms between two reads of the credential files            |
 * | TLS_CERT_FILE               | -         | PEM certificate chain (leaf first); with TLS_KEY_FILE, REST and gRPC |
 * |                             |           | serve TLS (https://); re-read when it changes, no restart            |
 * | TLS_KEY_FILE                | -         | PEM private key (unencrypted) of that certificate; both or neither   |
 * | TLS_CLIENT_CA_FILE          | -         | PEM CA certificates client certificates are checked against          |
 * | TLS_CLIENT_AUTH             | see below | none, optional, require: require by default with a client CA, else none |
 * | XMPP_TLS                    | off       | off, on (STARTTLS offered), require (plain agents refused): mutual   |
 * |                             |           | TLS with the TLS_* files; needs TLS_CLIENT_CA_FILE (§1.5)             |
 * | CONFIG_API_TLS_CA_FILE,     | -         | the in-process kubemanagers' TLS to this process's gRPC (see below)  |
 * | CONFIG_API_TLS_CERT_FILE,   |           |                                                                      |
 * | CONFIG_API_TLS_KEY_FILE     |           |                                                                      |
 *
 * Two listeners may not share a non-zero port. Every bad value is reported at once and start-up exits with 2.
 * All but XMPP_* and AGENT_* are the config API's, read by the same functions as its own process reads them.
 * AUTH_ANONYMOUS defaults to admin when no credential file is set and BIND_ADDRESS is loopback (a warning says so at
 * start), else to off. The credential files are read at start (a bad line is a bad value naming the line) and re-read
 * while running; the in-process kubemanagers get tokens minted in memory.
 * TLS (libs/config's tls-config.ts): the files are read and checked at start (missing, unreadable, not PEM, a key
 * that does not belong to the certificate: exit 2 naming the variable), then watched; a changed set that is good is
 * used for new connections, a bad one is refused with an error line and the current one stays. With TLS on, the
 * in-process kubemanagers connect over TLS trusting CONFIG_API_TLS_CA_FILE, else TLS_CLIENT_CA_FILE, and present
 * CONFIG_API_TLS_CERT_FILE/KEY_FILE, else this process's own certificate (one set per node, as Tungsten Fabric).
 */

/**
 * Everything the all-in-one controller reads from its environment, validated: the config API's variables (read as
 * the config API process reads them, apps/config-api's config-api-environment.ts), the XMPP bridge's port and the
 * control service's tunables.
 */
export interface ControllerConfig extends ConfigApiListeners, ConfigApiStorage, ConfigApiAuth, ConfigApiLimits {
  /** XMPP_PORT (default 5269), XMPP_HOLD_TIME_S, XMPP_MAX_STANZA_BYTES: the XMPP bridge (TF vRouter agents). */
  xmpp: { port: number } & XmppSettings & { /** XMPP_TLS on or require; undefined: off. */ tls?: 'on' | 'require' };
  /** TLS_CERT_FILE, TLS_KEY_FILE, TLS_CLIENT_CA_FILE, TLS_CLIENT_AUTH: REST and gRPC over TLS; undefined: plain. */
  tls?: ServerTlsConfig;
  /** AGENT_*: the control service's agent sessions and their limits. */
  control: ControlOptions;
  /**
   * KUBEMANAGER_RESYNC_MS: the in-process kubemanagers of attached clusters (docs/kubemanager.md); CONFIG_API_TLS_*:
   * their TLS to this process's gRPC when it serves TLS.
   */
  kubemanagers: { resyncMs: number; configApiTls?: ClientTlsConfig };
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
}

export const DEFAULT_XMPP_PORT = 5269;

/**
 * Reads and validates the controller's environment, and the credential files it names. Throws InvalidConfigError
 * listing every bad variable. The environment and the directory that relative paths resolve against are arguments.
 */
export function loadControllerConfig(env: Environment, options: { cwd: string }): ControllerConfig {
  const reader = new EnvReader(env);
  const listeners = readConfigApiListeners(reader);
  const xmpp = { port: reader.port('XMPP_PORT', DEFAULT_XMPP_PORT), ...readXmppSettings(reader) };
  checkDistinctPorts(reader, { REST_PORT: listeners.rest.port, GRPC_PORT: listeners.grpc.port, XMPP_PORT: xmpp.port });
  const storage = readConfigApiStorage(reader, options.cwd);
  const limits = readConfigApiLimits(reader);
  const control = readControlOptions(reader);
  const kubemanagers = { resyncMs: readKubemanagerResyncMs(reader) };
  const logLevel = readLogLevel(reader);
  const shutdownTimeoutMs = readShutdownTimeoutMs(reader);
  const auth = readConfigApiAuth(reader, options.cwd, listeners.bindAddress);
  const tls = readServerTlsConfig(reader, options.cwd);
  const xmppTls = readXmppTlsMode(reader, tls);
  checkAgentIdentity(reader, control, tls);
  const configApiTls = readClientTlsConfig(reader, 'CONFIG_API_TLS', options.cwd);
  return reader.finish({
    ...listeners,
    xmpp: { ...xmpp, ...(xmppTls ? { tls: xmppTls } : {}) },
    ...storage,
    ...limits,
    control,
    kubemanagers: { ...kubemanagers, ...(configApiTls ? { configApiTls } : {}) },
    logLevel,
    shutdownTimeoutMs,
    ...auth,
    ...(tls ? { tls } : {}),
  });
}
