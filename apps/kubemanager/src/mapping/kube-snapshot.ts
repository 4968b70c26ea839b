import type {
  KubernetesObject,
  V1EndpointSlice,
  V1Namespace,
  V1NetworkPolicy,
  V1Node,
  V1Pod,
  V1Service,
} from '@kubernetes/client-node';
import type { KubeKind } from './kube-objects.js';

/**
 * The workload cluster's Kubernetes objects as the mapping reads them: the runtime implements it over its
 * list/watch caches (every method answers from memory; nothing here may do I/O).
 */
export interface KubeSnapshot {
  /** Any watched object by kind and UID. */
  get(kind: KubeKind, uid: string): KubernetesObject | undefined;
  namespace(name: string): V1Namespace | undefined;
  namespaces(): Iterable<V1Namespace>;
  node(name: string): V1Node | undefined;
  pod(uid: string): V1Pod | undefined;
  pods(): Iterable<V1Pod>;
  podsIn(namespace: string): Iterable<V1Pod>;
  service(uid: string): V1Service | undefined;
  serviceNamed(namespace: string, name: string): V1Service | undefined;
  services(): Iterable<V1Service>;
  /** The EndpointSlices labelled `kubernetes.io/service-name: <service>` in the namespace. */
  endpointSlicesOf(namespace: string, service: string): Iterable<V1EndpointSlice>;
  networkPolicy(uid: string): V1NetworkPolicy | undefined;
  networkPolicies(): Iterable<V1NetworkPolicy>;
  networkPoliciesIn(namespace: string): Iterable<V1NetworkPolicy>;
}
