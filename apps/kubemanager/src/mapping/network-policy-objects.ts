import type { V1NetworkPolicy, V1NetworkPolicyIngressRule, V1NetworkPolicyPeer, V1NetworkPolicyPort, V1Pod } from '@kubernetes/client-node';
import {
  ALL_PORTS,
  ANY_IPV4,
  compareIpAddresses,
  etherTypeOf,
  hostSubnet,
  subnetOfCidr,
  withRuleUuids,
  type Address,
  type EtherType,
  type Port,
  type RuleWithoutUuid,
} from './config-shapes.js';
import { ownerKeyOf, type DesiredObject } from './desired-object.js';
import { labelsOf, nameOf, namespaceOf, uidOf } from './kube-objects.js';
import type { DesiredForKey, KubeProblem } from './kube-problem.js';
import type { KubeSnapshot } from './kube-snapshot.js';
import { selectorMatches } from './label-selector.js';
import type { MappingContext } from './mapping-context.js';
import { networkPolicyGroupFqName } from './names.js';
import { objectUuid, Roles } from './object-uuid.js';
import { ownershipAnnotations } from './ownership.js';
import { podIsWired, policySelectsPod, primaryInterfaceUuid } from './pod-interfaces.js';
import { EGRESS_TO_ANY, egressRule, INGRESS_FROM_ANY, ingressRule } from './security-group-rules.js';

/** The annotation on a policy's group recording the ipBlock `except`s it could not model. */
export const IPBLOCK_EXCEPT_ANNOTATION = 'ipblock_except';

/**
 * Kubernetes protocol → PolicyRuleType protocol. The config API knows the names tcp and udp, and SCTP only by its
 * protocol number.
 */
const PROTOCOLS: Readonly<Record<string, string>> = { TCP: 'tcp', UDP: 'udp', SCTP: '132' };

/** `spec.policyTypes`, or as Kubernetes defaults it: Ingress, plus Egress when the spec has egress rules (`egress: []` has none). */
export function policyTypesOf(policy: V1NetworkPolicy): Set<string> {
  const given = policy.spec?.policyTypes;
  if (given !== undefined && given.length > 0) return new Set(given);
  return new Set((policy.spec?.egress?.length ?? 0) > 0 ? ['Ingress', 'Egress'] : ['Ingress']);
}

interface PeerAddresses {
  addresses: Address[];
  /** The pods behind the addresses, where named ports are looked up (egress). */
  pods: V1Pod[];
}

interface PortMatch {
  protocol: string;
  ports: Port;
}

/**
 * §3 NetworkPolicy: a security group whose rules allow what the policy allows. The pods the policy selects ref it
 * instead of their namespace's default group (§4), so what it does not allow is denied.
 */
export function networkPolicyObjects(policy: V1NetworkPolicy, snap: KubeSnapshot, ctx: MappingContext): DesiredForKey {
  const { cluster } = ctx;
  const namespace = namespaceOf(policy);
  const name = nameOf(policy);
  const uid = uidOf(policy);
  const key = ownerKeyOf('NetworkPolicy', policy);
  const problems: KubeProblem[] = [];
  const excepts: string[] = [];
  const problem = (reason: KubeProblem['reason'], message: string) => problems.push({ key, kind: 'NetworkPolicy', namespace, name, reason, message });

  const peerAddresses = (peer: V1NetworkPolicyPeer | undefined): PeerAddresses => {
    if (peer === undefined) return { addresses: [ANY_IPV4], pods: [] };
    if (peer.ipBlock !== undefined) {
      const subnet = subnetOfCidr(peer.ipBlock.cidr);
      if (subnet === undefined) {
        problem('InvalidIpBlock', `ipBlock cidr '${peer.ipBlock.cidr}' of network policy ${namespace}/${name} is not a CIDR block: that peer allows nothing`);
        return { addresses: [], pods: [] };
      }
      const except = peer.ipBlock.except ?? [];
      if (except.length > 0) {
        excepts.push(`${peer.ipBlock.cidr} except ${except.join(',')}`);
        const message = `ipBlock ${peer.ipBlock.cidr} of network policy ${namespace}/${name}: except (${except.join(', ')}) cannot be expressed by a security group; all of ${peer.ipBlock.cidr} is allowed`;
        problem('IpBlockExceptNotSupported', message);
      }
      return { addresses: [{ subnet }], pods: [] };
    }
    const pods = peerPods(policy, peer, snap);
    const addresses = [...new Set(pods.flatMap((pod) => ctx.addressesOf(primaryInterfaceUuid(cluster, uidOf(pod)))))].sort(compareIpAddresses);
    return { addresses: addresses.map(hostSubnet).filter((s) => s !== undefined).map((subnet) => ({ subnet })), pods };
  };

  const types = policyTypesOf(policy);
  const selected = [...snap.podsIn(namespace)].filter((pod) => podIsWired(pod) && policySelectsPod(policy, pod));
  const rules: RuleWithoutUuid[] = [];
  if (types.has('Ingress')) {
    for (const rule of policy.spec?.ingress ?? []) {
      for (const peer of peersOf(sourcesOf(rule))) {
        const { addresses } = peerAddresses(peer);
        // A named port is the port of that name on the pods the traffic goes to: the selected ones.
        for (const match of portMatches(rule.ports, selected)) {
          for (const [ethertype, peerAddresses] of byEtherType(addresses)) rules.push(ingressRule({ ...match, ethertype, peer: peerAddresses }));
        }
      }
    }
  } else {
    rules.push(INGRESS_FROM_ANY);
  }
  if (types.has('Egress')) {
    for (const rule of policy.spec?.egress ?? []) {
      for (const peer of peersOf(rule.to)) {
        const { addresses, pods } = peerAddresses(peer);
        for (const match of portMatches(rule.ports, pods)) {
          for (const [ethertype, peerAddresses] of byEtherType(addresses)) rules.push(egressRule({ ...match, ethertype, peer: peerAddresses }));
        }
      }
    }
  } else {
    rules.push(EGRESS_TO_ANY);
  }

  const groupUuid = objectUuid(cluster, Roles.networkPolicyGroup, uid);
  const extra: Record<string, string> = excepts.length > 0 ? { [IPBLOCK_EXCEPT_ANNOTATION]: excepts.join('; ') } : {};
  const group: DesiredObject = {
    type: 'security-group',
    uuid: groupUuid,
    fqName: networkPolicyGroupFqName(cluster, namespace, name),
    parentType: 'project',
    body: {
      annotations: ownershipAnnotations({ cluster, kind: 'NetworkPolicy', k8sUid: uid, namespace, name }, extra),
      security_group_entries: { policy_rule: withRuleUuids(groupUuid, rules) },
    },
    ownerKey: key,
  };
  return { objects: [group], problems };
}

