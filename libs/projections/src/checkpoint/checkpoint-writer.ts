import { setImmediate as nextTurn } from 'node:timers/promises';
import { ConfigState, type ConfigStateSnapshot } from '#libs/domain';
import type { CommandRecord } from '../command-record.js';
import type { Checkpoint, CheckpointStore } from './checkpoint-store.port.js';

/** What the fold hands over, taken synchronously at a settled point; the digest is computed when it is saved. */
export interface CheckpointTaking {
  position: number;
  eventId: string;
  state: ConfigStateSnapshot;
  commands: CommandRecord[];
}

/**
 * Saves one projection's checkpoints, at most one at a time and never on the fold's path: `saveInBackground`
 * returns at once, the digest, the serialisation and the I/O happen on later turns. Remembers the position of the
 * newest checkpoint saved (or loaded).
 */
export class CheckpointWriter {
  private inFlight: Promise<void> | undefined;
  private saved: number | undefined;
  private lastError: unknown;

  constructor(
    private readonly store: CheckpointStore,
    private readonly name: string,
    private readonly onSaved: (checkpoint: Checkpoint, ms: number) => void,
    private readonly onFailed: (error: unknown, position: number) => void,
  ) {}

  /** Position of the newest checkpoint saved or loaded; 0 when there is none yet. */
  get position(): number {
    return this.saved ?? 0;
  }

  get saving(): boolean {
    return this.inFlight !== undefined;
  }

  /** The error of the last save that failed (cleared by the next that succeeds). */
  get error(): unknown {
    return this.lastError;
  }

  /** A checkpoint at `position` was loaded: the next one to save is further on. */
  loaded(position: number): void {
    this.saved = position;
  }

  /** Starts saving unless a save is in flight; returns whether it started. `take` runs now, synchronously. */
  saveInBackground(take: () => CheckpointTaking): boolean {
    if (this.inFlight) return false;
    const taking = take();
    this.inFlight = (async () => {
      await nextTurn();
      await this.save(taking);
    })().finally(() => (this.inFlight = undefined));
    return true;
  }

  /** Waits for the save in flight, if any. */
  async flush(): Promise<void> {
    await this.inFlight;
  }

  /** Saves now (after any save in flight); resolves whether it saved. Failures are reported, not thrown. */
  async saveNow(taking: CheckpointTaking): Promise<boolean> {
    await this.flush();
    return this.save(taking);
  }

  private async save(taking: CheckpointTaking): Promise<boolean> {
    const started = performance.now();
    try {
      const checkpoint: Checkpoint = {
        position: taking.position,
        eventId: taking.eventId,
        digest: ConfigState.fromSnapshot(taking.state).digest(),
        savedAt: new Date().toISOString(),
        state: taking.state,
        commands: taking.commands,
      };
      await this.store.save(this.name, checkpoint);
      this.saved = Math.max(this.saved ?? 0, taking.position);
      this.lastError = undefined;
      this.onSaved(checkpoint, Math.round(performance.now() - started));
      return true;
    } catch (error) {
      this.lastError = error;
      this.onFailed(error, taking.position);
      return false;
    }
  }
}
