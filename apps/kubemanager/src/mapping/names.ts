/*
 * The fq_names of everything a kubemanager writes (docs/kubemanager.md §2, §3), every one scoped by the cluster
 * name C as contrail-kube-manager scopes its own (contrail-config-model.md §4.2).
 */

export const DOMAIN = 'default-domain';
export const GLOBAL_SYSTEM_CONFIG = 'default-global-system-config';

/** contrail-kube-manager's `VncCommon.make_name`: parts joined by `__`. */
export const makeName = (...parts: string[]): string => parts.join('__');

export const fqString = (fqName: readonly string[]): string => fqName.join(':');

export const clusterFqName = (cluster: string): string[] => [GLOBAL_SYSTEM_CONFIG, cluster];

/** The project of namespace `default` and of the cluster's shared objects. */
export const clusterProjectFqName = (cluster: string): string[] => [DOMAIN, `${cluster}-default`];

/** A namespace's project; `default`'s is the cluster's. */
export const namespaceProjectFqName = (cluster: string, namespace: string): string[] =>
  namespace === 'default' ? clusterProjectFqName(cluster) : [DOMAIN, `${cluster}-${namespace}`];

const inClusterProject = (cluster: string, name: string): string[] => [...clusterProjectFqName(cluster), `${cluster}-${name}`];

export const podIpamFqName = (cluster: string): string[] => inClusterProject(cluster, 'pod-ipam');
export const serviceIpamFqName = (cluster: string): string[] => inClusterProject(cluster, 'service-ipam');
export const defaultPodNetworkFqName = (cluster: string): string[] => inClusterProject(cluster, 'default-pod-network');
export const defaultServiceNetworkFqName = (cluster: string): string[] => inClusterProject(cluster, 'default-service-network');
export const podServicePolicyFqName = (cluster: string): string[] => inClusterProject(cluster, 'default-pod-service-np');

const inNamespaceProject = (cluster: string, namespace: string, name: string): string[] => [
  ...namespaceProjectFqName(cluster, namespace),
  name,
];

export const namespaceSecurityGroupFqName = (cluster: string, namespace: string): string[] =>
  inNamespaceProject(cluster, namespace, `${cluster}-${namespace}-default-sg`);
export const isolatedPodNetworkFqName = (cluster: string, namespace: string): string[] =>
  inNamespaceProject(cluster, namespace, `${cluster}-${namespace}-pod-network`);
export const isolatedServiceNetworkFqName = (cluster: string, namespace: string): string[] =>
  inNamespaceProject(cluster, namespace, `${cluster}-${namespace}-service-network`);
export const networkPolicyGroupFqName = (cluster: string, namespace: string, policy: string): string[] =>
  inNamespaceProject(cluster, namespace, `${cluster}-${namespace}-${policy}-np`);

/** The virtual-router of node n; the vRouter agent of n says hello with this name. */
export const virtualRouterName = (cluster: string, node: string): string => makeName(cluster, node);
export const virtualRouterFqName = (cluster: string, node: string): string[] => [GLOBAL_SYSTEM_CONFIG, virtualRouterName(cluster, node)];

export const virtualMachineFqName = (cluster: string, namespace: string, pod: string): string[] => [makeName(cluster, namespace, pod)];

/** Interface 0 is the primary (`p__<uid>`), i ≥ 1 the extra ones (`p__<uid>__net<i>`). */
const interfaceName = (pod: string, uid: string, index: number): string =>
  index === 0 ? makeName(pod, uid) : makeName(pod, uid, `net${index}`);

export const interfaceFqName = (cluster: string, namespace: string, pod: string, uid: string, index: number): string[] =>
  inNamespaceProject(cluster, namespace, interfaceName(pod, uid, index));
export const instanceIpFqName = (pod: string, uid: string, index: number): string[] => [interfaceName(pod, uid, index)];

export const serviceVipFqName = (cluster: string, namespace: string, service: string, uid: string): string[] => [
  makeName(cluster, namespace, service, uid),
];

/** The host id of a node in interface bindings: the name of its virtual-router. */
export const hostIdOf = virtualRouterName;
