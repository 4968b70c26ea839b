/*
 * The kubemanager's mapping (docs/kubemanager.md): a workload cluster's Kubernetes objects → the config objects
 * they imply. Pure: no I/O, no clock, no randomness.
 */
export { clusterObjects, FLAT_IPAM_REF_ATTR, policyRefAttr } from './cluster-objects.js';
export { hostSubnet, subnetOfCidr, type Address, type PolicyRule, type Port, type Ref, type Subnet } from './config-shapes.js';
export { desiredForKey } from './desired-for-key.js';
export {
  clusterKey,
  ownerKey,
  ownerKeyOf,
  parseOwnerKey,
  OWNER_KINDS,
  type DesiredObject,
  type OwnerKey,
  type OwnerKind,
} from './desired-object.js';
export { KUBE_KINDS, SERVICE_NAME_LABEL, type KubeKind, type KubeObject, type KubeObjectOfKind } from './kube-objects.js';
export type { DesiredForKey, KubeProblem, KubeProblemReason } from './kube-problem.js';
export type { KubeSnapshot } from './kube-snapshot.js';
export { selectorMatches } from './label-selector.js';
export type { MappingContext } from './mapping-context.js';
export * as Names from './names.js';
export { ISOLATED_NAMESPACE_LABEL, ISOLATION_ANNOTATION, isIsolated, namespaceObjects } from './namespace-objects.js';
export {
  NETWORK_ANNOTATION,
  NETWORKS_ANNOTATION,
  parseNetworkAnnotation,
  parseNetworksAnnotation,
  type NetworkSelection,
  type Parsed,
} from './network-annotations.js';
export { IPBLOCK_EXCEPT_ANNOTATION, networkPolicyObjects, policyTypesOf } from './network-policy-objects.js';
export { NETWORK_STATUS_ANNOTATION, networkStatusOf, VM_UUID_ANNOTATION, type InterfaceStatus } from './network-status.js';
export { nodeAddress, nodeObjects } from './node-objects.js';
export { deterministicUuid, objectUuid, Roles } from './object-uuid.js';
export { annotationsOfBody, keyValuePairs, OWNER_K8S, ownerKeyFromAnnotations, ownershipAnnotations, OwnerMarks, type Owner } from './ownership.js';
export { podInterfaces, podIsWired, podSecurityGroups, policySelectsPod, primaryInterfaceUuid, type PodInterface } from './pod-interfaces.js';
export { podObjects } from './pod-objects.js';
export { keysAffectedBy } from './related-keys.js';
export { serviceBackends, serviceHasVip, serviceObjects } from './service-objects.js';
