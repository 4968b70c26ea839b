/**
 * Per-pod stage times of one round of the kubemanager benchmark, all in this process's performance.now() clock:
 * offered (created in the fake Kubernetes API, or handed to the raw writer), its instance-ip accepted by the config
 * log, its network-status written back (kubemanager only), its interface with an address at its node's agent, and
 * its /32 at the agents of the other cluster (first and every one).
 */
import { credentials, type ClientReadableStream } from '@grpc/grpc-js';
import type { SimulatedAgent } from '#apps/agent-sim';
import { ConfigServiceClient, WatchEventKind, WatchRequest, type agentProto, type WatchEvent } from '#libs/proto';
import type { BenchCluster } from './kube-clusters.js';

export interface PodTimes {
  /** `<pod name>__<uid>`: the last part of its interface's fq_name and its instance-ip's name. */
  key: string;
  cluster: BenchCluster;
  node: string;
  offered: number;
  exists?: number;
  statusWritten?: number;
  atLocalAgent?: number;
  address?: string;
  firstRemote?: number;
  everyRemote?: number;
}

/** Where the routes of one round stand, per agent: the other cluster's prefixes it has seen in its own pod VRF. */
interface AgentWatch {
  agent: SimulatedAgent;
  own: BenchCluster;
  other: BenchCluster;
  seen: Map<string, number>;
}

export class PodTimeline {
  readonly pods = new Map<string, PodTimes>();
  private readonly byPrefix = new Map<string, PodTimes>();
  private readonly watches: AgentWatch[] = [];
  private readonly watchOf = new Map<SimulatedAgent, AgentWatch>();
  private readonly expected = new Map<BenchCluster, number>();
  private done: (() => void) | undefined;

  constructor(clusters: readonly BenchCluster[], perCluster: number) {
    for (const own of clusters) {
      const other = clusters.find((c) => c !== own)!;
      this.expected.set(own, perCluster);
      for (const agent of own.agents) {
        const watch = { agent, own, other, seen: new Map<string, number>() };
        this.watches.push(watch);
        this.watchOf.set(agent, watch);
      }
    }
  }

  offered(key: string, cluster: BenchCluster, node: string, at: number): void {
    this.pods.set(key, { key, cluster, node, offered: at });
  }

  get(key: string): PodTimes | undefined {
    return this.pods.get(key);
  }

  /** A ControlMessage an agent applied: its config names interface addresses, its routes reach remote tables. */
  onAgentMessage(agent: SimulatedAgent, message: agentProto.ControlMessage, at: number): void {
    const body = message.body;
    if (body?.$case === 'config') {
      for (const port of body.value.interfaces) {
        if (port.ipAddresses.length === 0) continue;
        const pod = this.pods.get(port.name.slice(port.name.lastIndexOf(':') + 1));
        if (!pod || pod.atLocalAgent !== undefined) continue;
        pod.atLocalAgent = at;
        pod.address = port.ipAddresses[0]!;
        this.byPrefix.set(`${pod.address}/32`, pod);
      }
    } else if (body?.$case === 'routes') {
      const watch = this.watchOf.get(agent);
      if (!watch) return;
      const vrf = watch.own.podVrf;
      for (const update of body.value.updates) {
        if (update.vrf !== vrf || update.paths.length === 0 || !watch.other.ownsPrefix(update.prefix) || watch.seen.has(update.prefix)) continue;
        watch.seen.set(update.prefix, at);
      }
      if (this.done && this.complete()) this.done();
    }
  }

  /** An instance-ip event from the config log's Watch. */
  onConfigEvent(event: WatchEvent): void {
    if (event.kind !== WatchEventKind.CREATED) return;
    const pod = this.pods.get(event.fqName[0] ?? '');
    if (pod && pod.exists === undefined) pod.exists = Date.parse(event.recordedAt) - performance.timeOrigin;
  }

  /** A pod's network-status was written back with an address. */
  onStatusWritten(key: string, at: number): void {
    const pod = this.pods.get(key);
    if (pod && pod.statusWritten === undefined) pod.statusWritten = at;
  }

  /** Every agent has seen every pod of the other cluster. */
  complete(): boolean {
    return this.watches.every((w) => w.seen.size >= this.expected.get(w.other)!);
  }

  /** Resolves once complete; rejects after `timeoutMs` with how far each agent got. */
  whenComplete(timeoutMs: number): Promise<void> {
    if (this.complete()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.done = undefined;
        reject(new Error(`routes not at every remote agent after ${timeoutMs} ms: ${this.watches.map((w) => `${w.agent.name} ${w.seen.size}`).join(', ')}`));
      }, timeoutMs);
      this.done = () => {
        clearTimeout(timer);
        this.done = undefined;
        resolve();
      };
    });
  }

  /**
   * Fills each pod's first and every remote agent time from what the agents saw, and checks that every remote
   * agent's table holds the pod's /32 with its node's address as next hop. Answers the pods whose route was not
   * placed so (should be none).
   */
  settle(): { misplaced: number } {
    let misplaced = 0;
    for (const pod of this.pods.values()) {
      const prefix = `${pod.address}/32`;
      const times: number[] = [];
      let remotes = 0;
      for (const w of this.watches) {
        if (w.other !== pod.cluster) continue;
        remotes += 1;
        const at = w.seen.get(prefix);
        if (at !== undefined) times.push(at);
        const hops = w.agent.table(w.own.podVrf).get(prefix)?.map((p) => p.nextHop) ?? [];
        if (hops.length !== 1 || hops[0] !== pod.cluster.nodeAddress(pod.node)) misplaced += 1;
      }
      if (pod.address === undefined || times.length < remotes) continue;
      pod.firstRemote = Math.min(...times);
      pod.everyRemote = Math.max(...times);
    }
    return { misplaced };
  }
}

/** One Watch of the config log's instance-ip events, kept open for the whole benchmark. */
export class InstanceIpWatch {
  private readonly client: ConfigServiceClient;
  private readonly stream: ClientReadableStream<WatchEvent>;

  constructor(address: string, onEvent: (event: WatchEvent) => void) {
    this.client = new ConfigServiceClient(address, credentials.createInsecure(), {});
    this.stream = this.client.watch(WatchRequest.fromPartial({ fromPosition: 0, types: ['instance-ip'] }));
    this.stream.on('data', onEvent);
    this.stream.on('error', () => undefined); // cancelled at the end, or the controller stopped
  }

  close(): void {
    this.stream.cancel();
    this.client.close();
  }
}
