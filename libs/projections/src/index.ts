export * from './config-projection.js';
export * from './audit/index.js';
export * from './desired-state/desired-state-projection.js';
export * from './projection-tokens.js';
export * from './checkpoint/index.js';
export { CommandRecords, DEFAULT_IDEMPOTENCY_WINDOW, commandRecordOf, type IdempotencyWindow } from './command-record.js';
export { foldRange } from './fold-range.js';
export * from './projection-lag.js';
export * from './projection-observers.js';
