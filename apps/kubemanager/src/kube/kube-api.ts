import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import {
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  ServerConfiguration,
  Watch,
  createConfiguration,
  setHeaderOptions,
  type CoreV1Event,
  type KubernetesObject,
  type RequestContext,
  type SecurityAuthentication,
} from '@kubernetes/client-node';

/** The six kinds a kubemanager watches (DESIGN §7, docs/kubemanager.md). */
export const WATCHED_KINDS = ['Namespace', 'Node', 'Pod', 'Service', 'EndpointSlice', 'NetworkPolicy'] as const;
export type WatchedKind = (typeof WATCHED_KINDS)[number];

/** A list answer: the items and the resourceVersion to watch from. */
export interface KubeList {
  items: KubernetesObject[];
  resourceVersion: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** A running watch; `stop()` ends it without calling its done callback's error path. */
export interface WatchHandle {
  stop(): void;
}

/** What the watcher needs of a Kubernetes API server: list, watch, and the two writes kubemanager makes. */
export interface KubeApi {
  /** The API server's URL, for messages. */
  readonly server: string;
  list(kind: WatchedKind): Promise<KubeList>;
  watch(
    kind: WatchedKind,
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: KubernetesObject & Record<string, unknown>) => void,
    onDone: (error: (Error & { statusCode?: number }) | null) => void,
  ): Promise<WatchHandle>;
  /** Merge-patches a pod's annotations (a null value removes one). */
  patchPodAnnotations(namespace: string, name: string, annotations: Record<string, string | null>): Promise<void>;
  createEvent(namespace: string, event: CoreV1Event): Promise<void>;
}

const WATCH_PATHS: Record<WatchedKind, string> = {
  Namespace: '/api/v1/namespaces',
  Node: '/api/v1/nodes',
  Pod: '/api/v1/pods',
  Service: '/api/v1/services',
  EndpointSlice: '/apis/discovery.k8s.io/v1/endpointslices',
  NetworkPolicy: '/apis/networking.k8s.io/v1/networkpolicies',
};

/** How long one watch request may stay open before the server ends it and the watcher resumes (5 min). */
export const WATCH_TIMEOUT_SECONDS = 300;

/**
 * Loads a kubeconfig file, checking it names a current cluster with a server; throws an Error saying what is
 * wrong (file missing, not YAML, no cluster). Without a file: the in-cluster service account.
 */
export function loadKubeConfig(file: string | undefined): KubeConfig {
  const config = new KubeConfig();
  try {
    if (file) config.loadFromFile(file);
    else config.loadFromCluster();
  } catch (error) {
    throw new Error(`the kubeconfig ${file ?? '(in-cluster)'} cannot be read: ${(error as Error).message}`, { cause: error });
  }
  const cluster = config.getCurrentCluster();
  if (!cluster) throw new Error(`the kubeconfig ${file ?? '(in-cluster)'} names no current cluster (current-context: ${JSON.stringify(config.getCurrentContext())})`);
  if (!/^https?:\/\/[^/]/.test(cluster.server ?? '')) {
    throw new Error(`the kubeconfig ${file ?? '(in-cluster)'}: cluster ${cluster.name} has no usable server URL (${JSON.stringify(cluster.server)})`);
  }
  return config;
}

/** KubeApi over @kubernetes/client-node 1.4. */
export class ClientNodeKubeApi implements KubeApi {
  private readonly core: CoreV1Api;
  private readonly discovery: DiscoveryV1Api;
  private readonly networking: NetworkingV1Api;
  private readonly watcher: Watch;

  constructor(private readonly config: KubeConfig) {
    // As KubeConfig.makeApiClient builds them, but with connections kept alive (KeepAliveAuthentication).
    const server = config.getCurrentCluster()?.server;
    if (!server) throw new Error('the kubeconfig names no current cluster');
    const configuration = createConfiguration({ baseServer: new ServerConfiguration(server, {}), authMethods: { default: new KeepAliveAuthentication(config) } });
    this.core = new CoreV1Api(configuration);
    this.discovery = new DiscoveryV1Api(configuration);
    this.networking = new NetworkingV1Api(configuration);
    this.watcher = new Watch(config);
  }

