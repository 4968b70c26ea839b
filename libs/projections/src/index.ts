export * from './config-projection.js';
export * from './audit/index.js';
