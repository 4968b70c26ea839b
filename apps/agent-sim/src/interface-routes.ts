import type { agentProto } from '#libs/proto';
import type { AgentConfig } from './agent-config.js';

/** vRouter agents hand out MPLS labels from 16 up: 0-15 are reserved by MPLS. */
export const FIRST_LABEL = 16;
export const INTERFACE_ENCAPSULATIONS = ['MPLSoUDP', 'MPLSoGRE'];

export type RouteSet = Map<string, Map<string, agentProto.Route>>;

/** One label per interface for the agent's life, as a vRouter keeps an interface's label while it exists. */
export class LabelAllocator {
  private next = FIRST_LABEL;
  private readonly byInterface = new Map<string, number>();

  labelOf(interfaceUuid: string): number {
    let label = this.byInterface.get(interfaceUuid);
    if (label === undefined) {
      label = this.next++;
      this.byInterface.set(interfaceUuid, label);
    }
    return label;
  }
}

/** A host prefix: /32 for IPv4, /128 for IPv6. */
export function hostPrefix(ip: string): string {
  return ip.includes(':') ? `${ip.toLowerCase()}/128` : `${ip}/32`;
}

/** The routes a vRouter originates for the interfaces of its config: a host route per IP, into the interface's VRF. */
export function interfaceRoutes(config: AgentConfig, labels: LabelAllocator): RouteSet {
  const routes: RouteSet = new Map();
  for (const i of config.interfaces.values()) {
    if (!i.vrf || i.ipAddresses.length === 0) continue;
    const label = labels.labelOf(i.uuid);
    let table = routes.get(i.vrf);
    if (!table) routes.set(i.vrf, (table = new Map()));
    for (const ip of i.ipAddresses) {
      const prefix = hostPrefix(ip);
      table.set(prefix, {
        prefix,
        nextHop: '',
        label,
        encapsulations: [...INTERFACE_ENCAPSULATIONS],
        securityGroups: [...i.securityGroups],
        sequence: 0,
        localPreference: 0,
        interface: i.uuid,
      });
    }
  }
  return routes;
}

/** What to publish and withdraw to go from `current` to `wanted`. */
export function routeChanges(current: RouteSet, wanted: RouteSet): { publish: RouteSet; withdraw: Map<string, string[]> } {
  const publish: RouteSet = new Map();
  const withdraw = new Map<string, string[]>();
  for (const [vrf, table] of wanted) {
    for (const [prefix, route] of table) {
      const had = current.get(vrf)?.get(prefix);
      if (had && sameRoute(had, route)) continue;
      let out = publish.get(vrf);
      if (!out) publish.set(vrf, (out = new Map()));
      out.set(prefix, route);
    }
  }
  for (const [vrf, table] of current) {
    for (const prefix of table.keys()) {
      if (wanted.get(vrf)?.has(prefix)) continue;
      const out = withdraw.get(vrf) ?? [];
      out.push(prefix);
      withdraw.set(vrf, out);
    }
  }
  return { publish, withdraw };
}

function sameRoute(a: agentProto.Route, b: agentProto.Route): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
