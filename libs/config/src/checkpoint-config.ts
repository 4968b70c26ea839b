import { join } from 'node:path';
import type { EnvReader } from './env-reader.js';
import type { StoreConfig } from './store-config.js';

/** Default CHECKPOINT_EVERY: events folded between two checkpoints of a projection. */
export const DEFAULT_CHECKPOINT_EVERY = 10_000;
export const MAX_CHECKPOINT_EVERY = 100_000_000;
/** The folder inside DATA_DIR where projections keep their checkpoints. */
export const CHECKPOINT_DIR_NAME = 'checkpoints';

/** Where projections keep checkpoints and how often they save one. */
export interface CheckpointConfig {
  dir: string;
  every: number;
}

/**
 * CHECKPOINT_EVERY (default 10000, 0 = off): projections save a checkpoint (their state at a log position) to
 * DATA_DIR/checkpoints every that many events and on shutdown, and start from it instead of folding the whole log.
 * Only for the SQLite and PostgreSQL stores; undefined (off) for KurrentDB or 0.
 */
export function readCheckpointConfig(env: EnvReader, dataDir: string, store: StoreConfig): CheckpointConfig | undefined {
  const every = env.integer('CHECKPOINT_EVERY', DEFAULT_CHECKPOINT_EVERY, {
    min: 0,
    max: MAX_CHECKPOINT_EVERY,
    note: 'events between two checkpoints of a projection, 0 = no checkpoints',
  });
  if (every === 0 || store.kind === 'kurrentdb') return undefined;
  return { dir: join(dataDir, CHECKPOINT_DIR_NAME), every };
}
