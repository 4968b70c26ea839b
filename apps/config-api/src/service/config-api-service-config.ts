import { EnvReader, checkDistinctPorts, readLogLevel, readServerTlsConfig, readShutdownTimeoutMs, type Environment, type LogLevel, type ServerTlsConfig } from '#libs/config';
import {
  readConfigApiAuth,
  readConfigApiLimits,
  readConfigApiListeners,
  readConfigApiStorage,
  type ConfigApiAuth,
  type ConfigApiLimits,
  type ConfigApiListeners,
  type ConfigApiStorage,
} from './config-api-environment.js';

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
 * | GRPC_MAX_MESSAGE_BYTES      | 4194304   | 1024..1073741824; a larger gRPC request message: RESOURCE_EXHAUSTED  |
 * | LIST_MAX_PAGE               | 10000     | 1..1000000: the largest page_limit; a larger one gets a 400          |
 * | LIST_MAX_UNPAGED            | 100000    | 0..100000000 objects answered without page_limit (413 past); 0 = off |
 * | STORE                       | sqlite    | sqlite, postgres, kurrentdb (postgres or kurrentdb when replicated)  |
 * | DATA_DIR                    | ./data    | a directory: DATA_DIR/events.db (sqlite) and DATA_DIR/checkpoints    |
 * | DATABASE_URL                | -         | postgres:// or postgresql:// URL; required when STORE=postgres       |
 * | KURRENTDB_CONNECTION_STRING | -         | kurrentdb:// (or +discover, kdb://, esdb://); required for kurrentdb |
 * | CHECKPOINT_EVERY            | 10000     | 0..100000000 events between config projection checkpoints; 0 = off   |
 * | AUDIT_SNAPSHOT_EVERY        | 50000     | 1..100000000 events between the audit engine's in-memory snapshots   |
 * | IDEMPOTENCY_WINDOW_S        | 3600      | 0..604800 s an Idempotency-Key is remembered (on the log's clock)    |
 * | IDEMPOTENCY_MAX_KEYS        | 100000    | 0..10000000 keys remembered at most, the oldest forgotten first      |
 * | LOG_LEVEL                   | info      | fatal, error, warn, info, debug, trace                               |
 * | SHUTDOWN_TIMEOUT_MS         | 10000     | 0..3600000: how long open requests and streams may finish on stop    |
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
 *
 * REST_PORT and GRPC_PORT may not be the same non-zero port. AUTH_ANONYMOUS defaults to admin when no credential
 * file is set and BIND_ADDRESS is loopback (a warning says so at start), else to off. The credential files are read
 * at start (a bad line is a bad value naming the line) and re-read while running. Every bad value is reported at
 * once and start-up exits with 2 (runMain).
 */

/** Everything the config API process reads from its environment, validated. */
export interface ConfigApiServiceConfig extends ConfigApiListeners, ConfigApiStorage, ConfigApiLimits, ConfigApiAuth {
  logLevel: LogLevel;
  shutdownTimeoutMs: number;
  /** TLS_CERT_FILE, TLS_KEY_FILE, TLS_CLIENT_CA_FILE, TLS_CLIENT_AUTH: REST and gRPC over TLS; undefined: plain. */
  tls?: ServerTlsConfig;
}

/**
 * Reads and validates the config API process's environment, and the credential files it names. Throws
 * InvalidConfigError listing every bad variable. The environment and the directory that relative paths resolve
 * against are arguments.
 */
export function loadConfigApiServiceConfig(env: Environment, options: { cwd: string }): ConfigApiServiceConfig {
  const reader = new EnvReader(env);
  const listeners = readConfigApiListeners(reader);
  checkDistinctPorts(reader, { REST_PORT: listeners.rest.port, GRPC_PORT: listeners.grpc.port });
  const storage = readConfigApiStorage(reader, options.cwd);
  const limits = readConfigApiLimits(reader);
  const logLevel = readLogLevel(reader);
  const shutdownTimeoutMs = readShutdownTimeoutMs(reader);
  const auth = readConfigApiAuth(reader, options.cwd, listeners.bindAddress);
  const tls = readServerTlsConfig(reader, options.cwd);
  return reader.finish({ ...listeners, ...storage, ...limits, logLevel, shutdownTimeoutMs, ...auth, ...(tls ? { tls } : {}) });
}
