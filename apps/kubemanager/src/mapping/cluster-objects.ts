import type { DesiredObject } from './desired-object.js';
import { clusterKey } from './desired-object.js';
import type { MappingContext } from './mapping-context.js';
import { ANY_PORT, refTo, subnetOfCidr, withRuleUuids, type Subnet } from './config-shapes.js';
import {
  clusterFqName,
  clusterProjectFqName,
  defaultPodNetworkFqName,
  defaultServiceNetworkFqName,
  fqString,
  podIpamFqName,
  podServicePolicyFqName,
  serviceIpamFqName,
} from './names.js';
import { objectUuid, Roles } from './object-uuid.js';
import { ownershipAnnotations } from './ownership.js';

/** The attribute of a network-policy ref on a VN (VirtualNetworkPolicyType), as vnc_api sends it. */
export const policyRefAttr = (major = 0, minor = 0) => ({ sequence: { major, minor }, timer: null });

/** The attribute of a VN's ref to a flat-subnet IPAM: no subnets of its own, it allocates from the IPAM's. */
export const FLAT_IPAM_REF_ATTR = { ipam_subnets: [] } as const;

/**
 * A flat-subnet virtual network on `ipam` (§2, §3 isolated namespaces): `address_allocation_mode:
 * flat-subnet-only`, L3 forwarding, stretched to cluster C.
 */
export function flatNetworkBody(cluster: string, ipam: readonly string[], annotations: object, policies: readonly string[][] = []): Record<string, unknown> {
  const body: Record<string, unknown> = {
    annotations,
    network_ipam_refs: [refTo(ipam, FLAT_IPAM_REF_ATTR)],
    address_allocation_mode: 'flat-subnet-only',
    virtual_network_properties: { forwarding_mode: 'l3' },
    cluster_refs: [refTo(clusterFqName(cluster))],
  };
  if (policies.length > 0) body.network_policy_refs = policies.map((policy) => refTo(policy, policyRefAttr()));
  return body;
}

function flatIpamBody(cidrs: readonly string[], annotations: object): Record<string, unknown> {
  const subnets = cidrs.map(subnetOfCidr).filter((s): s is Subnet => s !== undefined);
  return { annotations, ipam_subnet_method: 'flat-subnet', ipam_subnets: { subnets: subnets.map((subnet) => ({ subnet })) } };
}

/**
 * §2: the objects of cluster C itself, owned by `Cluster/C`: its project, the flat pod and service IPAMs, the
 * default pod and service networks, and the policy that joins them.
 */
export function clusterObjects(ctx: MappingContext): DesiredObject[] {
  const { cluster } = ctx;
  const key = clusterKey(cluster);
  const annotations = ownershipAnnotations({ cluster, kind: 'Cluster', k8sUid: cluster });
  const uuid = (role: string) => objectUuid(cluster, role, cluster);
  const object = (type: string, role: string, fqName: string[], parentType: string, body: Record<string, unknown>): DesiredObject => ({
    type,
    uuid: uuid(role),
    fqName,
    parentType,
    body,
    ownerKey: key,
  });
  const podNetwork = defaultPodNetworkFqName(cluster);
  const serviceNetwork = defaultServiceNetworkFqName(cluster);
  const policy = podServicePolicyFqName(cluster);
  const policyRules = withRuleUuids(uuid(Roles.podServicePolicy), [
    {
      direction: '<>',
      protocol: 'any',
      ethertype: 'IPv4',
      src_addresses: [{ virtual_network: fqString(podNetwork) }],
      src_ports: [ANY_PORT],
      dst_addresses: [{ virtual_network: fqString(serviceNetwork) }],
      dst_ports: [ANY_PORT],
      action_list: { simple_action: 'pass' },
    },
  ]);
  return [
    object('project', Roles.project, clusterProjectFqName(cluster), 'domain', { annotations }),
    object('network-ipam', Roles.podIpam, podIpamFqName(cluster), 'project', flatIpamBody(ctx.podSubnets, annotations)),
    object('network-ipam', Roles.serviceIpam, serviceIpamFqName(cluster), 'project', flatIpamBody(ctx.serviceSubnets, annotations)),
    object('network-policy', Roles.podServicePolicy, policy, 'project', { annotations, network_policy_entries: { policy_rule: policyRules } }),
    object('virtual-network', Roles.podNetwork, podNetwork, 'project', flatNetworkBody(cluster, podIpamFqName(cluster), annotations, [policy])),
    object('virtual-network', Roles.serviceNetwork, serviceNetwork, 'project', flatNetworkBody(cluster, serviceIpamFqName(cluster), annotations, [policy])),
  ];
}
