/*
 * Test support (not a spec): realistic Kubernetes objects, an in-memory KubeSnapshot and a MappingContext whose
 * config side (addresses, MACs, networks) the test sets.
 */
import type {
  KubernetesObject,
  V1ContainerPort,
  V1EndpointSlice,
  V1Namespace,
  V1NetworkPolicy,
  V1NetworkPolicySpec,
  V1Node,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import { validateResourceBody } from '#libs/domain';
import type { DesiredObject } from './desired-object.js';
import type { KubeKind } from './kube-objects.js';
import { namespaceOf, nameOf, SERVICE_NAME_LABEL, uidOf } from './kube-objects.js';
import type { KubeSnapshot } from './kube-snapshot.js';
import type { MappingContext } from './mapping-context.js';
import { deterministicUuid } from './object-uuid.js';

/** A stable, valid UID per object, as the API server would have given it. */
export const uidFor = (kind: string, namespace: string, name: string): string => deterministicUuid('fixture', kind, namespace, name);

interface Meta {
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  uid?: string;
}

const meta = (kind: string, namespace: string | undefined, name: string, m: Meta = {}) => ({
  name,
  ...(namespace === undefined ? {} : { namespace }),
  uid: m.uid ?? uidFor(kind, namespace ?? '', name),
  resourceVersion: '1',
  ...(m.labels ? { labels: m.labels } : {}),
  ...(m.annotations ? { annotations: m.annotations } : {}),
});

export function namespace(name: string, m: Meta = {}): V1Namespace {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: meta('Namespace', undefined, name, m), status: { phase: 'Active' } };
}

export function node(name: string, addresses: Array<{ type: string; address: string }>, m: Meta = {}): V1Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: meta('Node', undefined, name, m), status: { addresses } };
}

export interface PodOptions extends Meta {
  node?: string | null;
  phase?: string;
  hostNetwork?: boolean;
  deleting?: boolean;
  ports?: V1ContainerPort[];
}

export function pod(name: string, ns: string, o: PodOptions = {}): V1Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { ...meta('Pod', ns, name, o), ...(o.deleting ? { deletionTimestamp: new Date('2026-01-01T00:00:00Z') } : {}) },
    spec: {
      ...(o.node === null ? {} : { nodeName: o.node ?? 'worker-1' }),
      ...(o.hostNetwork ? { hostNetwork: true } : {}),
      containers: [{ name: 'app', image: 'nginx:1.27', ...(o.ports ? { ports: o.ports } : {}) }],
    },
    status: { phase: o.phase ?? 'Running' },
  };
}

export interface ServiceOptions extends Meta {
  clusterIP?: string;
  type?: string;
}

export function service(name: string, ns: string, o: ServiceOptions = {}): V1Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('Service', ns, name, o),
    spec: { type: o.type ?? 'ClusterIP', clusterIP: o.clusterIP ?? '10.96.0.10', ports: [{ port: 80, protocol: 'TCP', targetPort: 8080 }] },
  };
}

/** An EndpointSlice of `svc` naming pods; `ready: false` marks a backend not ready. */
export function endpointSlice(name: string, svc: V1Service, backends: Array<{ pod: V1Pod; ready?: boolean; address?: string }>): V1EndpointSlice {
  return {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { ...meta('EndpointSlice', namespaceOf(svc), name), labels: { [SERVICE_NAME_LABEL]: nameOf(svc) } },
    addressType: 'IPv4',
    endpoints: backends.map(({ pod: p, ready, address }) => ({
      addresses: [address ?? '10.32.0.99'],
      conditions: { ready: ready ?? true },
      targetRef: { kind: 'Pod', name: nameOf(p), namespace: namespaceOf(p), uid: uidOf(p) },
    })),
    ports: [{ port: 8080, protocol: 'TCP' }],
  };
}

export function networkPolicy(name: string, ns: string, spec: V1NetworkPolicySpec, m: Meta = {}): V1NetworkPolicy {
  return { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta('NetworkPolicy', ns, name, m), spec };
}

const KIND_OF: Readonly<Record<string, KubeKind>> = {
  Namespace: 'Namespace',
  Node: 'Node',
  Pod: 'Pod',
  Service: 'Service',
  EndpointSlice: 'EndpointSlice',
  NetworkPolicy: 'NetworkPolicy',
};

/** A KubeSnapshot over plain maps: what the runtime's cache gives the mapping. */
export class MemorySnapshot implements KubeSnapshot {
  private readonly objects = new Map<KubeKind, Map<string, KubernetesObject>>();

