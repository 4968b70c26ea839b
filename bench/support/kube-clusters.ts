/**
 * Workload clusters for the kubemanager benchmark: a fake Kubernetes API server in the bench process, its nodes, the
 * cluster recorded in the config API with the cluster CLI, its kubemanager as a child process, and a simulated
 * vRouter agent per node (in the bench process) acting on config as a real agent does.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { SessionRefusedError, SimulatedAgent } from '#apps/agent-sim';
import { runClusterCli } from '#apps/kubemanager';
import { FakeKubeApiServer, type Change, type KubeObject, type ObjectStore } from '../../test/fake-kube-api/index.js';
import { progress, projectRoot } from './measure.js';
import { JsonChild } from './json-child.js';
import { sleep } from './xmpp-bench-processes.js';

export const NETWORK_STATUS = 'k8s.v1.cni.cncf.io/network-status';

export interface ClusterPlan {
  name: string;
  /** The cluster's pod subnet (one /16), recorded with `cluster attach --pod-subnets`. */
  podSubnet: string;
  serviceSubnet: string;
  nodes: number;
  /** The second octet of the nodes' addresses: node i is 192.168.<octet>.<i>. */
  nodeOctet: number;
}

export interface KubemanagerOptions {
  /** host:port of the config API's gRPC server. */
  configApi: string;
  /** Extra environment for the kubemanager (KUBEMANAGER_CONCURRENCY …). */
  env: Record<string, string>;
  /** A directory: the kubemanager runs with --cpu-prof into it. */
  cpuProfileDir?: string;
}

/** One workload cluster: its fake API server, its kubemanager child and its nodes' agents. */
export class BenchCluster {
  readonly agents: SimulatedAgent[] = [];
  kubemanager: JsonChild | undefined;
  /** The kubemanager's /health and /metrics. */
  kubemanagerRest = '';

  private constructor(
    readonly plan: ClusterPlan,
    readonly api: FakeKubeApiServer,
    private readonly dir: string,
    readonly kubeconfig: string,
  ) {}

  static async start(plan: ClusterPlan, parentDir: string): Promise<BenchCluster> {
    // Bookmarks every 5 s: a watch sees them, but they cost nothing next to the pods.
    const api = await FakeKubeApiServer.start({ clusterName: plan.name, bookmarkIntervalMs: 5000, historyLimit: 100_000 });
    const dir = mkdtempSync(join(parentDir, `cluster-${plan.name}-`));
    const cluster = new BenchCluster(plan, api, dir, api.writeKubeconfig(dir));
    api.create('Namespace', { metadata: { name: 'default' } });
    for (const node of cluster.nodeNames()) {
      api.create('Node', { metadata: { name: node }, status: { addresses: [{ type: 'InternalIP', address: cluster.nodeAddress(node) }] } });
    }
    return cluster;
  }

  get name(): string {
    return this.plan.name;
  }

  nodeNames(): string[] {
    return Array.from({ length: this.plan.nodes }, (_, i) => `node-${i + 1}`);
  }

  nodeAddress(node: string): string {
    return `192.168.${this.plan.nodeOctet}.${Number(node.slice('node-'.length))}`;
  }

  /** The node pod i runs on: pods spread round-robin. */
  nodeOf(i: number): string {
    return `node-${(i % this.plan.nodes) + 1}`;
  }

  /** The name the vRouter agent of `node` says hello with (docs/kubemanager.md §3). */
  agentName(node: string): string {
    return `${this.name}__${node}`;
  }

  get podNetwork(): string[] {
    return ['default-domain', `${this.name}-default`, `${this.name}-default-pod-network`];
  }

  /** The pod network's VRF (docs/routing-semantics.md §1). */
  get podVrf(): string {
    return [...this.podNetwork, `${this.name}-default-pod-network`].join(':');
  }

  get securityGroup(): string[] {
    return ['default-domain', `${this.name}-default`, `${this.name}-default-default-sg`];
  }

  /** Whether `prefix` (a /32) is in this cluster's pod subnet: the subnets are /16s, so the first two octets say. */
  ownsPrefix(prefix: string): boolean {
    const [a, b] = this.plan.podSubnet.split('.');
    return prefix.startsWith(`${a}.${b}.`);
  }

