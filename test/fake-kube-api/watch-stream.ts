import type { ServerResponse } from 'node:http';
import type { KubeApiError } from './errors.js';
import type { Change } from './kind-history.js';
import type { KindInfo } from './kinds.js';
import type { KubeObject } from './objects.js';
import { MATCH_ALL, type ObjectFilter } from './selectors.js';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchStreamOptions {
  info: KindInfo;
  /** Namespace, selectors and (for a watch on one object) the name. */
  filter: ObjectFilter;
  /** `allowWatchBookmarks=true`: send a BOOKMARK every `bookmarkIntervalMs` (0: only on `bookmark()`). */
  bookmarks: boolean;
  bookmarkIntervalMs: number;
  /** `timeoutSeconds`, in ms: the stream ends after it. */
  timeoutMs: number | undefined;
  /** The global rv a BOOKMARK carries. */
  currentRv: () => number;
  /**
   * A watcher whose output has stayed backed up (not drained) this long is cut at the next write, as the real cacher
   * drops a watcher that blocks it: memory is not held forever for a client that stopped reading.
   */
  slowWatcherTimeoutMs: number;
}

/** The response headers of a watch, as the real server sends them (chunked: the body is open-ended). */
const WATCH_HEADERS = { 'Content-Type': 'application/json', 'Cache-Control': 'no-cache, private', 'Transfer-Encoding': 'chunked' };

/**
 * One watch: a chunked 200 response carrying one JSON watch event per line (apimachinery's watch.Event framing for
 * `application/json`). The stream sends the start (a replay or the current objects), then follows live changes,
 * bookmarks when asked, and ends on timeout, on `end()`, or when the client goes away.
 */
export class WatchStream {
  private ended = false;
  private corked = false;
  /** When the output last backed up without draining since. */
  private blockedSince: number | undefined;
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly cleanups: (() => void)[] = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly options: WatchStreamOptions,
    private readonly onEnd: (stream: WatchStream) => void,
  ) {
    res.writeHead(200, WATCH_HEADERS);
    res.flushHeaders();
    res.on('close', () => this.stop());
    res.on('drain', () => (this.blockedSince = undefined));
    if (options.timeoutMs !== undefined) this.timers.push(setTimeout(() => this.end(), options.timeoutMs));
    if (options.bookmarks && options.bookmarkIntervalMs > 0) this.timers.push(setInterval(() => this.bookmark(), options.bookmarkIntervalMs));
  }

  /** Registers what to undo when the stream ends (the store subscription). */
  onStop(cleanup: () => void): void {
    if (this.ended) cleanup();
    else this.cleanups.push(cleanup);
  }

  /** The synthetic ADDED events of a watch without a resourceVersion: the current state. */
  sendCurrent(objects: Iterable<KubeObject>): void {
    for (const object of objects) if (this.options.filter(object)) this.write(eventLine('ADDED', object));
  }

  /** One change, as this watch's selection sees it. */
  deliver(change: Change): void {
    if (this.ended) return;
    const filter = this.options.filter;
    const selected = filter(change.object);
    if (change.type === 'MODIFIED' && filter !== MATCH_ALL) {
      const wasSelected = change.previous !== undefined && filter(change.previous);
      // watch cache semantics: an object entering the selection is ADDED to it, one leaving it is DELETED from it
      if (selected && !wasSelected) return this.write(eventLine('ADDED', change.object));
      if (!selected && wasSelected) return this.write(eventLine('DELETED', change.object));
    }
    if (selected) this.write((change.line ??= eventLine(change.type, change.object)));
  }

  /** A BOOKMARK with the current rv: everything up to it has been sent. */
  bookmark(): void {
    if (!this.options.bookmarks || this.ended) return;
    const { kind, apiVersion } = this.options.info;
    this.write(eventLine('BOOKMARK', { kind, apiVersion, metadata: { resourceVersion: String(this.options.currentRv()) } }));
  }

  /** An ERROR event carrying the Status, then the end (how the real server fails a watch it has accepted). */
  fail(error: KubeApiError): void {
    this.write(eventLine('ERROR', error.toStatus()));
    this.end();
  }

  /** Ends the stream cleanly (the terminating chunk), as a timeout or a server shutdown does. */
  end(): void {
    if (this.ended) return;
    this.stop();
    this.res.end();
  }

  private write(line: string): void {
    if (this.ended) return;
    // many events in one tick (a replay, a burst of writes) leave in one socket write
    if (!this.corked) {
      this.corked = true;
      this.res.cork();
      process.nextTick(() => {
        this.corked = false;
        this.res.uncork();
      });
    }
    if (!this.res.write(line)) this.blockedSince ??= Date.now();
    if (this.blockedSince !== undefined && Date.now() - this.blockedSince > this.options.slowWatcherTimeoutMs) {
      this.stop();
      this.res.destroy();
    }
  }

  private stop(): void {
    if (this.ended) return;
    this.ended = true;
    for (const timer of this.timers) clearTimeout(timer);
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    this.onEnd(this);
  }
}

function eventLine(type: WatchEventType, object: unknown): string {
  return `${JSON.stringify({ type, object })}\n`;
}
