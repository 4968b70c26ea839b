import type { KubernetesObject } from '@kubernetes/client-node';
import { uidOf } from './kube-objects.js';

/**
 * A config object as the kubemanager wants it. `body` holds the REST body's properties and the refs it manages
 * (the ownership annotations included), each ref as `{to: fq_name, attr?}`; never uuid, fq_name or parent_type.
 */
export interface DesiredObject {
  type: string;
  uuid: string;
  fqName: string[];
  /** The parent's type when the type has one (`project`, `domain`, `global-system-config`). */
  parentType?: string;
  body: Record<string, unknown>;
  ownerKey: OwnerKey;
}

/** `<kind>/<k8s_uuid>`: `Pod/5f0c…`, `Namespace/…`, `Node/…`, `Service/…`, `NetworkPolicy/…`, `Cluster/<name>` (§1). */
export type OwnerKey = string;

/** The kinds that own config objects; EndpointSlices own none (their Service does). */
export const OWNER_KINDS = ['Cluster', 'Namespace', 'Node', 'Pod', 'Service', 'NetworkPolicy'] as const;
export type OwnerKind = (typeof OWNER_KINDS)[number];

export function ownerKey(kind: OwnerKind, k8sUid: string): OwnerKey {
  return `${kind}/${k8sUid}`;
}

/** The owner key of a Kubernetes object of an owning kind. */
export function ownerKeyOf(kind: Exclude<OwnerKind, 'Cluster'>, object: KubernetesObject): OwnerKey {
  return ownerKey(kind, uidOf(object));
}

export const clusterKey = (cluster: string): OwnerKey => ownerKey('Cluster', cluster);

/** `Pod/5f0c…` → `{kind: 'Pod', id: '5f0c…'}`; undefined for a key of no owning kind. */
export function parseOwnerKey(key: OwnerKey): { kind: OwnerKind; id: string } | undefined {
  const slash = key.indexOf('/');
  if (slash <= 0) return undefined;
  const kind = key.slice(0, slash);
  const id = key.slice(slash + 1);
  if (id === '' || !(OWNER_KINDS as readonly string[]).includes(kind)) return undefined;
  return { kind: kind as OwnerKind, id };
}