  /** Records the cluster in the config API as `npm run cluster:attach` does (a Deployment would run its kubemanager). */
  async attach(configApi: string): Promise<void> {
    const lines: string[] = [];
    const io = { out: (l: string) => lines.push(l), err: (l: string) => lines.push(l), cwd: this.dir, env: {} };
    const code = await runClusterCli(
      [
        'attach',
        '--name', this.name,
        '--kubeconfig', this.kubeconfig,
        '--pod-subnets', this.plan.podSubnet,
        '--service-subnets', this.plan.serviceSubnet,
        '--out', join(this.dir, 'manifests'),
        '--config-api', configApi,
      ],
      io,
    );
    if (code !== 0) throw new Error(`cluster attach ${this.name} exited with ${code}:\n${lines.join('\n')}`);
  }

  /** Starts the kubemanager child and resolves once it has synced (every kind listed, its objects made). */
  async startKubemanager(options: KubemanagerOptions): Promise<void> {
    const args: string[] = [];
    if (options.cpuProfileDir) {
      mkdirSync(options.cpuProfileDir, { recursive: true });
      args.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=kubemanager-${this.name}.cpuprofile`);
    }
    const child = new JsonChild(
      join(projectRoot, 'dist/apps/kubemanager/src/main.js'),
      {
        KUBEMANAGER_CLUSTER: this.name,
        KUBECONFIG: this.kubeconfig,
        CONFIG_API_GRPC: options.configApi,
        REST_PORT: '0',
        LOG_LEVEL: 'info',
        ...options.env,
      },
      args,
    );
    this.kubemanager = child;
    const listening = await child.next((l) => l.msg === 'listening' && typeof l.rest === 'string', 60_000);
    this.kubemanagerRest = listening.rest as string;
    await child.next((l) => l.msg === 'kubemanager synced', 120_000);
  }

  /** The kubemanager's /health body: its queue depth, retries and owned objects. */
  async kubemanagerHealth(): Promise<{ queue: number; retrying: number; owned: number }> {
    const res = await fetch(`${this.kubemanagerRest}/health`);
    return (await res.json()) as { queue: number; retrying: number; owned: number };
  }

  /** Waits until the kubemanager has nothing queued or waiting for a retry. */
  async kubemanagerIdle(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const health = await this.kubemanagerHealth();
      if (health.queue === 0 && health.retrying === 0) return;
      if (performance.now() > deadline) throw new Error(`the kubemanager of ${this.name} is not idle after ${timeoutMs} ms: ${JSON.stringify(health)}`);
      await sleep(50);
    }
  }

  /**
   * One agent per node, following config (subscribes to its interfaces' VRFs, publishes their host routes), each
   * also subscribed to its cluster's pod VRF, which the remote cluster's pod routes reach through the mesh.
   */
  async connectAgents(controlTarget: string): Promise<void> {
    for (const node of this.nodeNames()) {
      const agent = new SimulatedAgent({ target: controlTarget, name: this.agentName(node), address: this.nodeAddress(node), cluster: this.name, followConfig: true });
      await connectRetrying(agent);
      if (!agent.subscriptions.has(this.podVrf)) agent.subscribe(this.podVrf);
      this.agents.push(agent);
    }
    await Promise.all(this.agents.map((a) => a.waitForEndOfRib(this.podVrf, 30_000)));
  }

  /** Calls `listener` synchronously on every Pod change the fake API server makes (watch events go out then). */
  onPodChange(listener: (change: Change) => void): () => void {
    // The fake keeps its store private; its subscribe is what its own watches use, and costs one call per change.
    const store = (this.api as unknown as { store?: ObjectStore }).store;
    if (typeof store?.subscribe !== 'function') throw new Error('FakeKubeApiServer no longer keeps its ObjectStore in `store`: update onPodChange');
    return store.subscribe('Pod', listener);
  }

  createPod(name: string, node: string): KubeObject {
    return this.api.create('Pod', {
      metadata: { name, namespace: 'default', labels: { app: 'bench' } },
      spec: { nodeName: node, containers: [{ name: 'main', image: 'busybox' }] },
      status: { phase: 'Running' },
    });
  }

  deletePod(name: string): void {
    this.api.delete('Pod', 'default', name);
  }

  async close(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.close().catch(() => undefined)));
    await this.kubemanager?.stop();
    await this.api.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Control may not know the virtual-router for a moment after the kubemanager made it: a refused hello is retried. */
async function connectRetrying(agent: SimulatedAgent): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await agent.connect();
      return;
    } catch (error) {
      if (!(error instanceof SessionRefusedError) || attempt >= 20) throw error;
      if (attempt === 5) progress(`${agent.name}: hello refused (${error.details}); retrying`);
      await sleep(250);
    }
  }
}
