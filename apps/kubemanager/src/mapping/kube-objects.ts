import type {
  KubernetesObject,
  V1EndpointSlice,
  V1Namespace,
  V1NetworkPolicy,
  V1Node,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';

/** The Kubernetes kinds the kubemanager watches (docs/kubemanager.md §3). */
export const KUBE_KINDS = ['Namespace', 'Node', 'Pod', 'Service', 'EndpointSlice', 'NetworkPolicy'] as const;
export type KubeKind = (typeof KUBE_KINDS)[number];

export interface KubeObjectOfKind {
  Namespace: V1Namespace;
  Node: V1Node;
  Pod: V1Pod;
  Service: V1Service;
  EndpointSlice: V1EndpointSlice;
  NetworkPolicy: V1NetworkPolicy;
}

export type KubeObject = KubeObjectOfKind[KubeKind];

/** The label that ties an EndpointSlice to its Service. */
export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

export const uidOf = (object: KubernetesObject): string => object.metadata?.uid ?? '';
export const nameOf = (object: KubernetesObject): string => object.metadata?.name ?? '';
export const namespaceOf = (object: KubernetesObject): string => object.metadata?.namespace ?? 'default';
export const labelsOf = (object: KubernetesObject): Readonly<Record<string, string>> => object.metadata?.labels ?? {};
export const annotationsOf = (object: KubernetesObject): Readonly<Record<string, string>> => object.metadata?.annotations ?? {};
