import type { ConfigObject, ConfigView } from '#libs/domain';
import { aclOf, policiesOf, securityGroupConfigOf, type Lookup } from './acl.js';
import { DEFAULT_CLUSTER, type AclConfig, type AgentConfig, type InterfaceConfig, type SecurityGroupConfig, type VirtualRouterConfig, type VrfConfig } from './network-config-types.js';
import { Types, asList, asNumber, asRecord, asString, fqNameOf, fqOf, keyValueOf, nameOf, refUuids, sortedUnique, vrfNameOf } from './object-fields.js';

/** Dependency key of a VRF's config: agents using the VRF are recomputed when it changes. */
export const vrfKey = (name: string): string => `vrf:${name}`;
/** Dependency key of a security-group name lookup that found nothing: a group created under it must be noticed. */
export const securityGroupNameKey = (fq: string): string => `security-group:${fq}`;

/** The host a virtual-machine-interface is bound to (`virtual_machine_interface_bindings` `host_id`). */
export const hostOf = (vmi: ConfigObject): string | undefined => keyValueOf(vmi, 'virtual_machine_interface_bindings', 'host_id');

export interface AgentContext {
  source: ConfigView;
  vrf(name: string): VrfConfig | undefined;
  /** Uuids of the interfaces bound to this host name. */
  interfacesOnHost(host: string): Iterable<string>;
}

/** An agent's config and every key (uuids read, VRFs used, names looked up) it was computed from. */
export interface ComputedAgent {
  config: AgentConfig;
  dependencies: Set<string>;
}

/** A virtual-router's identity; its cluster is the first one its cluster_refs names (semantics §4). */
export function virtualRouterConfigOf(router: ConfigObject, lookup: Lookup): VirtualRouterConfig {
  const first = refUuids(router, Types.cluster)[0];
  const cluster = first === undefined ? undefined : lookup(first);
  return {
    uuid: router.uuid,
    name: nameOf(router),
    address: asString(router.props.virtual_router_ip_address) ?? '',
    cluster: cluster?.type === Types.cluster ? nameOf(cluster) : DEFAULT_CLUSTER,
  };
}

/** What one agent is told (semantics §4), recording what it read so that the model knows when to recompute it. */
export function agentConfigOf(router: ConfigObject, context: AgentContext): ComputedAgent {
  const { source } = context;
  const dependencies = new Set<string>([router.uuid]);
  const lookup: Lookup = (uuid) => {
    dependencies.add(uuid);
    return source.get(uuid);
  };
  const securityGroupId = (fq: string): number | undefined => {
    const uuid = source.uuidOf(Types.securityGroup, fqNameOf(fq));
    const group = uuid === undefined ? undefined : lookup(uuid);
    if (group?.type === Types.securityGroup) return asNumber(group.props.security_group_id);
    dependencies.add(securityGroupNameKey(fq));
    return undefined;
  };

  const virtualRouter = virtualRouterConfigOf(router, lookup);
  const candidates = new Set<string>(context.interfacesOnHost(virtualRouter.name));
  for (const vm of refUuids(router, Types.virtualMachine)) {
    for (const referrer of source.backRefs(vm)) if (referrer.type === Types.virtualMachineInterface) candidates.add(referrer.uuid);
  }

  const interfaces: InterfaceConfig[] = [];
  const networks = new Map<string, ConfigObject>();
  const groups = new Map<string, ConfigObject>();
  for (const uuid of [...candidates].sort()) {
    const vmi = lookup(uuid);
    if (vmi?.type !== Types.virtualMachineInterface) continue;
    const vnUuid = refUuids(vmi, Types.virtualNetwork)[0];
    const network = vnUuid === undefined ? undefined : lookup(vnUuid);
    // An interface without a live network carries nothing: it is left out (the deciders never let that happen).
    if (network?.type !== Types.virtualNetwork) continue;
    networks.set(network.uuid, network);
    const securityGroups: number[] = [];
    for (const sgUuid of refUuids(vmi, Types.securityGroup)) {
      const group = lookup(sgUuid);
      if (group?.type !== Types.securityGroup) continue;
      groups.set(group.uuid, group);
      const id = asNumber(group.props.security_group_id);
      if (id !== undefined) securityGroups.push(id);
    }
    interfaces.push({
      uuid: vmi.uuid,
      name: fqOf(vmi),
      macAddress: asList(asRecord(vmi.props.virtual_machine_interface_mac_addresses)?.mac_address).find((mac) => typeof mac === 'string') ?? '',
      ipAddresses: addressesOf(vmi, source, lookup),
      virtualNetwork: fqOf(network),
      vrf: vrfNameOf(network),
      securityGroups,
      policyDisabled: vmi.props.virtual_machine_interface_disable_policy === true,
      portSecurity: vmi.props.port_security_enabled !== false,
    });
  }

  const vrfs: VrfConfig[] = [];
  const acls: AclConfig[] = [];
  for (const network of [...networks.values()].sort((a, b) => compare(vrfNameOf(a), vrfNameOf(b)))) {
    const name = vrfNameOf(network);
    dependencies.add(vrfKey(name));
    const vrf = context.vrf(name);
    if (vrf) vrfs.push(vrf);
    const policies = policiesOf(network, lookup);
    if (policies.length > 0) acls.push(aclOf(network, policies, securityGroupId));
  }
  acls.sort((a, b) => compare(a.name, b.name));
  const securityGroups: SecurityGroupConfig[] = [...groups.values()]
    .sort((a, b) => compare(a.uuid, b.uuid))
    .map((group) => securityGroupConfigOf(group, securityGroupId));
  return { config: { virtualRouter, interfaces, vrfs, acls, securityGroups }, dependencies };
}

/** The addresses of the instance-ips that ref an interface, sorted. */
function addressesOf(vmi: ConfigObject, source: ConfigView, lookup: Lookup): string[] {
  const addresses: string[] = [];
  for (const referrer of source.backRefs(vmi.uuid)) {
    if (referrer.type !== Types.instanceIp) continue;
    const ip = lookup(referrer.uuid);
    const address = asString(ip?.props.instance_ip_address);
    if (address !== undefined) addresses.push(address);
  }
  return sortedUnique(addresses);
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
