// What a simulation run creates and expects, derived from its sizes alone so that every agent (and a second run)
// computes the same names, addresses and prefixes.

export const SIM_DOMAIN = 'default-domain';
export const SIM_PROJECT = 'default-project';
/** Agent addresses are 10.255.x.y with y in 1..254. */
export const MAX_AGENTS = 256 * 254;
/** VN j has the subnet 10.j.0.0/16. */
export const MAX_VRFS = 254;
/** Host routes start at 10.j.1.0, above the addresses IPAM hands out first (gateway, DNS, early instance IPs). */
const FIRST_HOST = 256;
export const MAX_ROUTES_PER_VRF = 65_536 - FIRST_HOST - 1;

/** Agent i (1-based) is `<prefix><i>`. */
export function agentName(prefix: string, i: number): string {
  return `${prefix}${i}`;
}

/** A unique vRouter address per agent index (1-based). */
export function agentAddress(i: number): string {
  const n = i - 1;
  return `10.255.${Math.floor(n / 254)}.${(n % 254) + 1}`;
}

export function networkName(j: number): string {
  return `sim-vn-${j}`;
}

export function networkSubnet(j: number): string {
  return `10.${j}.0.0/16`;
}

/** A network's default VRF: fq_name of the network plus its name. */
export function vrfName(network: string, domain = SIM_DOMAIN, project = SIM_PROJECT): string {
  return `${domain}:${project}:${network}:${network}`;
}

/**
 * N agents publishing K routes each, spread round-robin over M VRFs: the route r of agent i is number
 * g = (i-1)·K + r, goes to VRF (g mod M) + 1 as its (g div M)-th host route.
 */
export class SimPlan {
  constructor(
    readonly agents: number,
    readonly vrfs: number,
    readonly routesPerAgent: number,
  ) {}

  get totalRoutes(): number {
    return this.agents * this.routesPerAgent;
  }

  /** VRF names, index j-1 for VN j. */
  vrfNames(): string[] {
    return Array.from({ length: this.vrfs }, (_, k) => vrfName(networkName(k + 1)));
  }

  /** The prefixes agent i publishes, by VRF name. */
  routesOf(i: number): Map<string, string[]> {
    const out = new Map<string, string[]>();
    for (let r = 0; r < this.routesPerAgent; r++) {
      const g = (i - 1) * this.routesPerAgent + r;
      const j = (g % this.vrfs) + 1;
      const vrf = vrfName(networkName(j));
      const list = out.get(vrf) ?? [];
      list.push(hostRoute(j, Math.floor(g / this.vrfs)));
      out.set(vrf, list);
    }
    return out;
  }

  /** How many prefixes VN j's VRF holds once every agent published. */
  routesIn(j: number): number {
    const total = this.totalRoutes;
    return total >= j ? Math.floor((total - j) / this.vrfs) + 1 : 0;
  }

  /** Every prefix VN j's VRF should hold. */
  prefixesIn(j: number): string[] {
    return Array.from({ length: this.routesIn(j) }, (_, s) => hostRoute(j, s));
  }

  /** The largest number of routes one VRF gets (what must fit in its /16). */
  get maxRoutesPerVrf(): number {
    return this.routesIn(1);
  }
}

function hostRoute(j: number, slot: number): string {
  const offset = slot + FIRST_HOST;
  return `10.${j}.${offset >> 8}.${offset & 255}/32`;
}
