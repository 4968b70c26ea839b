import type {
  KubernetesObject,
  V1EndpointSlice,
  V1Namespace,
  V1NetworkPolicy,
  V1Node,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import type { WatchedKind } from './kube-api.js';
import type { WatchSink } from './kind-watcher.js';

/** One change the cache took in: the object before and after (undefined when absent). */
export interface CacheChange {
  kind: WatchedKind;
  before: KubernetesObject | undefined;
  after: KubernetesObject | undefined;
}

const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/**
 * The workload cluster's objects as the watches last reported them, by kind and UID, with the indexes the mapping
 * reads by (namespace and node by name, pods and policies by namespace, EndpointSlices by service). Every change is
 * reported to `onChange` with its before and after, so the caller can mark the keys it touches.
 */
export class KubeCache implements WatchSink {
  private readonly byKind = new Map<WatchedKind, Map<string, KubernetesObject>>();
  private readonly namespacesByName = new Map<string, V1Namespace>();
  private readonly nodesByName = new Map<string, V1Node>();
  private readonly podsByNamespace = new Map<string, Map<string, V1Pod>>();
  private readonly servicesByName = new Map<string, V1Service>();
  private readonly slicesByService = new Map<string, Map<string, V1EndpointSlice>>();
  private readonly policiesByNamespace = new Map<string, Map<string, V1NetworkPolicy>>();

  constructor(private readonly onChange: (change: CacheChange) => void = () => {}) {}

  replaced(kind: WatchedKind, items: KubernetesObject[]): void {
    const known = this.objectsOf(kind);
    const seen = new Set<string>();
    for (const item of items) {
      const uid = item.metadata?.uid;
      if (!uid) continue;
      seen.add(uid);
      this.put(kind, { ...item, kind });
    }
    for (const [uid, object] of [...known]) if (!seen.has(uid)) this.remove(kind, object);
  }

  changed(kind: WatchedKind, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubernetesObject): void {
    if (!object.metadata?.uid) return;
    if (type === 'DELETED') {
      const known = this.objectsOf(kind).get(object.metadata.uid);
      if (known) this.remove(kind, known);
    } else {
      this.put(kind, { ...object, kind });
    }
  }

  size(kind: WatchedKind): number {
    return this.objectsOf(kind).size;
  }

  get(kind: WatchedKind, uid: string): KubernetesObject | undefined {
    return this.objectsOf(kind).get(uid);
  }

  all(kind: WatchedKind): Iterable<KubernetesObject> {
    return this.objectsOf(kind).values();
  }

  namespace(name: string): V1Namespace | undefined {
    return this.namespacesByName.get(name);
  }

  namespaces(): Iterable<V1Namespace> {
    return this.all('Namespace') as Iterable<V1Namespace>;
  }

  node(name: string): V1Node | undefined {
    return this.nodesByName.get(name);
  }

  pod(uid: string): V1Pod | undefined {
    return this.get('Pod', uid) as V1Pod | undefined;
  }

  pods(): Iterable<V1Pod> {
    return this.all('Pod') as Iterable<V1Pod>;
  }

  podsIn(namespace: string): Iterable<V1Pod> {
    return this.podsByNamespace.get(namespace)?.values() ?? [];
  }

  service(uid: string): V1Service | undefined {
    return this.get('Service', uid) as V1Service | undefined;
  }

  serviceNamed(namespace: string, name: string): V1Service | undefined {
    return this.servicesByName.get(`${namespace}/${name}`);
  }

  services(): Iterable<V1Service> {
    return this.all('Service') as Iterable<V1Service>;
  }

  endpointSlicesOf(namespace: string, service: string): Iterable<V1EndpointSlice> {
    return this.slicesByService.get(`${namespace}/${service}`)?.values() ?? [];
  }

  networkPolicy(uid: string): V1NetworkPolicy | undefined {
    return this.get('NetworkPolicy', uid) as V1NetworkPolicy | undefined;
  }

  networkPolicies(): Iterable<V1NetworkPolicy> {
    return this.all('NetworkPolicy') as Iterable<V1NetworkPolicy>;
  }

  networkPoliciesIn(namespace: string): Iterable<V1NetworkPolicy> {
    return this.policiesByNamespace.get(namespace)?.values() ?? [];
  }

  private objectsOf(kind: WatchedKind): Map<string, KubernetesObject> {
    let objects = this.byKind.get(kind);
    if (!objects) this.byKind.set(kind, (objects = new Map()));
    return objects;
  }

  private put(kind: WatchedKind, object: KubernetesObject): void {
    const uid = object.metadata!.uid!;
    const objects = this.objectsOf(kind);
    const before = objects.get(uid);
    if (before && before.metadata?.resourceVersion && before.metadata.resourceVersion === object.metadata?.resourceVersion) return;
    if (before) this.unindex(kind, before);
    objects.set(uid, object);
    this.index(kind, object);
    this.onChange({ kind, before, after: object });
  }

  private remove(kind: WatchedKind, object: KubernetesObject): void {
    const uid = object.metadata!.uid!;
    this.objectsOf(kind).delete(uid);
    this.unindex(kind, object);
    this.onChange({ kind, before: object, after: undefined });
  }

  private index(kind: WatchedKind, object: KubernetesObject): void {
    const { name = '', namespace = '', uid = '' } = object.metadata ?? {};
    switch (kind) {
      case 'Namespace':
        this.namespacesByName.set(name, object as V1Namespace);
        break;
      case 'Node':
        this.nodesByName.set(name, object as V1Node);
        break;
      case 'Pod':
        inner(this.podsByNamespace, namespace).set(uid, object as V1Pod);
        break;
      case 'Service':
        this.servicesByName.set(`${namespace}/${name}`, object as V1Service);
        break;
      case 'EndpointSlice': {
        const service = object.metadata?.labels?.[SERVICE_NAME_LABEL];
        if (service) inner(this.slicesByService, `${namespace}/${service}`).set(uid, object as V1EndpointSlice);
        break;
      }
      case 'NetworkPolicy':
        inner(this.policiesByNamespace, namespace).set(uid, object as V1NetworkPolicy);
        break;
    }
  }

  private unindex(kind: WatchedKind, object: KubernetesObject): void {
    const { name = '', namespace = '', uid = '' } = object.metadata ?? {};
    switch (kind) {
      case 'Namespace':
        if (this.namespacesByName.get(name)?.metadata?.uid === uid) this.namespacesByName.delete(name);
        break;
      case 'Node':
        if (this.nodesByName.get(name)?.metadata?.uid === uid) this.nodesByName.delete(name);
        break;
      case 'Pod':
        this.podsByNamespace.get(namespace)?.delete(uid);
        break;
      case 'Service':
        if (this.servicesByName.get(`${namespace}/${name}`)?.metadata?.uid === uid) this.servicesByName.delete(`${namespace}/${name}`);
        break;
      case 'EndpointSlice': {
        const service = object.metadata?.labels?.[SERVICE_NAME_LABEL];
        if (service) this.slicesByService.get(`${namespace}/${service}`)?.delete(uid);
        break;
      }
      case 'NetworkPolicy':
        this.policiesByNamespace.get(namespace)?.delete(uid);
        break;
    }
  }
}

function inner<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let map = outer.get(key);
  if (!map) outer.set(key, (map = new Map()));
  return map;
}
