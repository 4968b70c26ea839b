// Routing (DESIGN §5, docs/routing-semantics.md): pure code, no Nest and no I/O.
export * from './network/index.js';
export * from './rib/index.js';
export * from './delivery/index.js';
