import type { ConfigStateSnapshot } from '#libs/domain';
import type { CommandRecord } from '../command-record.js';

/** What every projection's checkpoint says about where it stands in the log. */
export interface CheckpointHeader {
  /** Position of the last event folded into the state. */
  position: number;
  /** Id of the event at `position`: a checkpoint of a different or rewritten log names another event (or none). */
  eventId: string;
  /** The state's digest, checked again when it is loaded. */
  digest: string;
  /** ISO time it was taken. */
  savedAt: string;
}

/** The config projection's checkpoint: its state and its idempotency records at one position. */
export interface Checkpoint extends CheckpointHeader {
  state: ConfigStateSnapshot;
  /** commandId → outcome, so that a repeated Idempotency-Key still answers its first outcome after a restart. */
  commands: CommandRecord[];
}

/**
 * Where projections keep their checkpoints, one per projection name. `load` resolves undefined when there is none
 * and rejects with CheckpointUnusableError when there is one that cannot be trusted (unreadable, corrupt, another
 * projection's): the caller then folds from zero.
 */
export interface CheckpointStore<C extends CheckpointHeader = Checkpoint> {
  load(name: string): Promise<C | undefined>;
  save(name: string, checkpoint: C): Promise<void>;
}

/** A checkpoint exists but is not to be trusted; `reason` says why. */
export class CheckpointUnusableError extends Error {
  constructor(
    readonly checkpoint: string,
    readonly reason: string,
  ) {
    super(`checkpoint ${checkpoint} is unusable: ${reason}`);
    this.name = 'CheckpointUnusableError';
  }
}

const NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/i;

/** Projection names become file names: keep them plain. */
export function checkCheckpointName(name: string): void {
  if (!NAME.test(name)) throw new RangeError(`checkpoint name ${JSON.stringify(name)} must be 1 to 100 letters, digits, '.', '_' or '-'`);
}

/** Why a value read back is not a checkpoint header; undefined when it is one. */
export function headerProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'it is not a JSON object';
  const c = value as Record<string, unknown>;
  if (!Number.isSafeInteger(c.position) || (c.position as number) < 1) return `position ${JSON.stringify(c.position)} is not a log position`;
  if (typeof c.eventId !== 'string' || c.eventId === '') return 'it has no eventId';
  if (typeof c.digest !== 'string' || c.digest === '') return 'it has no digest';
  if (typeof c.savedAt !== 'string') return 'it has no savedAt';
  return undefined;
}
