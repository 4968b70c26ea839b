import type { KubernetesObject } from '@kubernetes/client-node';
import type { KubeApi, WatchEventType, WatchHandle, WatchedKind } from './kube-api.js';

/** Where a watcher's objects go: a whole list (replacing what was known of the kind), then one change at a time. */
export interface WatchSink {
  replaced(kind: WatchedKind, items: KubernetesObject[]): void;
  changed(kind: WatchedKind, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubernetesObject): void;
}

export interface WatcherObserver {
  listed?(kind: WatchedKind, count: number, reason: ListReason): void;
  watchEvent?(kind: WatchedKind, type: WatchEventType): void;
  failed?(kind: WatchedKind, error: Error, retryInMs: number): void;
}

export type ListReason = 'start' | 'expired' | 'error';

export interface KindWatcherOptions {
  /** First retry delay after a failure (default 250 ms), doubled up to `maxBackoffMs` (default 10 s). */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * List, then watch from the list's resourceVersion with bookmarks, as client-go's reflector does (STYLE.md):
 * * every event and bookmark advances the resourceVersion, so a watch that ends (server timeout, dropped
 *   connection) resumes where it stopped, without a relist;
 * * `410 Gone` (the version was compacted away), as an ERROR event or an HTTP status, forgets the version: the next
 *   round lists again, and the sink gets the whole list (what vanished meanwhile counts as deleted);
 * * any other failure waits (exponential backoff) and resumes from the last version, or relists if there is none.
 */
export class KindWatcher {
  private resourceVersion = '';
  private handle: WatchHandle | undefined;
  private stopped = false;
  private failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private listReason: ListReason = 'start';
  private watchStartedAt = 0;
  private eventsThisWatch = 0;
  private firstList: { resolve: () => void; promise: Promise<void> };

  constructor(
    readonly kind: WatchedKind,
    private readonly api: KubeApi,
    private readonly sink: WatchSink,
    private readonly observer: WatcherObserver = {},
    private readonly options: KindWatcherOptions = {},
  ) {
    let resolve!: () => void;
    const promise = new Promise<void>((r) => (resolve = r));
    this.firstList = { resolve, promise };
  }

  /** Resolves once the first list has reached the sink. */
  get synced(): Promise<void> {
    return this.firstList.promise;
  }

  /** The version the next watch resumes from ('' = the next round lists). */
  get version(): string {
    return this.resourceVersion;
  }

  start(): void {
    void this.round();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.handle?.stop();
    this.handle = undefined;
  }

  private async round(): Promise<void> {
    if (this.stopped) return;
    try {
      if (!this.resourceVersion) {
        const list = await this.api.list(this.kind);
        if (this.stopped) return;
        this.sink.replaced(this.kind, list.items);
        this.observer.listed?.(this.kind, list.items.length, this.listReason);
        this.resourceVersion = list.resourceVersion;
        // A later list is a recovery: from an expired version unless expire() says so first.
        this.listReason = 'error';
        this.firstList.resolve();
      }
      this.watchStartedAt = Date.now();
      this.eventsThisWatch = 0;
      this.handle = await this.api.watch(
        this.kind,
        this.resourceVersion,
        (type, object) => this.onEvent(type, object),
        (error) => this.onDone(error),
      );
    } catch (error) {
      this.retryAfter(error as Error);
    }
  }

  private onEvent(type: WatchEventType, object: KubernetesObject & Record<string, unknown>): void {
    this.observer.watchEvent?.(this.kind, type);
    this.eventsThisWatch++;
    if (type === 'ERROR') {
      const code = (object as { code?: number }).code;
      if (code === 410) this.expire();
      return;
    }
    const version = object.metadata?.resourceVersion;
    if (type !== 'BOOKMARK') this.sink.changed(this.kind, type, object);
    if (version) this.resourceVersion = version;
    this.failures = 0;
  }

  private expire(): void {
    this.resourceVersion = '';
    this.listReason = 'expired';
  }

  private onDone(error: (Error & { statusCode?: number }) | null): void {
    this.handle = undefined;
    if (this.stopped) return;
    if (error?.statusCode === 410) this.expire();
    if (error && error.name !== 'AbortError') {
      this.retryAfter(error);
      return;
    }
    // The server ended the watch (timeout, restart): resume at once from the last version (or relist after a 410),
    // unless it ends every watch at once: then pace the retries like failures.
    if (this.eventsThisWatch === 0 && Date.now() - this.watchStartedAt < 1000) {
      this.retryAfter(new Error(`the watch of ${this.kind} ended as soon as it started`));
      return;
    }
    void this.round();
  }

  private retryAfter(error: Error): void {
    if (this.stopped) return;
    const base = this.options.backoffMs ?? 250;
    const delay = Math.min(this.options.maxBackoffMs ?? 10_000, base * 2 ** Math.min(this.failures, 16));
    this.failures++;
    this.observer.failed?.(this.kind, error, delay);
    this.timer = setTimeout(() => void this.round(), delay);
  }
}
