export { EnvReader, type Environment, type IntegerRange, type ReadOptions } from './env-reader.js';
export { InvalidConfigError, formatConfigProblems, maskCredentials, type ConfigProblem } from './config-problem.js';
export { checkDistinctPorts } from './listener-ports.js';
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
