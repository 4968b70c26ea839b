export interface WorkQueueOptions {
  /** Keys handled at once (default 16). */
  concurrency?: number;
  /** First retry delay of a failed key (default 200 ms), doubled per failure up to `maxRetryMs` (default 30 s). */
  retryMs?: number;
  maxRetryMs?: number;
  /** Called when a key's handler throws, with the delay before it runs again. */
  onError?: (key: string, error: unknown, retryInMs: number) => void;
}

/**
 * A work queue of keys as controller-runtime keeps one (STYLE.md): a key marked many times before it runs runs
 * once; a key is never handled twice at once (marked while running, it runs again after); a failing key is
 * retried with backoff and does not hold up the others.
 */
export class WorkQueue {
  private readonly pending = new Set<string>();
  private readonly running = new Set<string>();
  private readonly again = new Set<string>();
  private readonly failures = new Map<string, number>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly concurrency: number;
  private idleWaiters: Array<() => void> = [];
  private stopped = false;

  constructor(
    private readonly handle: (key: string) => Promise<void>,
    private readonly options: WorkQueueOptions = {},
  ) {
    this.concurrency = options.concurrency ?? 16;
  }

  /** Keys waiting or running (retries waiting on their timer not included). */
  get depth(): number {
    return this.pending.size + this.running.size;
  }

  /** Keys waiting for a retry after a failure. */
  get retrying(): number {
    return this.timers.size;
  }

  add(key: string): void {
    if (this.stopped) return;
    const timer = this.timers.get(key);
    if (timer) {
      clearTimeout(timer);
      this.timers.delete(key);
    }
    if (this.running.has(key)) this.again.add(key);
    else this.pending.add(key);
    this.pump();
  }

  /** Resolves when nothing is pending or running (retries waiting on a timer do not count). */
  idle(): Promise<void> {
    if (this.depth === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  stop(): void {
    this.stopped = true;
    this.pending.clear();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.concurrency && this.pending.size > 0) {
      const key = this.pending.values().next().value as string;
      this.pending.delete(key);
      this.running.add(key);
      void this.run(key);
    }
    if (this.depth === 0 && this.idleWaiters.length > 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private async run(key: string): Promise<void> {
    try {
      await this.handle(key);
      this.failures.delete(key);
    } catch (error) {
      const failures = (this.failures.get(key) ?? 0) + 1;
      this.failures.set(key, failures);
      const delay = Math.min(this.options.maxRetryMs ?? 30_000, (this.options.retryMs ?? 200) * 2 ** Math.min(failures - 1, 16));
      this.options.onError?.(key, error, delay);
      if (!this.stopped && !this.again.has(key)) {
        this.timers.set(
          key,
          setTimeout(() => {
            this.timers.delete(key);
            this.add(key);
          }, delay),
        );
      }
    } finally {
      this.running.delete(key);
      if (this.again.delete(key)) this.pending.add(key);
      this.pump();
    }
  }
}
