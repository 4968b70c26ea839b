import type { RecordedEvent } from '#libs/event-store';

/**
 * Follows a projection synchronously. `applied` sees every event right after it is folded; `settled` comes after
 * a run of events, once the subscription has nothing more buffered, with the position reached and the uuids of
 * the resources the run created, updated or deleted (a set the observer may keep: it is not reused).
 */
export interface ProjectionObserver {
  applied?(event: RecordedEvent): void;
  settled?(position: number, touched: ReadonlySet<string>): void;
}

export type ObserverHook = 'applied' | 'settled';

/**
 * A projection's observers. One that throws is reported to `onError` and the others (and the fold) go on: a
 * consumer's bug must not stop the config state every reader depends on.
 */
export class ObserverList {
  // Replaced, never changed in place: an observer may unsubscribe (or subscribe another) while being called.
  private observers: readonly ProjectionObserver[] = [];
  private failureCount = 0;
  private lastFailure: unknown;

  constructor(private readonly onError: (error: unknown, hook: ObserverHook) => void) {}

  get size(): number {
    return this.observers.length;
  }

  /** How many observer calls threw, and the last error thrown. */
  get failures(): { count: number; last: unknown } {
    return { count: this.failureCount, last: this.lastFailure };
  }

  add(observer: ProjectionObserver): () => void {
    this.observers = [...this.observers, observer];
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
    };
  }

  applied(event: RecordedEvent): void {
    for (const observer of this.observers) {
      if (!observer.applied) continue;
      try {
        observer.applied(event);
      } catch (error) {
        this.fail(error, 'applied');
      }
    }
  }

  settled(position: number, touched: ReadonlySet<string>): void {
    for (const observer of this.observers) {
      if (!observer.settled) continue;
      try {
        observer.settled(position, touched);
      } catch (error) {
        this.fail(error, 'settled');
      }
    }
  }

  private fail(error: unknown, hook: ObserverHook): void {
    this.failureCount++;
    this.lastFailure = error;
    try {
      this.onError(error, hook);
    } catch {
      // A failing logger must not stop the fold either.
    }
  }
}