/**
 * An ingress rule's `from`. The client library's model calls it `_from` (what a list answers, deserialized);
 * a watch event carries the API's JSON, `from`.
 */
function sourcesOf(rule: V1NetworkPolicyIngressRule): V1NetworkPolicyPeer[] | undefined {
  return rule._from ?? (rule as { from?: V1NetworkPolicyPeer[] }).from;
}

/** A rule's peers; one `any` peer (undefined) when it lists none. */
function peersOf(peers: V1NetworkPolicyPeer[] | undefined): Array<V1NetworkPolicyPeer | undefined> {
  return peers === undefined || peers.length === 0 ? [undefined] : peers;
}

/**
 * The running pods a selector peer names: `podSelector` alone selects in the policy's namespace;
 * `namespaceSelector` picks the namespaces, where `podSelector` (if any) then selects.
 */
function peerPods(policy: V1NetworkPolicy, peer: V1NetworkPolicyPeer, snap: KubeSnapshot): V1Pod[] {
  const namespaces =
    peer.namespaceSelector === undefined
      ? [namespaceOf(policy)]
      : [...snap.namespaces()].filter((ns) => selectorMatches(peer.namespaceSelector, labelsOf(ns))).map(nameOf);
  return namespaces.flatMap((namespace) =>
    [...snap.podsIn(namespace)].filter((pod) => podIsWired(pod) && selectorMatches(peer.podSelector, labelsOf(pod))),
  );
}

/** A rule's ports: every protocol and port without any; else per entry (protocol default TCP), named ports looked up on `pods`. */
function portMatches(ports: V1NetworkPolicyPort[] | undefined, pods: readonly V1Pod[]): PortMatch[] {
  if (ports === undefined || ports.length === 0) return [{ protocol: 'any', ports: ALL_PORTS }];
  return ports.flatMap((entry): PortMatch[] => {
    const kubeProtocol = (entry.protocol ?? 'TCP').toUpperCase();
    const protocol = PROTOCOLS[kubeProtocol];
    if (protocol === undefined) return [];
    if (entry.port === undefined) return [{ protocol, ports: ALL_PORTS }];
    if (typeof entry.port === 'number') return [{ protocol, ports: { start_port: entry.port, end_port: entry.endPort ?? entry.port } }];
    return namedPortNumbers(pods, entry.port, kubeProtocol).map((port) => ({ protocol, ports: { start_port: port, end_port: port } }));
  });
}

/** The numbers a named container port has on the pods (it may differ from pod to pod), sorted. */
function namedPortNumbers(pods: readonly V1Pod[], name: string, protocol: string): number[] {
  const numbers = new Set<number>();
  for (const pod of pods) {
    for (const container of pod.spec?.containers ?? []) {
      for (const port of container.ports ?? []) {
        if (port.name === name && (port.protocol ?? 'TCP').toUpperCase() === protocol) numbers.add(port.containerPort);
      }
    }
  }
  return [...numbers].sort((a, b) => a - b);
}

/** Addresses by ethertype, IPv4 first; families with no address give no rule. */
function byEtherType(addresses: readonly Address[]): Array<[EtherType, Address[]]> {
  const out: Array<[EtherType, Address[]]> = [];
  for (const family of ['IPv4', 'IPv6'] as const) {
    const mine = addresses.filter((address) => 'subnet' in address && etherTypeOf(address.subnet) === family);
    if (mine.length > 0) out.push([family, mine]);
  }
  return out;
}
