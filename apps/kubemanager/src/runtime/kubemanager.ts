import { status as GrpcStatus } from '@grpc/grpc-js';
import type { CoreV1Event, V1Pod } from '@kubernetes/client-node';
import { ConfigApiClient, ConfigApiError, type Json } from '../config-client/config-api-client.js';
import { KindWatcher } from '../kube/kind-watcher.js';
import { KubeCache, type CacheChange } from '../kube/kube-cache.js';
import { WATCHED_KINDS, type KubeApi } from '../kube/kube-api.js';
import {
  clusterObjects,
  desiredForKey,
  keysAffectedBy,
  networkStatusOf,
  type DesiredObject,
  type KubeProblem,
  type MappingContext,
  type OwnerKey,
} from '../mapping/index.js';
import { changedFields, planKey, type ConfigCommand } from '../reconcile/plan.js';
import { KubemanagerMetrics } from './kubemanager-metrics.js';
import { actualOf, OwnedObjects } from './owned-objects.js';
import { WorkQueue } from './work-queue.js';

export interface KubemanagerLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface KubemanagerSettings {
  cluster: string;
  kube: KubeApi;
  config: ConfigApiClient;
  logger: KubemanagerLogger;
  metrics?: KubemanagerMetrics;
  /** The periodic reconcile (default 120 s; 0 = off). */
  resyncMs?: number;
  /** Keys reconciled at once (default DEFAULT_CONCURRENCY). */
  concurrency?: number;
  /** Used when the cluster object carries none (contrail-kube-manager's defaults). */
  defaultPodSubnets?: string[];
  defaultServiceSubnets?: string[];
  /** First retry delay of a failing watch or key (tests shorten it). */
  retryMs?: number;
}

/**
 * Keys reconciled at once. A pod's key is three config commands in a row and a status write, each mostly waiting,
 * and the config API commits the commands that arrive together as one (group commit, one fsync): with 16 keys in
 * flight the commits were small, the config API spent more per pod, and a cluster's pods reached the agents at about
 * two-thirds of the rate of a plain client writing the same objects; 64 keeps up with it (bench/kubemanager).
 */
export const DEFAULT_CONCURRENCY = 64;
const DEFAULT_POD_SUBNETS = ['10.32.0.0/12'];
const DEFAULT_SERVICE_SUBNETS = ['10.96.0.0/12'];
const CLUSTER_KEY_KIND = 'Cluster';
const NETWORK_STATUS = 'k8s.v1.cni.cncf.io/network-status';

/**
 * One workload cluster's kubemanager (docs/kubemanager.md): lists and watches its Kubernetes API, and keeps the
 * config (through the config API, as a client) equal to what the mapping derives from the cluster's objects.
 * Level-triggered: every change marks owner keys; a key's reconcile reads the current objects and makes the config
 * match, so repeating it (a restart, a relist) repeats no command.
 */
export class Kubemanager {
  readonly metrics: KubemanagerMetrics;
  private readonly cache: KubeCache;
  private readonly owned: OwnedObjects;
  private readonly queue: WorkQueue;
  private readonly watchers: KindWatcher[];
  private readonly clusterKey: OwnerKey;
  private context: MappingContext;
  private resyncTimer: NodeJS.Timeout | undefined;
  private resyncing: Promise<void> | undefined;
  private started = false;
  private stopped = false;
  /** The last problem reported per key and object, so an unchanged problem is not reported again. */
  private readonly reported = new Map<string, string>();
  private networkRefresh: NodeJS.Timeout | undefined;
  private isDetached = false;

  constructor(private readonly settings: KubemanagerSettings) {
    this.metrics = settings.metrics ?? new KubemanagerMetrics(settings.cluster);
    this.clusterKey = `${CLUSTER_KEY_KIND}/${settings.cluster}`;
    this.owned = new OwnedObjects(settings.cluster);
    this.cache = new KubeCache((change) => this.onKubeChange(change));
    this.queue = new WorkQueue((key) => this.reconcile(key), {
      concurrency: settings.concurrency ?? DEFAULT_CONCURRENCY,
      retryMs: settings.retryMs,
      onError: (key, error, retryInMs) => {
        this.metrics.reconcileErrors.inc();
        settings.logger.warn({ cluster: settings.cluster, key, retryInMs, err: messageOf(error) }, 'reconcile failed; will retry');
      },
    });
    this.watchers = WATCHED_KINDS.map(
      (kind) =>
        new KindWatcher(
          kind,
          settings.kube,
          this.cache,
          {
            listed: (k, count, reason) => {
              this.metrics.lists.inc({ kind: k, reason });
              if (reason !== 'start') settings.logger.info({ cluster: settings.cluster, kind: k, count, reason }, 'relisted');
            },
            watchEvent: (k, type) => this.metrics.watchEvents.inc({ kind: k, type }),
            failed: (k, error, retryInMs) => {
              this.metrics.watchFailures.inc({ kind: k });
              settings.logger.warn({ cluster: settings.cluster, kind: k, server: settings.kube.server, retryInMs, err: error.message }, 'watch failed; will retry');
            },
          },
          { backoffMs: settings.retryMs },
        ),
    );
    this.context = this.contextWith(settings.defaultPodSubnets ?? DEFAULT_POD_SUBNETS, settings.defaultServiceSubnets ?? DEFAULT_SERVICE_SUBNETS);
  }

