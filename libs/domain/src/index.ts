export * from './allocation/index.js';
export * from './config/index.js';
export * from './schema/index.js';
