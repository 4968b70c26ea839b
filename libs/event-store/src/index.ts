export * from './event-store.port.js';
export * from './errors.js';
export { uuidv7, isUuid } from './uuid-v7.js';
export { DEFAULT_MAX_EVENT_BYTES } from './validation.js';
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite/sqlite-event-store.js';
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres/postgres-event-store.js';
export { KurrentDbEventStore, type KurrentDbEventStoreOptions } from './kurrentdb/kurrentdb-event-store.js';
