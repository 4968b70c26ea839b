import type { V1NetworkPolicy, V1Pod } from '@kubernetes/client-node';
import { ownerKeyOf } from './desired-object.js';
import { annotationsOf, labelsOf, nameOf, namespaceOf, uidOf } from './kube-objects.js';
import type { KubeProblem } from './kube-problem.js';
import type { KubeSnapshot } from './kube-snapshot.js';
import { selectorMatches } from './label-selector.js';
import type { MappingContext } from './mapping-context.js';
import { namespacePodNetwork } from './namespace-objects.js';
import { DOMAIN, fqString, instanceIpFqName, interfaceFqName, namespaceSecurityGroupFqName, networkPolicyGroupFqName } from './names.js';
import { NETWORK_ANNOTATION, NETWORKS_ANNOTATION, parseNetworkAnnotation, parseNetworksAnnotation } from './network-annotations.js';
import { objectUuid, Roles } from './object-uuid.js';

/** One interface of a pod: the primary (index 0, eth0) or extra interface i (net<i>). */
export interface PodInterface {
  index: number;
  /** The name inside the pod: `eth0`, `net1`, … */
  interfaceName: string;
  network: string[];
  vmiUuid: string;
  vmiFqName: string[];
  instanceIpUuid: string;
  instanceIpFqName: string[];
  /** The security groups the interface refs (§4), by fq_name. */
  securityGroups: string[][];
}

/**
 * §3: a pod gets config when it is scheduled (`spec.nodeName`), not `hostNetwork`, not finished (`Succeeded`,
 * `Failed`) and not being deleted. Otherwise its config is deleted.
 */
export function podIsWired(pod: V1Pod): boolean {
  const phase = pod.status?.phase;
  return Boolean(pod.spec?.nodeName) && pod.spec?.hostNetwork !== true && phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

/** Whether the NetworkPolicy's `podSelector` selects the pod (same namespace only). */
export function policySelectsPod(policy: V1NetworkPolicy, pod: V1Pod): boolean {
  return namespaceOf(policy) === namespaceOf(pod) && selectorMatches(policy.spec?.podSelector, labelsOf(pod));
}

/**
 * §4: the groups of every NetworkPolicy of the pod's namespace that selects it, sorted by policy name; the
 * namespace's default group when none does.
 */
export function podSecurityGroups(pod: V1Pod, snap: KubeSnapshot, cluster: string): string[][] {
  const namespace = namespaceOf(pod);
  const names = [...snap.networkPoliciesIn(namespace)]
    .filter((policy) => policySelectsPod(policy, pod))
    .map(nameOf)
    .sort();
  if (names.length === 0) return [namespaceSecurityGroupFqName(cluster, namespace)];
  return names.map((name) => networkPolicyGroupFqName(cluster, namespace, name));
}

/** The uuid of a pod's primary interface; NetworkPolicy peers and Service backends name pods by it. */
export const primaryInterfaceUuid = (cluster: string, podUid: string): string => objectUuid(cluster, Roles.interface(0), podUid);

/**
 * §3 Pod: the interfaces a wired pod gets, primary first, then one per entry of `k8s.v1.cni.cncf.io/networks` that
 * names an existing network; with a problem for each annotation that does not parse or names no network.
 */
export function podInterfaces(pod: V1Pod, snap: KubeSnapshot, ctx: MappingContext): { interfaces: PodInterface[]; problems: KubeProblem[] } {
  if (!podIsWired(pod)) return { interfaces: [], problems: [] };
  const { cluster } = ctx;
  const namespace = namespaceOf(pod);
  const name = nameOf(pod);
  const uid = uidOf(pod);
  const problems: KubeProblem[] = [];
  const problem = (reason: KubeProblem['reason'], message: string) =>
    problems.push({ key: ownerKeyOf('Pod', pod), kind: 'Pod', namespace, name, reason, message });
  const make = (index: number, network: string[], securityGroups: string[][]): PodInterface => ({
    index,
    interfaceName: index === 0 ? 'eth0' : `net${index}`,
    network,
    vmiUuid: objectUuid(cluster, Roles.interface(index), uid),
    vmiFqName: interfaceFqName(cluster, namespace, name, uid, index),
    instanceIpUuid: objectUuid(cluster, Roles.instanceIp(index), uid),
    instanceIpFqName: instanceIpFqName(name, uid, index),
    securityGroups,
  });

  const interfaces: PodInterface[] = [];
  const primary = primaryNetwork(pod, snap, ctx, problem);
  if (primary !== undefined) interfaces.push(make(0, primary, podSecurityGroups(pod, snap, cluster)));

  const text = annotationsOf(pod)[NETWORKS_ANNOTATION];
  if (text !== undefined) {
    const parsed = parseNetworksAnnotation(text);
    if (!parsed.ok) {
      problem('InvalidNetworkAnnotation', `annotation ${NETWORKS_ANNOTATION} of pod ${namespace}/${name} does not parse: ${parsed.error}`);
    } else {
      const groups = [namespaceSecurityGroupFqName(cluster, namespace)];
      parsed.value.forEach((selection, i) => {
        // CN2 keeps a namespace's networks in the project named after it.
        const network = [DOMAIN, selection.namespace ?? namespace, selection.name];
        if (ctx.networkExists(network)) interfaces.push(make(i + 1, network, groups));
        else problem('NetworkNotFound', `network ${fqString(network)} named by annotation ${NETWORKS_ANNOTATION} of pod ${namespace}/${name} does not exist`);
      });
    }
  }
  return { interfaces, problems };
}

/** The pod's primary interface, when it has one (Service backends and NetworkPolicy peers). */
export function primaryInterfaceOf(pod: V1Pod, snap: KubeSnapshot, ctx: MappingContext): PodInterface | undefined {
  const { interfaces } = podInterfaces(pod, snap, ctx);
  return interfaces[0]?.index === 0 ? interfaces[0] : undefined;
}

/**
 * The pod's network: its own `opencontrail.org/network` annotation, else its namespace's, else the namespace's own
 * pod network when isolated, else the cluster's. An annotation that does not parse, or names a network that does
 * not exist, leaves the pod without a primary interface (and says why).
 */
function primaryNetwork(
  pod: V1Pod,
  snap: KubeSnapshot,
  ctx: MappingContext,
  problem: (reason: KubeProblem['reason'], message: string) => void,
): string[] | undefined {
  const namespaceName = namespaceOf(pod);
  const namespace = snap.namespace(namespaceName);
  const own = annotationsOf(pod)[NETWORK_ANNOTATION];
  const inherited = namespace === undefined ? undefined : annotationsOf(namespace)[NETWORK_ANNOTATION];
  const [text, where] =
    own !== undefined ? [own, `pod ${namespaceName}/${nameOf(pod)}`] : inherited !== undefined ? [inherited, `namespace ${namespaceName}`] : [];
  if (text === undefined) return namespacePodNetwork(ctx.cluster, namespaceName, namespace);
  const parsed = parseNetworkAnnotation(text);
  if (!parsed.ok) {
    problem('InvalidNetworkAnnotation', `annotation ${NETWORK_ANNOTATION} of ${where} does not parse: ${parsed.error}`);
    return undefined;
  }
  if (!ctx.networkExists(parsed.value)) {
    problem('NetworkNotFound', `network ${fqString(parsed.value)} named by annotation ${NETWORK_ANNOTATION} of ${where} does not exist`);
    return undefined;
  }
  return parsed.value;
}
