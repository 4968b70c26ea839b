import { globalAsn, type ConfigObject, type ConfigView } from '#libs/domain';
import { policiesOf } from './acl.js';
import { connectionsOf } from './connectivity.js';
import type { VrfConfig } from './network-config-types.js';
import { Types, asNumber, asRecord, fqOf, nameOf, refUuids, routeTargetsOf, sortedUnique, vrfNameOf } from './object-fields.js';

/** The number a VN holds in the route-target pool, if any. */
function routeTargetNumberOf(vn: ConfigObject): number | undefined {
  for (const allocation of vn.allocations) {
    if (allocation.kind === 'number' && allocation.pool === 'route-target') return allocation.number;
  }
  return undefined;
}

function networkIdOf(vn: ConfigObject): number {
  return asNumber(vn.props.virtual_network_network_id) ?? asNumber(asRecord(vn.props.virtual_network_properties)?.network_id) ?? 0;
}

/** Names of the clusters a VN is stretched to; refs to missing clusters are skipped. */
function clustersOf(source: ConfigView, vn: ConfigObject): string[] {
  const names: string[] = [];
  for (const uuid of refUuids(vn, Types.cluster)) {
    const cluster = source.get(uuid);
    if (cluster?.type === Types.cluster) names.push(nameOf(cluster));
  }
  return sortedUnique(names);
}

interface OwnTargets {
  imports: string[];
  exports: string[];
}

/**
 * Every VN's VRF (semantics §1): targets from the VN and the global ASN, imports widened by the exports of the
 * connected VRFs (§2). `networks` holds every live VN by uuid, `routers` every live VNR.
 */
export function vrfConfigsOf(source: ConfigView, networks: ReadonlyMap<string, ConfigObject>, routers: Iterable<ConfigObject>): Map<string, VrfConfig> {
  const asn = globalAsn(source);
  const connections = connectionsOf(source, networks, routers);
  const own = new Map<string, OwnTargets & { system: string }>();
  for (const vn of networks.values()) {
    const number = routeTargetNumberOf(vn);
    const system = number === undefined ? '' : `target:${asn}:${number}`;
    const both = [...(system ? [system] : []), ...routeTargetsOf(vn, 'route_target_list')];
    own.set(vn.uuid, {
      system,
      imports: sortedUnique([...both, ...routeTargetsOf(vn, 'import_route_target_list')]),
      exports: sortedUnique([...both, ...routeTargetsOf(vn, 'export_route_target_list')]),
    });
  }
  const out = new Map<string, VrfConfig>();
  for (const vn of networks.values()) {
    const targets = own.get(vn.uuid)!;
    const connected = [...(connections.get(vn.uuid) ?? [])];
    const networkId = networkIdOf(vn);
    const name = vrfNameOf(vn);
    out.set(name, {
      name,
      virtualNetwork: fqOf(vn),
      virtualNetworkUuid: vn.uuid,
      networkId,
      vxlanId: asNumber(asRecord(vn.props.virtual_network_properties)?.vxlan_network_identifier) ?? networkId,
      systemTarget: targets.system,
      importTargets: sortedUnique([...targets.imports, ...connected.flatMap((uuid) => own.get(uuid)!.exports)]),
      exportTargets: targets.exports,
      connections: sortedUnique(connected.map((uuid) => vrfNameOf(networks.get(uuid)!))),
      acl: policiesOf(vn, (uuid) => source.get(uuid)).length > 0 ? fqOf(vn) : '',
      clusters: clustersOf(source, vn),
    });
  }
  return out;
}
