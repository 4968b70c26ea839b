import { isIP } from 'node:net';
import { canonicalPrefix, RoutingError, type PathAttributes } from '#libs/routing';

/** A route as an agent sends it, before checks (the wire decoders produce this). */
export interface RouteInput {
  prefix: string;
  nextHop: string;
  label: number;
  encapsulations: string[];
  securityGroups: number[];
  sequence: number;
  localPreference: number;
}

export const ENCAPSULATIONS: ReadonlySet<string> = new Set(['MPLSoUDP', 'MPLSoGRE', 'VXLAN']);
/** MPLS labels are 20 bits and VXLAN ids 24: the label field carries either. */
const MAX_LABEL = 2 ** 24 - 1;
const MAX_U32 = 2 ** 32 - 1;

export interface CheckedRoute {
  prefix: string;
  attributes: PathAttributes;
}

/**
 * Checks every route of one publish and returns them canonical, or throws a RoutingError naming the first bad
 * route and field: a publish is taken whole or not at all.
 */
export function checkRoutes(routes: readonly RouteInput[], agentAddress: string): CheckedRoute[] {
  return routes.map((route, index) => {
    const where = `route ${index} (${JSON.stringify(route.prefix)})`;
    let prefix: string;
    try {
      prefix = canonicalPrefix(route.prefix);
    } catch (error) {
      throw new RoutingError(`${where}: ${(error as Error).message}`);
    }
    const nextHop = route.nextHop === '' ? agentAddress : route.nextHop;
    if (isIP(nextHop) === 0) throw new RoutingError(`${where}: next_hop must be an IP address, got ${JSON.stringify(nextHop)}`);
    if (!Number.isInteger(route.label) || route.label < 0 || route.label > MAX_LABEL) {
      throw new RoutingError(`${where}: label must be an integer from 0 to ${MAX_LABEL}, got ${route.label}`);
    }
    for (const encapsulation of route.encapsulations) {
      if (!ENCAPSULATIONS.has(encapsulation)) {
        throw new RoutingError(`${where}: unknown encapsulation ${JSON.stringify(encapsulation)} (known: ${[...ENCAPSULATIONS].join(', ')})`);
      }
    }
    for (const id of route.securityGroups) {
      if (!Number.isInteger(id) || id < 0 || id > MAX_U32) throw new RoutingError(`${where}: security group id ${id} is out of range`);
    }
    return {
      prefix,
      attributes: {
        nextHop,
        label: route.label,
        encapsulations: [...new Set(route.encapsulations)],
        securityGroups: [...route.securityGroups],
        sequence: route.sequence,
        localPreference: route.localPreference,
      },
    };
  });
}

/** Checks a hello's fields; returns the problem, or undefined. */
export function helloProblem(hello: { agentName: string; address: string; cluster: string }): string | undefined {
  if (hello.agentName.trim() === '') return 'hello.agent_name is empty';
  if (hello.agentName.length > 255 || /[\s:]/.test(hello.agentName)) {
    return `hello.agent_name ${quoted(hello.agentName)} is not a virtual-router name (no spaces or colons, at most 255 characters)`;
  }
  if (isIP(hello.address) === 0) return `hello.address must be the vRouter's IP address, got ${quoted(hello.address)}`;
  if (hello.cluster.length > 63) return `hello.cluster ${quoted(hello.cluster)} is longer than 63 characters`;
  return undefined;
}

/**
 * A value of the Hello quoted in its refusal, cut after 100 characters: the refusal is the status details, sent in
 * a trailer, and a trailer of hundreds of kilobytes never reaches the client (its call, and the other calls on its
 * connection, hang until their deadlines).
 */
function quoted(value: string): string {
  return value.length > 100 ? `${JSON.stringify(value.slice(0, 100))}… (${value.length} characters)` : JSON.stringify(value);
}
