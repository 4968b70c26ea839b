import type { AgentConfig, ClusterDesiredState, RouteTargetUse, VrfConfig } from './network-config-types.js';
import { sortedUnique } from './object-fields.js';

/**
 * One cluster's desired state (semantics §5): its agents, the VRFs they use plus those stretched to the cluster,
 * and who imports and exports each route target among those VRFs. `agents` are the cluster's, sorted by name.
 */
export function clusterDesiredStateOf(cluster: string, position: number, agents: AgentConfig[], stretched: Iterable<VrfConfig>): ClusterDesiredState {
  const vrfs = new Map<string, VrfConfig>();
  for (const agent of agents) for (const vrf of agent.vrfs) vrfs.set(vrf.name, vrf);
  for (const vrf of stretched) vrfs.set(vrf.name, vrf);
  const sorted = [...vrfs.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const uses = new Map<string, { importedBy: string[]; exportedBy: string[] }>();
  const use = (target: string) => {
    let entry = uses.get(target);
    if (!entry) uses.set(target, (entry = { importedBy: [], exportedBy: [] }));
    return entry;
  };
  for (const vrf of sorted) {
    for (const target of vrf.importTargets) use(target).importedBy.push(vrf.name);
    for (const target of vrf.exportTargets) use(target).exportedBy.push(vrf.name);
  }
  const routeTargets: RouteTargetUse[] = sortedUnique(uses.keys()).map((target) => {
    const entry = uses.get(target)!;
    return { target, importedBy: entry.importedBy, exportedBy: entry.exportedBy };
  });
  return { cluster, position, virtualRouters: agents, vrfs: sorted, routeTargets };
}
