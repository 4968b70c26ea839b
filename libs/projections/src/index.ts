export * from './config-projection.js';
