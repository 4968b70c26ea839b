import type { DesiredObject, OwnerKey } from './desired-object.js';
import type { KubeKind } from './kube-objects.js';

/** Why a Kubernetes object is not (fully) mapped; the runtime records each as a Warning Event on the object. */
export type KubeProblemReason =
  /** A network annotation that does not parse (§3 Pod). */
  | 'InvalidNetworkAnnotation'
  /** A network annotation naming a virtual network that does not exist (yet). */
  | 'NetworkNotFound'
  /** A Node with neither an InternalIP nor an ExternalIP: no virtual-router. */
  | 'NoNodeAddress'
  /** A Service whose clusterIP lies outside the cluster's service subnets: no VIP. */
  | 'ClusterIpOutsideServiceSubnets'
  /** A NetworkPolicy ipBlock whose cidr does not parse: that peer allows nothing. */
  | 'InvalidIpBlock'
  /** A NetworkPolicy ipBlock with `except`, which security groups cannot express: the whole cidr is allowed. */
  | 'IpBlockExceptNotSupported';

export interface KubeProblem {
  /** The owner key the problem was found computing. */
  key: OwnerKey;
  /** The Kubernetes object the Event is about. */
  kind: KubeKind;
  namespace?: string;
  name: string;
  reason: KubeProblemReason;
  /** What is wrong, in words a cluster user can act on. */
  message: string;
}

/** What one owner key wants: its config objects, and what could not be mapped. */
export interface DesiredForKey {
  objects: DesiredObject[];
  problems: KubeProblem[];
}