  constructor(items: KubernetesObject[] = []) {
    for (const item of items) this.put(item);
  }

  put(item: KubernetesObject): this {
    const kind = KIND_OF[item.kind ?? ''];
    if (kind === undefined) throw new Error(`unknown kind ${item.kind}`);
    this.of(kind).set(uidOf(item), item);
    return this;
  }

  remove(item: KubernetesObject): this {
    this.of(KIND_OF[item.kind ?? '']).delete(uidOf(item));
    return this;
  }

  all<T extends KubernetesObject>(kind: KubeKind): T[] {
    return [...this.of(kind).values()] as T[];
  }

  get(kind: KubeKind, uid: string): KubernetesObject | undefined {
    return this.of(kind).get(uid);
  }
  namespace(name: string): V1Namespace | undefined {
    return this.all<V1Namespace>('Namespace').find((n) => nameOf(n) === name);
  }
  namespaces(): V1Namespace[] {
    return this.all('Namespace');
  }
  node(name: string): V1Node | undefined {
    return this.all<V1Node>('Node').find((n) => nameOf(n) === name);
  }
  pod(uid: string): V1Pod | undefined {
    return this.get('Pod', uid) as V1Pod | undefined;
  }
  pods(): V1Pod[] {
    return this.all('Pod');
  }
  podsIn(ns: string): V1Pod[] {
    return this.all<V1Pod>('Pod').filter((p) => namespaceOf(p) === ns);
  }
  service(uid: string): V1Service | undefined {
    return this.get('Service', uid) as V1Service | undefined;
  }
  serviceNamed(ns: string, name: string): V1Service | undefined {
    return this.all<V1Service>('Service').find((s) => namespaceOf(s) === ns && nameOf(s) === name);
  }
  services(): V1Service[] {
    return this.all('Service');
  }
  endpointSlicesOf(ns: string, svc: string): V1EndpointSlice[] {
    return this.all<V1EndpointSlice>('EndpointSlice').filter((s) => namespaceOf(s) === ns && s.metadata?.labels?.[SERVICE_NAME_LABEL] === svc);
  }
  networkPolicy(uid: string): V1NetworkPolicy | undefined {
    return this.get('NetworkPolicy', uid) as V1NetworkPolicy | undefined;
  }
  networkPolicies(): V1NetworkPolicy[] {
    return this.all('NetworkPolicy');
  }
  networkPoliciesIn(ns: string): V1NetworkPolicy[] {
    return this.all<V1NetworkPolicy>('NetworkPolicy').filter((p) => namespaceOf(p) === ns);
  }

  private of(kind: KubeKind): Map<string, KubernetesObject> {
    let map = this.objects.get(kind);
    if (!map) this.objects.set(kind, (map = new Map()));
    return map;
  }
}

/** A MappingContext whose config side the test fills in. */
export class TestContext implements MappingContext {
  podSubnets = ['10.32.0.0/12'];
  serviceSubnets = ['10.96.0.0/12'];
  readonly addresses = new Map<string, string[]>();
  readonly macs = new Map<string, string>();
  readonly networks = new Set<string>();

  constructor(readonly cluster = 'east') {}

  addressesOf(vmiUuid: string): string[] {
    return [...(this.addresses.get(vmiUuid) ?? [])].sort();
  }
  macOf(vmiUuid: string): string | undefined {
    return this.macs.get(vmiUuid);
  }
  networkExists(fqName: string[]): boolean {
    return this.networks.has(fqName.join(':'));
  }
}

/** The problems the config API's validator finds in a desired object's create body, as `type fq: path: message`. */
export function bodyProblems(objects: readonly DesiredObject[]): string[] {
  return objects.flatMap((object) => {
    const body = { uuid: object.uuid, fq_name: object.fqName, ...(object.parentType ? { parent_type: object.parentType } : {}), ...object.body };
    return validateResourceBody(object.type, body).problems.map((p) => `${object.type} ${object.fqName.join(':')}: ${p.path}: ${p.message}`);
  });
}

/** The desired objects by type and fq string, for readable assertions. */
export function byFq(objects: readonly DesiredObject[]): Map<string, DesiredObject> {
  return new Map(objects.map((o) => [`${o.type} ${o.fqName.join(':')}`, o]));
}

/** An annotations (KeyValuePairs) value as a plain map. */
export function pairs(value: unknown): Record<string, string> {
  const list = (value as { key_value_pair?: Array<{ key: string; value: string }> }).key_value_pair ?? [];
  return Object.fromEntries(list.map((p) => [p.key, p.value]));
}
