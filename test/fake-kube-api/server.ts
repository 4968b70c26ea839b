import { writeFileSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { KindName } from './kinds.js';
import { kubeconfigYaml } from './kubeconfig.js';
import { ObjectStore } from './object-store.js';
import type { KubeObject, KubeObjectInput } from './objects.js';
import { RequestHandler } from './request-handler.js';
import type { WatchStream } from './watch-stream.js';

export interface FakeKubeApiServerOptions {
  /** When set, every resource request needs `Authorization: Bearer <token>` (401 otherwise). */
  token?: string;
  /** How often a watch with `allowWatchBookmarks=true` gets a BOOKMARK; 0: only on `sendBookmarks()`. Default 1000. */
  bookmarkIntervalMs?: number;
  /** The cluster, user and context name in `kubeconfig()`. Default 'fake'. */
  clusterName?: string;
  /** Default 0: any free port. */
  port?: number;
  /** A watch whose client has not read its backlog for this long is cut at the next event. Default 10,000. */
  slowWatcherTimeoutMs?: number;
  /** Changes held per kind for watches to replay before the floor moves on its own. Default 10,000. */
  historyLimit?: number;
}

/**
 * A Kubernetes API server on 127.0.0.1 for tests and benchmarks: the REST and watch protocol of the real one for
 * Namespace, Node, Pod, Service, Event, EndpointSlice and NetworkPolicy, an in-process API to play the cluster, and
 * fault controls (compaction, dropped watches, an unreachable server).
 */
export class FakeKubeApiServer {
  readonly clusterName: string;
  private readonly store: ObjectStore;
  private readonly server: Server;
  private readonly watches = new Set<WatchStream>();
  /** Requests by `{METHOD} {path}`. */
  private readonly counts = new Map<string, number>();
  private readonly token: string | undefined;
  private boundPort = 0;
  private state: 'listening' | 'paused' | 'closed' = 'listening';
  private closed: Promise<void> | undefined;

  private constructor(options: FakeKubeApiServerOptions) {
    this.clusterName = options.clusterName ?? 'fake';
    this.token = options.token;
    this.store = new ObjectStore({ historyLimit: options.historyLimit });
    const handler = new RequestHandler(this.store, {
      token: options.token,
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 1000,
      slowWatcherTimeoutMs: options.slowWatcherTimeoutMs ?? 10_000,
      watches: this.watches,
    });
    this.server = createServer((req, res) => {
      const key = `${req.method ?? ''} ${(req.url ?? '/').split('?')[0]}`;
      this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
      void handler.handle(req, res);
    });
  }

  static async start(options: FakeKubeApiServerOptions = {}): Promise<FakeKubeApiServer> {
    const fake = new FakeKubeApiServer(options);
    await listen(fake.server, options.port ?? 0);
    fake.boundPort = (fake.server.address() as AddressInfo).port;
    return fake;
  }

  /** The port, the same across pause and resume. */
  get port(): number {
    return this.boundPort;
  }

  /** `http://127.0.0.1:{port}` */
  get url(): string {
    return `http://127.0.0.1:${this.boundPort}`;
  }

  // --- the cluster, played in-process -------------------------------------------------------------------------------

  /** The global resourceVersion: the rv of the last write. */
  get resourceVersion(): string {
    return this.store.resourceVersion;
  }

  /** Creates an object; a KubeApiError 409 AlreadyExists when the name is taken. */
  create(kind: KindName, object: KubeObjectInput): KubeObject {
    return this.store.create(kind, object);
  }

  /** Replaces an object by namespace/name; a KubeApiError 404 when missing, 409 on a stale resourceVersion. */
  update(kind: KindName, object: KubeObjectInput): KubeObject {
    return this.store.update(kind, object);
  }

  /** Applies a JSON merge patch (RFC 7386) to an object. */
  mergePatch(kind: KindName, namespace: string | undefined, name: string, patch: Record<string, unknown>): KubeObject {
    return this.store.mergePatch(kind, namespace, name, patch);
  }

  /** Deletes an object and returns its last state; a KubeApiError 404 when missing. */
  delete(kind: KindName, namespace: string | undefined, name: string): KubeObject {
    return this.store.delete(kind, namespace, name);
  }

  get(kind: KindName, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(kind, namespace, name);
  }

  list(kind: KindName, namespace?: string): KubeObject[] {
    return this.store.list(kind, namespace);
  }

  // --- faults and counters ------------------------------------------------------------------------------------------

  /** Moves the history floor to the current rv (an etcd compaction): a watch from an older rv gets 410 Expired. */
  compact(): void {
    this.store.compact();
  }

  /** Ends every open watch cleanly, as an apiserver restart or a watch timeout does; clients rewatch. */
  dropWatches(): void {
    for (const watch of [...this.watches]) watch.end();
  }

  /** Sends a BOOKMARK with the current rv on every open watch that allowed bookmarks. */
  sendBookmarks(): void {
    for (const watch of this.watches) watch.bookmark();
  }

  /**
   * Stops listening and cuts every open connection (watches included, without a clean end): new connections are
   * refused until `resume()`, as for an unreachable API server.
   */
  async pause(): Promise<void> {
    if (this.state !== 'listening') return;
    this.state = 'paused';
    await stopListening(this.server);
  }

  /** Listens again on the same port. */
  async resume(): Promise<void> {
    if (this.state === 'closed') throw new Error('the fake API server is closed');
    if (this.state === 'listening') return;
    await listen(this.server, this.port);
    this.state = 'listening';
  }

  /** Requests received (refused connections are not requests), by method and by path prefix when given. */
  requestCount(method?: string, pathPrefix?: string): number {
    let total = 0;
    for (const [key, count] of this.counts) {
      const space = key.indexOf(' ');
      if (method !== undefined && key.slice(0, space) !== method.toUpperCase()) continue;
      if (pathPrefix !== undefined && !key.slice(space + 1).startsWith(pathPrefix)) continue;
      total += count;
    }
    return total;
  }

  /** Every request received. */
  get requests(): number {
    return this.requestCount();
  }

  get openWatches(): number {
    return this.watches.size;
  }

  // --- client configuration -----------------------------------------------------------------------------------------

  /** A kubeconfig for this server, with the server's token unless another (or another server URL) is given. */
  kubeconfig(options: { token?: string; server?: string } = {}): string {
    return kubeconfigYaml({ clusterName: this.clusterName, server: options.server ?? this.url, token: options.token ?? this.token });
  }

  /** Writes `kubeconfig()` to `{dir}/{clusterName}.kubeconfig` and returns that path. */
  writeKubeconfig(dir: string): string {
    const path = join(dir, `${this.clusterName}.kubeconfig`);
    writeFileSync(path, this.kubeconfig(), { mode: 0o600 });
    return path;
  }

  /** Ends every watch and closes the server; safe to call more than once. */
  close(): Promise<void> {
    this.closed ??= this.shutDown();
    return this.closed;
  }

  private async shutDown(): Promise<void> {
    const wasListening = this.state === 'listening';
    this.state = 'closed';
    this.dropWatches();
    // let the ended watches' last chunks reach their sockets before the connections are cut
    await new Promise((resolve) => setImmediate(resolve));
    if (wasListening) await stopListening(this.server);
  }
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function stopListening(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
