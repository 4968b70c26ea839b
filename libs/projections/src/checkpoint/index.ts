export * from './checkpoint-store.port.js';
export { FileCheckpointStore, parseCheckpointFile } from './file-checkpoint-store.js';
export { MemoryCheckpointStore } from './memory-checkpoint-store.js';
export { restoreCheckpoint, type RestoreOutcome } from './restore-checkpoint.js';
