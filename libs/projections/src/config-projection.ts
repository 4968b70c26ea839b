import type { EventStore, RecordedEvent, Subscription } from '#libs/event-store';
import { ConfigState } from '#libs/domain';

/** What a command left behind, found again by its command id (Idempotency-Key). */
export interface CommandRecord {
  commandId: string;
  type: string;
  uuid: string;
  position: number;
}

/**
 * The config state kept current from the log (DESIGN §4): catch-up from position 0, then live. Readers wait for a
 * position with `waitFor` (read-your-writes); writers read `state` and its stream revisions to decide.
 */
export class ConfigProjection {
  readonly state = new ConfigState();
  private subscription: Subscription | undefined;
  private running: Promise<void> | undefined;
  private waiters: Array<{ position: number; resolve: () => void }> = [];
  private readonly commands = new Map<string, CommandRecord>();
  private failure: unknown;

  constructor(private readonly store: EventStore) {}

  /** Starts following the log; resolves once everything already in it has been folded. */
  async start(): Promise<void> {
    const head = await this.store.headPosition();
    this.subscription = this.store.subscribeToAll({ after: 0, batchSize: 1000 });
    const subscription = this.subscription;
    this.running = (async () => {
      try {
        for await (const event of subscription) this.apply(event);
      } catch (error) {
        this.failure = error;
        for (const w of this.waiters) w.resolve();
        this.waiters = [];
      }
    })();
    await this.waitFor(head);
  }

  get position(): number {
    return this.state.position;
  }

  /** The error that stopped the projection, if any. */
  get error(): unknown {
    return this.failure;
  }

  commandRecord(commandId: string): CommandRecord | undefined {
    return this.commands.get(commandId);
  }

  /** Resolves once the state includes `position` (or at once if it does). Rejects after `timeoutMs`. */
  waitFor(position: number, timeoutMs = 10_000): Promise<void> {
    if (this.state.position >= position) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        reject(new Error(`the config state did not reach position ${position} within ${timeoutMs} ms (at ${this.state.position})`));
      }, timeoutMs);
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          if (this.failure) reject(this.failure);
          else resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  async stop(): Promise<void> {
    this.subscription?.close();
    await this.running;
  }

  private apply(event: RecordedEvent): void {
    this.state.apply(event);
    const commandId = event.metadata.commandId;
    if (typeof commandId === 'string' && typeof event.data === 'object' && event.data !== null && !Array.isArray(event.data)) {
      const data = event.data as { type?: unknown; uuid?: unknown };
      if (typeof data.uuid === 'string' && typeof data.type === 'string' && event.streamId === `${data.type}-${data.uuid}`) {
        this.commands.set(commandId, { commandId, type: data.type, uuid: data.uuid, position: event.globalPosition });
      }
    }
    if (this.waiters.length > 0) {
      const due = this.waiters.filter((w) => w.position <= event.globalPosition);
      if (due.length > 0) {
        this.waiters = this.waiters.filter((w) => w.position > event.globalPosition);
        for (const w of due) w.resolve();
      }
    }
  }
}