  get server(): string {
    return this.config.getCurrentCluster()?.server ?? '?';
  }

  async list(kind: WatchedKind): Promise<KubeList> {
    const answer = await this.listOf(kind);
    return { items: answer.items as KubernetesObject[], resourceVersion: answer.metadata?.resourceVersion ?? '' };
  }

  private listOf(kind: WatchedKind) {
    switch (kind) {
      case 'Namespace':
        return this.core.listNamespace({});
      case 'Node':
        return this.core.listNode({});
      case 'Pod':
        return this.core.listPodForAllNamespaces({});
      case 'Service':
        return this.core.listServiceForAllNamespaces({});
      case 'EndpointSlice':
        return this.discovery.listEndpointSliceForAllNamespaces({});
      case 'NetworkPolicy':
        return this.networking.listNetworkPolicyForAllNamespaces({});
    }
  }

  async watch(
    kind: WatchedKind,
    resourceVersion: string,
    onEvent: (type: WatchEventType, object: KubernetesObject & Record<string, unknown>) => void,
    onDone: (error: (Error & { statusCode?: number }) | null) => void,
  ): Promise<WatchHandle> {
    let stopped = false;
    const controller = await this.watcher.watch(
      WATCH_PATHS[kind],
      { resourceVersion, allowWatchBookmarks: true, timeoutSeconds: WATCH_TIMEOUT_SECONDS },
      (type: string, object: KubernetesObject & Record<string, unknown>) => {
        if (!stopped) onEvent(type as WatchEventType, object);
      },
      (error: (Error & { statusCode?: number }) | null) => {
        if (!stopped) onDone(error);
      },
    );
    return {
      stop: () => {
        stopped = true;
        controller.abort();
      },
    };
  }

  async patchPodAnnotations(namespace: string, name: string, annotations: Record<string, string | null>): Promise<void> {
    await this.core.patchNamespacedPod(
      { namespace, name, body: { metadata: { annotations } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
  }

  async createEvent(namespace: string, event: CoreV1Event): Promise<void> {
    await this.core.createNamespacedEvent({ namespace, body: event });
  }
}

/** The TLS material of an agent's options: a new agent is needed only when one of these changes. */
const TLS_OPTIONS = ['ca', 'cert', 'key', 'pfx', 'passphrase', 'rejectUnauthorized', 'servername'] as const;
type AgentOptions = Partial<Record<(typeof TLS_OPTIONS)[number], unknown>>;

/**
 * KubeConfig's authentication, with one keep-alive agent reused across requests. KubeConfig makes a new
 * http(s).Agent, without keep-alive, for every request, so each pod status write and each event opened a new
 * connection (a TCP handshake, and a TLS one against a real API server): as costly as the pod's three config API
 * calls together. KubeConfig still sets the headers of every request (a token may be refreshed); its agent is
 * replaced by the kept one while the TLS material stays the same. Proxy agents are left as KubeConfig makes them.
 */
class KeepAliveAuthentication implements SecurityAuthentication {
  private kept: { options: AgentOptions; agent: HttpAgent } | undefined;

  constructor(private readonly config: KubeConfig) {}

  getName(): string {
    return 'kubeconfig-keep-alive';
  }

  async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await this.config.applySecurityAuthentication(context);
    const made = context.getAgent();
    if (made?.constructor !== HttpsAgent && made?.constructor !== HttpAgent) return;
    const options = (made as HttpAgent & { options: AgentOptions }).options;
    if (!this.kept || TLS_OPTIONS.some((name) => !sameOption(this.kept!.options[name], options[name]))) {
      this.kept?.agent.destroy();
      const Kind = made.constructor === HttpsAgent ? HttpsAgent : HttpAgent;
      this.kept = { options, agent: new Kind({ ...options, keepAlive: true }) };
    }
    context.setAgent(this.kept.agent);
  }
}

function sameOption(a: unknown, b: unknown): boolean {
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameOption(item, b[i]));
  return a === b;
}
