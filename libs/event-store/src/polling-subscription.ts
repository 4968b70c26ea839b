import type { ReadAllOptions, RecordedEvent, Subscription } from './event-store.port.js';

/** Something that says "the log may have grown": an in-process commit, a PostgreSQL NOTIFY, a timer. */
export class AppendSignal {
  private waiters = new Set<() => void>();

  /** Wakes every waiter. */
  notify(): void {
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves on the next notify() or after `timeoutMs`, whichever comes first. */
  wait(timeoutMs: number): { promise: Promise<void>; cancel: () => void } {
    let wake!: () => void;
    const promise = new Promise<void>((resolve) => {
      const timer = setTimeout(() => done(), timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      wake = done;
      this.waiters.add(done);
    });
    return { promise, cancel: wake };
  }
}

export interface PollingSubscriptionSource {
  readAll(options: ReadAllOptions): Promise<RecordedEvent[]>;
  signal: AppendSignal;
  /** Longest wait between reads when no signal comes (covers writers in other processes). */
  pollIntervalMs: number;
}

/**
 * Catch-up then live over `readAll`, for stores whose reads are cheap (SQLite, PostgreSQL).
 * It reads the next page only when its buffer is empty and the consumer asks, so memory is bounded by one page
 * however slow the consumer is. Positions only grow, so no event is seen twice; readAll never skips a visible
 * event, so none is missed.
 */
export class PollingSubscription implements Subscription {
  private buffer: RecordedEvent[] = [];
  private index = 0;
  private closed = false;
  private cancelWait: (() => void) | undefined;
  private last: number;

  constructor(
    private readonly source: PollingSubscriptionSource,
    after: number,
    private readonly batchSize: number,
  ) {
    this.last = after;
  }

  get position(): number {
    return this.last;
  }

  get buffered(): number {
    return this.buffer.length - this.index;
  }

  close(): void {
    this.closed = true;
    this.buffer = [];
    this.cancelWait?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private async next(): Promise<IteratorResult<RecordedEvent>> {
    while (!this.closed) {
      if (this.index < this.buffer.length) {
        const event = this.buffer[this.index++];
        this.last = event.globalPosition;
        return { done: false, value: event };
      }
      // Arm the wait before reading so that an append committed during the read still wakes us.
      const wait = this.source.signal.wait(this.source.pollIntervalMs);
      this.cancelWait = wait.cancel;
      const page = await this.source.readAll({ after: this.last, limit: this.batchSize });
      if (this.closed) {
        wait.cancel();
        break;
      }
      if (page.length > 0) {
        wait.cancel();
        this.buffer = page;
        this.index = 0;
        continue;
      }
      await wait.promise;
    }
    return { done: true, value: undefined };
  }
}
