interface Waiter {
  check(): boolean;
  resolve(): void;
  timer: NodeJS.Timeout;
}

/** Promises of "until this holds", re-checked on every change; held in a set so thousands of waits add no listeners. */
export class Waiters {
  private readonly waiting = new Set<Waiter>();

  /**
   * Resolves once `check()` holds; rejects after `timeoutMs` with `describe()`'s words (called then, so it can report
   * the state at the timeout).
   */
  until(check: () => boolean, timeoutMs: number, describe: () => string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        check,
        resolve,
        timer: setTimeout(() => {
          this.waiting.delete(waiter);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${describe()}`));
        }, timeoutMs),
      };
      this.waiting.add(waiter);
    });
  }

  /** Something changed: settles every wait that now holds. */
  changed(): void {
    for (const waiter of this.waiting) {
      if (!waiter.check()) continue;
      clearTimeout(waiter.timer);
      this.waiting.delete(waiter);
      waiter.resolve();
    }
  }

  get size(): number {
    return this.waiting.size;
  }
}
