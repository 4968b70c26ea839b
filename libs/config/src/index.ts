export { EnvReader, type Environment, type IntegerRange, type ReadOptions } from './env-reader.js';
export { InvalidConfigError, formatConfigProblems, maskCredentials, type ConfigProblem } from './config-problem.js';
export { checkDistinctPorts } from './listener-ports.js';
export { DEFAULT_GRPC_MAX_MESSAGE_BYTES, readGrpcMaxMessageBytes } from './grpc-limits.js';
export { LOG_LEVELS, readBindAddress, readDataDir, readLogLevel, readShutdownTimeoutMs, type LogLevel } from './common-variables.js';
export {
  SQLITE_FILE_NAME,
  STORE_KINDS,
  describeStoreLocation,
  readStoreConfig,
  type StoreConfig,
  type StoreKind,
} from './store-config.js';
export {
  CHECKPOINT_DIR_NAME,
  DEFAULT_CHECKPOINT_EVERY,
  MAX_CHECKPOINT_EVERY,
  readCheckpointConfig,
  type CheckpointConfig,
} from './checkpoint-config.js';
export {
  TLS_CLIENT_AUTH_MODES,
  clientTlsOf,
  readClientTlsConfig,
  readServerTlsConfig,
  type ClientTlsConfig,
  type NamedPath,
  type ServerTlsConfig,
  type TlsClientAuth,
} from './tls-config.js';
export { TlsFileError, checkTlsMaterial, describeCertificate, loadTlsMaterial, type TlsFile, type TlsFileSet, type TlsMaterial } from './tls-material.js';
