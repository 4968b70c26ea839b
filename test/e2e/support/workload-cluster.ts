// A simulated workload cluster for the kubemanager e2e tests: a fake Kubernetes API server (test/fake-kube-api) with
// helpers to play nodes, namespaces, pods, services and policies on it, and its kubeconfig on disk.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeKubeApiServer, type KubeObject } from '../../fake-kube-api/index.js';

export interface PodSpec {
  namespace?: string;
  node: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

export class WorkloadCluster {
  private constructor(
    readonly name: string,
    readonly api: FakeKubeApiServer,
    private readonly dir: string,
    /** The kubeconfig file a kubemanager is given. */
    readonly kubeconfig: string,
  ) {}

  static async start(name: string, options: { bookmarkIntervalMs?: number } = {}): Promise<WorkloadCluster> {
    const api = await FakeKubeApiServer.start({ clusterName: name, bookmarkIntervalMs: options.bookmarkIntervalMs ?? 500 });
    const dir = mkdtempSync(join(tmpdir(), `cluster-${name}-`));
    const cluster = new WorkloadCluster(name, api, dir, api.writeKubeconfig(dir));
    cluster.namespace('default');
    return cluster;
  }

  /** The name its vRouter agent on `node` says hello with (docs/kubemanager.md §3). */
  agentName(node: string): string {
    return `${this.name}__${node}`;
  }

  namespace(name: string, extra: { labels?: Record<string, string>; annotations?: Record<string, string> } = {}): KubeObject {
    return this.api.create('Namespace', { metadata: { name, ...extra } });
  }

  node(name: string, address: string): KubeObject {
    return this.api.create('Node', { metadata: { name }, status: { addresses: [{ type: 'InternalIP', address }] } });
  }

  pod(name: string, spec: PodSpec): KubeObject {
    return this.api.create('Pod', {
      metadata: { name, namespace: spec.namespace ?? 'default', labels: spec.labels ?? {}, annotations: spec.annotations ?? {} },
      spec: { nodeName: spec.node, containers: [{ name: 'main', image: 'busybox' }] },
      status: { phase: 'Running' },
    });
  }

  deletePod(name: string, namespace = 'default'): void {
    this.api.delete('Pod', namespace, name);
  }

  /** The pod's `k8s.v1.cni.cncf.io/network-status` as the kubemanager wrote it back (undefined before). */
  networkStatus(name: string, namespace = 'default'): Array<{ name: string; interface: string; ips: string[]; mac?: string; default?: boolean }> | undefined {
    const text = this.api.get('Pod', namespace, name)?.metadata?.annotations?.['k8s.v1.cni.cncf.io/network-status'];
    return text ? JSON.parse(text) : undefined;
  }

  /** The pod's address on a network, from its written-back status. */
  addressOn(name: string, network: string, namespace = 'default'): string | undefined {
    return this.networkStatus(name, namespace)?.find((s) => s.name === network)?.ips[0];
  }

  /** Kubernetes events the kubemanager recorded, optionally for one object. */
  events(objectName?: string): KubeObject[] {
    return this.api.list('Event').filter((e) => objectName === undefined || (e as { involvedObject?: { name?: string } }).involvedObject?.name === objectName);
  }

  async close(): Promise<void> {
    await this.api.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Polls `check` (sync or async) every 25 ms until it holds; the error names `what` and, when given, the last state. */
export async function eventually(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 15_000, state?: () => unknown): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${state ? `; state: ${JSON.stringify(state())}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
