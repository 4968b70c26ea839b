export * from './audit-engine.js';
export * from './config-diff.js';
export * from './replay-check.js';
export * from './snapshot-shelf.js';
export * from './desired-state-check.js';