  get cluster(): string {
    return this.settings.cluster;
  }

  /**
   * Reads the cluster's settings and the owned objects from the config API (waiting for it), makes the cluster's own
   * objects, then starts the watches. Resolves when every kind has been listed once and that work is done.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error('this kubemanager has already started');
    this.started = true;
    await this.untilReachable(async () => {
      await this.readClusterSettings();
      await this.owned.load(this.settings.config);
    });
    if (this.stopped) return;
    this.metrics.ownedObjects.set(this.owned.size);
    // The cluster's own objects (project, IPAMs, networks) first: every pod and namespace needs them.
    this.queue.add(this.clusterKey);
    await this.queue.idle();
    for (const watcher of this.watchers) watcher.start();
    await Promise.all(this.watchers.map((w) => w.synced));
    if (this.stopped) return;
    // Owners that no longer exist (deleted while no kubemanager watched): their objects go now.
    for (const key of this.owned.owners()) this.queue.add(key);
    await this.queue.idle();
    const resyncMs = this.settings.resyncMs ?? 120_000;
    if (resyncMs > 0) this.resyncTimer = setInterval(() => void this.resync(), resyncMs);
    this.settings.logger.info({ cluster: this.cluster, server: this.settings.kube.server, owned: this.owned.size }, 'kubemanager synced');
  }

  /** Repeats `step` until it succeeds (the config API may start after the kubemanager), with backoff, until stopped. */
  private async untilReachable(step: () => Promise<void>): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt++) {
      try {
        return await step();
      } catch (error) {
        if (!(error instanceof ConfigApiError) || !error.transient) throw error;
        const delay = Math.min(5_000, (this.settings.retryMs ?? 250) * 2 ** Math.min(attempt, 10));
        this.settings.logger.warn({ cluster: this.cluster, configApi: this.settings.config.address, retryInMs: delay, err: error.message }, 'config API not reachable; will retry');
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  }

  /** Whether the cluster is detached (cluster_attached false): then the kubemanager changes nothing. */
  get detached(): boolean {
    return this.isDetached;
  }

  /** The periodic reconcile: re-read the owned objects, recompute every key, remove orphans. */
  resync(): Promise<void> {
    if (this.resyncing || this.stopped) return this.resyncing ?? Promise.resolve();
    this.resyncing = (async () => {
      try {
        await this.queue.idle();
        await this.readClusterSettings();
        await this.owned.load(this.settings.config);
        const keys = new Set<OwnerKey>([this.clusterKey, ...this.owned.owners()]);
        for (const kind of WATCHED_KINDS) for (const object of this.cache.all(kind)) for (const key of keysAffectedBy(kind, object, this.cache)) keys.add(key);
        for (const key of keys) this.queue.add(key);
        await this.queue.idle();
        this.metrics.resyncs.inc();
      } catch (error) {
        this.settings.logger.warn({ cluster: this.cluster, err: messageOf(error) }, 'periodic reconcile failed; the next one retries');
      } finally {
        this.resyncing = undefined;
      }
    })();
    return this.resyncing;
  }

  /** Resolves when no key waits (retries on a timer aside). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  stop(): void {
    this.stopped = true;
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    if (this.networkRefresh) clearTimeout(this.networkRefresh);
    for (const watcher of this.watchers) watcher.stop();
    this.queue.stop();
  }

  /** What is known, for /health. */
  status(): { cluster: string; kube: Record<string, number>; owned: number; queue: number; retrying: number } {
    const kube: Record<string, number> = {};
    for (const kind of WATCHED_KINDS) kube[kind] = this.cache.size(kind);
    return { cluster: this.cluster, kube, owned: this.owned.size, queue: this.queue.depth, retrying: this.queue.retrying };
  }

  private onKubeChange(change: CacheChange): void {
    const object = change.after ?? change.before!;
    for (const key of keysAffectedBy(change.kind, object, this.cache)) this.queue.add(key);
    // A pod whose labels or namespace changed may leave selections it was in: the keys of the old object too.
    if (change.before && change.after) for (const key of keysAffectedBy(change.kind, change.before, this.cache)) this.queue.add(key);
  }

  private async readClusterSettings(): Promise<void> {
    const uuid = await this.settings.config.uuidOf('cluster', ['default-global-system-config', this.cluster]);
    let pod = this.settings.defaultPodSubnets ?? DEFAULT_POD_SUBNETS;
    let service = this.settings.defaultServiceSubnets ?? DEFAULT_SERVICE_SUBNETS;
    if (!uuid) {
      // Not attached through the config API yet (a single-cluster install started by hand): record it.
      await this.settings.config.create('cluster', {
        fq_name: ['default-global-system-config', this.cluster],
        parent_type: 'global-system-config',
        cluster_pod_subnets: pod,
        cluster_service_subnets: service,
        cluster_attached: true,
      });
      this.settings.logger.info({ cluster: this.cluster, podSubnets: pod, serviceSubnets: service }, 'recorded the cluster in the config API');
    } else {
      const cluster = await this.settings.config.get('cluster', uuid);
      pod = cidrs(cluster?.cluster_pod_subnets) ?? pod;
      service = cidrs(cluster?.cluster_service_subnets) ?? service;
      const detached = cluster?.cluster_attached === false;
      if (detached !== this.isDetached) {
        this.settings.logger.info({ cluster: this.cluster }, detached ? 'the cluster is detached: changing nothing until it is attached again' : 'the cluster is attached again');
      }
      this.isDetached = detached;
    }
    this.context = this.contextWith(pod, service);
  }

  private contextWith(podSubnets: string[], serviceSubnets: string[]): MappingContext {
    return {
      cluster: this.settings.cluster,
      podSubnets,
      serviceSubnets,
      addressesOf: (vmi) => this.owned.addressesOf(vmi),
      macOf: (vmi) => this.owned.macOf(vmi),
      networkExists: (fq) => this.owned.networkExists(fq),
    };
  }

  private async reconcile(key: OwnerKey): Promise<void> {
    if (this.stopped || this.isDetached) return;
    const started = performance.now();
    let desired: DesiredObject[];
    let problems: KubeProblem[] = [];
    if (key === this.clusterKey) desired = clusterObjects(this.context);
    else ({ objects: desired, problems } = desiredForKey(key, this.cache, this.context));
    const commands = planKey(desired, this.owned.ownedBy(key));
    let addressesChanged = false;
    for (const command of commands) {
      if (this.stopped) return;
      addressesChanged = (await this.execute(command)) || addressesChanged;
    }
    await this.report(key, problems);
    const pod = key.startsWith('Pod/') ? this.cache.pod(key.slice(4)) : undefined;
    if (pod && desired.length > 0) await this.writeNetworkStatus(pod);
    if (addressesChanged && pod) {
      // The pod's address is a peer of network policies: they follow.
      for (const related of keysAffectedBy('Pod', pod, this.cache)) if (related !== key) this.queue.add(related);
    }
    this.metrics.reconcileSeconds.observe((performance.now() - started) / 1000);
  }

  /** Runs one command; answers whether an instance-ip came or went. */
  private async execute(command: ConfigCommand): Promise<boolean> {
    const client = this.settings.config;
    switch (command.op) {
      case 'create': {
        const { object } = command;
        const body: Json = { uuid: object.uuid, fq_name: object.fqName, ...(object.parentType ? { parent_type: object.parentType } : {}), ...object.body };
        try {
          const created = await client.create(object.type, body);
          this.owned.put(actualOf(object.type, created, object.ownerKey));
          this.count('create', object.type, 'ok');
        } catch (error) {
          if (!(error instanceof ConfigApiError) || error.code !== GrpcStatus.ALREADY_EXISTS) {
            this.count('create', object.type, 'failed');
            throw error;
          }
          // Made before (by an earlier run whose answer was lost): take it as it is, and update what differs.
          const existing = await client.get(object.type, object.uuid);
          if (!existing) throw new Error(`${object.type} ${object.fqName.join(':')} is taken by another object: ${error.message}`);
          const actual = actualOf(object.type, existing, object.ownerKey);
          this.owned.put(actual);
          this.count('create', object.type, 'existed');
          const changed = changedFields(object, actual);
          if (changed.length > 0) await this.update(object, changed);
        }
        this.metrics.ownedObjects.set(this.owned.size);
        return object.type === 'instance-ip';
      }
      case 'update':
        await this.update(command.object, command.changed);
        return false;
      case 'delete':
        try {
          await client.delete(command.type, command.uuid);
          this.count('delete', command.type, 'ok');
        } catch (error) {
          this.count('delete', command.type, 'failed');
          throw error;
        }
        this.owned.remove(command.uuid);
        this.metrics.ownedObjects.set(this.owned.size);
        return command.type === 'instance-ip';
    }
  }

  private async update(object: DesiredObject, changed: string[]): Promise<void> {
    const body: Json = {};
    for (const field of changed) body[field] = object.body[field] ?? null;
    try {
      await this.settings.config.update(object.type, object.uuid, body);
      this.count('update', object.type, 'ok');
    } catch (error) {
      this.count('update', object.type, 'failed');
      throw error;
    }
    const fresh = await this.settings.config.get(object.type, object.uuid);
    if (fresh) this.owned.put(actualOf(object.type, fresh, object.ownerKey));
  }

  private count(op: string, type: string, outcome: string): void {
    this.metrics.commands.inc({ op, type, outcome });
  }

  /** Problems become Kubernetes Events on their objects, once per distinct message. */
  private async report(key: OwnerKey, problems: KubeProblem[]): Promise<void> {
    const now = new Set<string>();
    for (const problem of problems) {
      const id = `${key}|${problem.reason}|${problem.message}`;
      now.add(id);
      if (this.reported.has(id)) continue;
      this.reported.set(id, key);
      this.metrics.problems.inc({ reason: problem.reason });
      this.settings.logger.warn({ cluster: this.cluster, key, reason: problem.reason, object: `${problem.namespace ?? ''}/${problem.name}` }, problem.message);
      if (problem.reason === 'NetworkNotFound') this.scheduleNetworkRefresh();
      await this.postEvent(problem).catch((error) =>
        this.settings.logger.warn({ cluster: this.cluster, key, err: messageOf(error) }, 'could not record a Kubernetes event'),
      );
    }
    for (const [id, owner] of this.reported) if (owner === key && !now.has(id)) this.reported.delete(id);
    if (problems.some((p) => p.reason === 'NetworkNotFound')) throw new Error(`${key}: ${problems.find((p) => p.reason === 'NetworkNotFound')!.message}`);
  }

  private scheduleNetworkRefresh(): void {
    if (this.networkRefresh) return;
    this.networkRefresh = setTimeout(() => {
      this.networkRefresh = undefined;
      void this.owned.loadNetworks(this.settings.config).catch(() => undefined);
    }, 100);
  }

  private async postEvent(problem: KubeProblem): Promise<void> {
    const namespace = problem.namespace ?? 'default';
    const object = this.cache.get(problem.kind as (typeof WATCHED_KINDS)[number], problem.key.split('/')[1] ?? '');
    const now = new Date();
    const event: CoreV1Event = {
      metadata: { generateName: `${problem.name}.`, namespace },
      involvedObject: {
        kind: problem.kind,
        name: problem.name,
        namespace: problem.namespace,
        uid: object?.metadata?.uid,
        apiVersion: object?.apiVersion,
      },
      reason: problem.reason,
      message: problem.message,
      type: 'Warning',
      source: { component: `kubemanager-${this.cluster}` },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    };
    await this.settings.kube.createEvent(namespace, event);
  }

  private async writeNetworkStatus(pod: V1Pod): Promise<void> {
    const wanted = networkStatusOf(pod, this.cache, this.context).annotations;
    const current = pod.metadata?.annotations ?? {};
    const patch: Record<string, string> = {};
    for (const [name, value] of Object.entries(wanted)) if (current[name] !== value) patch[name] = value;
    if (Object.keys(patch).length === 0) return;
    // Without an address yet there is nothing worth writing.
    if (patch[NETWORK_STATUS] !== undefined && !/"ips":\["/.test(patch[NETWORK_STATUS])) return;
    await this.settings.kube.patchPodAnnotations(pod.metadata!.namespace ?? 'default', pod.metadata!.name!, patch);
    this.metrics.podStatusWrites.inc();
  }
}

/** A cluster's `cluster_pod_subnets` / `cluster_service_subnets` (CidrListType: a list of CIDR strings). */
function cidrs(list: unknown): string[] | undefined {
  return Array.isArray(list) && list.length > 0 && list.every((c) => typeof c === 'string') ? (list as string[]) : undefined;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

