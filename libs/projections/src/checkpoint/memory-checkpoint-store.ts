import { checkCheckpointName, CheckpointUnusableError, headerProblem, type Checkpoint, type CheckpointHeader, type CheckpointStore } from './checkpoint-store.port.js';

/**
 * Checkpoints in memory, for tests. Kept as JSON text, as a file would keep them, so a loaded checkpoint shares
 * nothing with the state it was taken from.
 */
export class MemoryCheckpointStore<C extends CheckpointHeader = Checkpoint> implements CheckpointStore<C> {
  private readonly texts = new Map<string, string>();
  /** How many saves completed, by name. */
  readonly saves = new Map<string, number>();

  async load(name: string): Promise<C | undefined> {
    checkCheckpointName(name);
    const text = this.texts.get(name);
    if (text === undefined) return undefined;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new CheckpointUnusableError(name, `it is not JSON (${(error as Error).message})`);
    }
    const problem = headerProblem(value);
    if (problem) throw new CheckpointUnusableError(name, problem);
    return value as C;
  }

  async save(name: string, checkpoint: C): Promise<void> {
    checkCheckpointName(name);
    this.texts.set(name, JSON.stringify(checkpoint));
    this.saves.set(name, (this.saves.get(name) ?? 0) + 1);
  }

  /** The stored text, to tamper with in tests. */
  raw(name: string): string | undefined {
    return this.texts.get(name);
  }

  setRaw(name: string, text: string): void {
    this.texts.set(name, text);
  }
}
