import { ownerKey, parseOwnerKey, type OwnerKey, type OwnerKind } from './desired-object.js';

/** The marks every object a kubemanager writes carries (docs/kubemanager.md §1, contrail-kube-manager's own). */
export const OwnerMarks = {
  owner: 'owner',
  cluster: 'cluster',
  kind: 'kind',
  k8sUuid: 'k8s_uuid',
  namespace: 'namespace',
  name: 'name',
} as const;

/** The value of the `owner` mark: contrail-kube-manager's `kubernetes_cluster_owner` default. */
export const OWNER_K8S = 'k8s';

export interface Owner {
  cluster: string;
  kind: OwnerKind;
  /** The Kubernetes UID, or C for the cluster. */
  k8sUid: string;
  namespace?: string;
  name?: string;
}

export interface KeyValuePair {
  key: string;
  value: string;
}

/** A KeyValuePairs value with its pairs sorted by key, so equal maps give equal bodies. */
export function keyValuePairs(map: Readonly<Record<string, string>>): { key_value_pair: KeyValuePair[] } {
  const keys = Object.keys(map).sort();
  return { key_value_pair: keys.map((key) => ({ key, value: map[key] })) };
}

/** The `annotations` of an owned object: the ownership marks and any `extra` pairs. */
export function ownershipAnnotations(owner: Owner, extra: Readonly<Record<string, string>> = {}): { key_value_pair: KeyValuePair[] } {
  const marks: Record<string, string> = {
    ...extra,
    [OwnerMarks.owner]: OWNER_K8S,
    [OwnerMarks.cluster]: owner.cluster,
    [OwnerMarks.kind]: owner.kind,
    [OwnerMarks.k8sUuid]: owner.k8sUid,
  };
  if (owner.namespace !== undefined) marks[OwnerMarks.namespace] = owner.namespace;
  if (owner.name !== undefined) marks[OwnerMarks.name] = owner.name;
  return keyValuePairs(marks);
}

/** An object body's `annotations` as a map (later pairs win, as a map property does). */
export function annotationsOfBody(body: Readonly<Record<string, unknown>>): Map<string, string> {
  const out = new Map<string, string>();
  const pairs = (body.annotations as { key_value_pair?: unknown } | null | undefined)?.key_value_pair;
  if (!Array.isArray(pairs)) return out;
  for (const pair of pairs) {
    const { key, value } = (pair ?? {}) as { key?: unknown; value?: unknown };
    if (typeof key === 'string' && typeof value === 'string') out.set(key, value);
  }
  return out;
}

/**
 * §1: the owner key of an object owned by cluster `cluster` (`owner=k8s`, `cluster=C`, `kind`, `k8s_uuid`);
 * undefined for an object someone else made, or another cluster's.
 */
export function ownerKeyFromAnnotations(body: Readonly<Record<string, unknown>>, cluster: string): OwnerKey | undefined {
  const marks = annotationsOfBody(body);
  if (marks.get(OwnerMarks.owner) !== OWNER_K8S || marks.get(OwnerMarks.cluster) !== cluster) return undefined;
  const kind = marks.get(OwnerMarks.kind);
  const uid = marks.get(OwnerMarks.k8sUuid);
  if (kind === undefined || uid === undefined) return undefined;
  const key = ownerKey(kind as OwnerKind, uid);
  return parseOwnerKey(key) ? key : undefined;
}
