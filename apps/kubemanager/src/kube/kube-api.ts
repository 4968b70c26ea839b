import {
  CoreV1Api,
  DiscoveryV1Api,
  KubeConfig,
  NetworkingV1Api,
  PatchStrategy,
  Watch,
  setHeaderOptions,
  type CoreV1Event,
  type KubernetesObject,
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
    this.core = config.makeApiClient(CoreV1Api);
    this.discovery = config.makeApiClient(DiscoveryV1Api);
    this.networking = config.makeApiClient(NetworkingV1Api);
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
