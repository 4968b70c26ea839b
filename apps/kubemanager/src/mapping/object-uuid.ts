import { createHash } from 'node:crypto';

/** The name space of the kubemanager's uuids (RFC 4122 §4.3): a fixed, random uuid of ours. */
const KUBEMANAGER_NAMESPACE = Buffer.from('3f6b1c2ad8e54e0b9a7c4d1e5f8a2b6c', 'hex');

/**
 * The role of an object among those one Kubernetes object (or the cluster) owns: with the cluster name and the
 * UID it makes the object's uuid (docs/kubemanager.md §1).
 */
export const Roles = {
  project: 'project',
  securityGroup: 'sg',
  podNetwork: 'pod-vn',
  serviceNetwork: 'service-vn',
  podIpam: 'pod-ipam',
  serviceIpam: 'service-ipam',
  podServicePolicy: 'pod-service-np',
  virtualRouter: 'vr',
  /** A pod's primary interface and its instance-ip; extra interface i uses `vmi:<i>` and `iip:<i>`. */
  interface: (index: number): string => (index === 0 ? 'vmi' : `vmi:${index}`),
  instanceIp: (index: number): string => (index === 0 ? 'iip' : `iip:${index}`),
  serviceVip: 'vip',
  networkPolicyGroup: 'np-sg',
} as const;

/**
 * A version-5-shaped uuid from the SHA-1 of our name space and `parts`: the same parts give the same uuid in every
 * process and after every restart, so a repeated create names an object that exists and duplicates nothing.
 */
export function deterministicUuid(...parts: string[]): string {
  const hash = createHash('sha1').update(KUBEMANAGER_NAMESPACE).update(parts.join('\u0000'), 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The uuid of the object playing `role` for Kubernetes object `k8sUid` (or the cluster: `k8sUid` = C) of cluster C. */
export function objectUuid(cluster: string, role: string, k8sUid: string): string {
  return deterministicUuid(cluster, role, k8sUid);
}
