// Helpers for the fake's own specs (no jest here: this folder is also compiled for benchmarks).
import { KubeConfig, Watch } from '@kubernetes/client-node';
import type { FakeKubeApiServer } from './server.js';

export interface RecordedEvent {
  type: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  object: any;
}

/** Polls `condition` every 5 ms; rejects with `what` after `timeoutMs`. */
export async function waitUntil(condition: () => boolean, what: string | (() => string), timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

export function kubeConfigFor(server: FakeKubeApiServer, options?: { token?: string }): KubeConfig {
  const config = new KubeConfig();
  config.loadFromString(server.kubeconfig(options));
  return config;
}

/** A client-node `Watch` that records its events and its end (the `done` callback's argument). */
export class WatchRecorder {
  readonly events: RecordedEvent[] = [];
  /** Settles when client-node calls `done`, with its argument (null for a clean end). */
  readonly done: Promise<unknown>;
  private finished = false;
  private resolveDone!: (error: unknown) => void;
  private controller: AbortController | undefined;

  private constructor() {
    this.done = new Promise((resolve) => (this.resolveDone = resolve));
  }

  static async start(config: KubeConfig, path: string, query: Record<string, string | number | boolean | undefined> = {}): Promise<WatchRecorder> {
    const recorder = new WatchRecorder();
    recorder.controller = await new Watch(config).watch(
      path,
      query,
      (type, object) => recorder.events.push({ type, object }),
      (error) => {
        recorder.finished = true;
        recorder.resolveDone(error);
      },
    );
    return recorder;
  }

  get ended(): boolean {
    return this.finished;
  }

  /** The events of these types (all but BOOKMARK by default). */
  changes(types = ['ADDED', 'MODIFIED', 'DELETED', 'ERROR']): RecordedEvent[] {
    return this.events.filter((event) => types.includes(event.type));
  }

  /** Waits until at least `count` events (bookmarks excluded) have arrived. */
  async waitForChanges(count: number, timeoutMs = 5000): Promise<RecordedEvent[]> {
    await waitUntil(() => this.changes().length >= count, () => `${count} watch events (have ${this.changes().length})`, timeoutMs);
    return this.changes();
  }

  stop(): void {
    this.controller?.abort();
  }
}

/** `{type, name, rv}` of each event, for compact assertions. */
export function summary(events: RecordedEvent[]): { type: string; name: string; rv: string }[] {
  return events.map((event) => ({ type: event.type, name: event.object?.metadata?.name, rv: event.object?.metadata?.resourceVersion }));
}
