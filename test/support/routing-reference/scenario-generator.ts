/**
 * Random scenarios for property tests of routing: config changes (applied to a ConfigState through the real
 * deciders, see applyConfigStep) interleaved with agent actions (publish, withdraw, subscribe, session drops) for a
 * driver to play against the control service. Small name pools make paths collide, leak and tie.
 *
 * Steps name things by short pool names (`red`, `pol-1`, `agent-2`); applyConfigStep resolves them against the
 * state and drops names that do not exist, so a step never depends on what the generator believed.
 */
import {
  CONFIG_MODEL,
  ConfigError,
  ConfigState,
  decideCreate,
  decideDelete,
  decideRefUpdate,
  decideUpdate,
  type CommandContext,
  type ConfigEvent,
  type Decision,
} from '#libs/domain';
import type { Publication } from './reference-model.js';
export { mulberry32 } from '../seeded-random.js';
import { mulberry32 } from '../seeded-random.js';

// ---------------------------------------------------------------------------------------------------------------
// PRNG.

class Random {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = mulberry32(seed);
  }
  float(): number {
    return this.next();
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)]!;
  }
  /** A random subset, in the items' order. */
  subset<T>(items: readonly T[], p = 0.5): T[] {
    return items.filter(() => this.chance(p));
  }
  /** Mostly one of `likely` (when there is any), else any of `pool`. */
  prefer<T>(likely: Iterable<T>, pool: readonly T[], p = 0.85): T {
    const items = [...likely];
    return items.length > 0 && this.chance(p) ? this.pick(items) : this.pick(pool);
  }
  /** One key of `weights`, with probability proportional to its weight. */
  weighted<K extends string>(weights: Record<K, number>): K {
    const entries = Object.entries(weights) as Array<[K, number]>;
    let r = this.next() * entries.reduce((sum, [, w]) => sum + w, 0);
    for (const [key, w] of entries) {
      r -= w;
      if (r < 0) return key;
    }
    return entries[entries.length - 1]![0];
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Pools.

export const DEFAULT_PROJECT = ['default-domain', 'default-project'];
export const OTHER_PROJECT = ['default-domain', 'other'];
export const IPAM = [...DEFAULT_PROJECT, 'default-network-ipam'];

/** The VNs scenarios create: three in default-project, two in another project (for `any` and selectors). */
export const SCENARIO_VNS = {
  red: { project: DEFAULT_PROJECT, subnet: '10.0.1.0/24' },
  blue: { project: DEFAULT_PROJECT, subnet: '10.0.2.0/24' },
  green: { project: DEFAULT_PROJECT, subnet: '10.0.3.0/24' },
  amber: { project: OTHER_PROJECT, subnet: '10.0.4.0/24' },
  violet: { project: OTHER_PROJECT, subnet: '10.0.5.0/24' },
} as const;
export type VnName = keyof typeof SCENARIO_VNS;
export const VN_NAMES = Object.keys(SCENARIO_VNS) as VnName[];

export const vnFqName = (vn: VnName): string[] => [...SCENARIO_VNS[vn].project, vn];
/** The VRF of a pool VN: fq(VN) + ":" + name. */
export const scenarioVrf = (vn: VnName): string => [...vnFqName(vn), vn].join(':');
/** A VRF that never exists. */
export const BOGUS_VRF = 'default-domain:default-project:nowhere:nowhere';

export const POLICY_NAMES = ['pol-1', 'pol-2', 'pol-3'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];
export const policyFqName = (policy: string): string[] => [...DEFAULT_PROJECT, policy];

/** VNRs: three in default-project, one in the other project. */
export const SCENARIO_VNRS = { 'vnr-1': DEFAULT_PROJECT, 'vnr-2': DEFAULT_PROJECT, 'vnr-3': DEFAULT_PROJECT, 'vnr-4': OTHER_PROJECT } as const;
export type VnrName = keyof typeof SCENARIO_VNRS;
export const VNR_NAMES = Object.keys(SCENARIO_VNRS) as VnrName[];
export const vnrFqName = (vnr: VnrName): string[] => [...SCENARIO_VNRS[vnr], vnr];

export const AGENTS = ['agent-0', 'agent-1', 'agent-2', 'agent-3'] as const;
export const agentAddress = (agent: string): string => `192.0.2.${Number(agent.slice('agent-'.length)) + 1}`;
/** A next hop several agents may announce (anycast), so sorting by agent after next hop matters. */
export const SHARED_NEXT_HOP = '198.51.100.1';

export const SECURITY_GROUPS = ['sg-web', 'sg-db'] as const;
export const PORTS = ['port-0', 'port-1', 'port-2', 'port-3', 'port-4', 'port-5'] as const;
export const USER_TARGETS = ['target:64512:100', 'target:64512:101', 'target:64512:102'] as const;
export const PREFIXES = ['10.0.1.10/32', '10.0.1.11/32', '10.0.2.10/32', '10.9.0.0/24', 'fd00::a/128'] as const;
export const TAGS = [
  { type: 'tier', value: 'web' },
  { type: 'tier', value: 'db' },
  { type: 'env', value: 'prod' },
] as const;
export const tagFqName = (type: string, value: string): string[] => [`${type}=${value}`];

// ---------------------------------------------------------------------------------------------------------------
// Steps.

export type PolicyAddress = { virtual_network: string } | { subnet: { ip_prefix: string; ip_prefix_len: number } };

export interface PolicyRuleSpec {
  direction: '<>' | '>';
  protocol: 'any' | 'tcp';
  src: PolicyAddress[];
  dst: PolicyAddress[];
  /** `service`: pass with apply_service; `none`: no action_list. */
  action: 'pass' | 'deny' | 'service' | 'none';
}

export type RouteTargetListKey = 'route_target_list' | 'import_route_target_list' | 'export_route_target_list';

export type ConfigOp =
  /** global-system-config, domain, two projects, an IPAM, two security groups, a virtual-router per agent. */
  | { op: 'bootstrap' }
  | { op: 'create-vn'; vn: VnName; routeTargets: string[] | null }
  /** cascade: first unref it from VNRs and delete its ports, so the delete goes through. */
  | { op: 'delete-vn'; vn: VnName; cascade: boolean }
  | { op: 'set-route-targets'; vn: VnName; list: RouteTargetListKey; targets: string[] | null }
  /** Creates the policy, or replaces its rules. */
  | { op: 'put-policy'; policy: PolicyName; rules: PolicyRuleSpec[] }
  | { op: 'delete-policy'; policy: PolicyName; cascade: boolean }
  | { op: 'attach-policy'; vn: VnName; policy: PolicyName; sequence: { major: number; minor: number } | null }
  | { op: 'detach-policy'; vn: VnName; policy: PolicyName }
  /** Creates the VNR, or replaces its type, VN refs and selector. */
  | { op: 'put-vnr'; vnr: VnrName; routerType: 'mesh' | 'hub' | 'spoke'; vns: VnName[]; selector: Record<string, string> | null }
  | { op: 'delete-vnr'; vnr: VnrName; cascade: boolean }
  | { op: 'link-vnr'; from: VnrName; to: VnrName; add: boolean }
  /** Adds or removes a tag ref on a VN, creating the (global) tag when missing. */
  | { op: 'tag-vn'; vn: VnName; tagType: string; tagValue: string; add: boolean }
  /** A VMI with an instance-ip on `agent`: through a VM the virtual-router refs, or a host_id binding. */
  | { op: 'create-port'; port: string; vn: VnName; agent: string; via: 'vm' | 'binding'; securityGroups: string[] }
  | { op: 'move-port'; port: string; agent: string }
  | { op: 'delete-port'; port: string }
  | { op: 'set-asn'; asn: number };

export interface ScenarioRoute {
  prefix: string;
  nextHop: string;
  label: number;
  encapsulations: string[];
  securityGroups: number[];
  sequence: number;
  localPreference: number;
}

export type AgentOp =
  /** Open a session (first time, or after a disconnect: the driver decides between resume and a fresh start). */
  | { op: 'connect'; agent: string }
  | { op: 'disconnect'; agent: string }
  | { op: 'publish'; agent: string; vrf: string; route: ScenarioRoute }
  | { op: 'withdraw'; agent: string; vrf: string; prefix: string }
  | { op: 'subscribe'; agent: string; vrf: string }
  | { op: 'unsubscribe'; agent: string; vrf: string }
  | { op: 'end-of-rib'; agent: string };

export type ConfigStep = { kind: 'config' } & ConfigOp;
export type AgentStep = { kind: 'agent' } & AgentOp;
export type ScenarioStep = ConfigStep | AgentStep;

/** The publication a publish step makes. */
export function publicationOf(step: AgentStep & { op: 'publish' }): Publication {
  return { agent: step.agent, vrf: step.vrf, ...step.route, encapsulations: [...step.route.encapsulations], securityGroups: [...step.route.securityGroups] };
}

// ---------------------------------------------------------------------------------------------------------------
// Generation.

const ENCAPSULATIONS = ['MPLSoUDP', 'MPLSoGRE', 'VXLAN'];

/**
 * A bootstrap, three VNs, agent-0..2 connected, then `steps` random steps. Deterministic in `seed`. The generator
 * keeps rough beliefs (VNs alive, agents connected, ports) only to bias choices; they need not match the state.
 */
export function generateScenario(seed: number, steps: number): ScenarioStep[] {
  const random = new Random(seed);
  const out: ScenarioStep[] = [];
  const alive = new Set<VnName>();
  const connected = new Set<string>();
  const needsEndOfRib = new Set<string>();
  const published: Array<{ agent: string; vrf: string; prefix: string }> = [];
  const ports = new Set<string>();
  const policies = new Set<PolicyName>();
  const portNetworks = new Map<string, VnName>();
  const routers = new Set<VnrName>();
  const someVn = () => random.prefer(alive, VN_NAMES);
  const somePolicy = () => random.prefer(policies, POLICY_NAMES);
  const someRouter = () => random.prefer(routers, VNR_NAMES);
  const config = (op: ConfigOp) => out.push({ kind: 'config', ...op } as ConfigStep);
  const agentStep = (op: AgentOp) => out.push({ kind: 'agent', ...op } as AgentStep);

  config({ op: 'bootstrap' });
  for (const vn of [...new Set<VnName>([...random.subset(VN_NAMES, 0.6), 'red', 'blue', 'green'])].slice(0, 3)) {
    config({ op: 'create-vn', vn, routeTargets: null });
    alive.add(vn);
  }
  for (const agent of AGENTS.slice(0, 3)) {
    agentStep({ op: 'connect', agent });
    connected.add(agent);
  }

  const someVrf = (): string => {
    const r = random.float();
    if (r < 0.8 && alive.size > 0) return scenarioVrf(random.pick([...alive]));
    // Otherwise any pool VRF (some not created yet, or deleted), rarely one that never exists.
    if (r < 0.95) return scenarioVrf(random.pick(VN_NAMES));
    return BOGUS_VRF;
  };
  const someRoute = (agent: string): ScenarioRoute => ({
    prefix: random.pick(PREFIXES),
    nextHop: random.chance(0.85) ? agentAddress(agent) : SHARED_NEXT_HOP,
    label: 16 + random.int(4),
    encapsulations: random.chance(0.7) ? ['MPLSoUDP'] : random.subset(ENCAPSULATIONS),
    securityGroups: random.chance(0.6) ? [] : random.subset([8_000_000, 8_000_001]),
    sequence: random.int(4),
    // 0 and 100 are the same preference, so they tie into ECMP.
    localPreference: random.pick([0, 0, 100, 100, 200]),
  });

  for (let i = 0; i < steps; i++) {
    if (random.chance(0.55)) {
      const agent = random.pick(AGENTS);
      if (!connected.has(agent)) {
        agentStep({ op: 'connect', agent });
        connected.add(agent);
        if (random.chance(0.8)) needsEndOfRib.add(agent);
        continue;
      }
      const action = random.weighted({ publish: 45, withdraw: 12, subscribe: 14, unsubscribe: 4, disconnect: 4, eor: needsEndOfRib.has(agent) ? 10 : 0 });
      switch (action) {
        case 'publish': {
          const route = someRoute(agent);
          const vrf = someVrf();
          agentStep({ op: 'publish', agent, vrf, route });
          published.push({ agent, vrf, prefix: route.prefix });
          break;
        }
        case 'withdraw': {
          const own = published.filter((p) => p.agent === agent);
          const target = own.length > 0 && random.chance(0.85) ? random.pick(own) : { agent, vrf: someVrf(), prefix: random.pick(PREFIXES) };
          agentStep({ op: 'withdraw', agent, vrf: target.vrf, prefix: target.prefix });
          break;
        }
        case 'subscribe':
          agentStep({ op: 'subscribe', agent, vrf: someVrf() });
          break;
        case 'unsubscribe':
          agentStep({ op: 'unsubscribe', agent, vrf: someVrf() });
          break;
        case 'disconnect':
          agentStep({ op: 'disconnect', agent });
          connected.delete(agent);
          needsEndOfRib.delete(agent);
          break;
        case 'eor':
          agentStep({ op: 'end-of-rib', agent });
          needsEndOfRib.delete(agent);
          break;
      }
      continue;
    }

    const action = random.weighted({
      createVn: 8,
      deleteVn: 4,
      routeTargets: 7,
      putPolicy: 7,
      deletePolicy: 2,
      attachPolicy: 9,
      detachPolicy: 3,
      putVnr: 6,
      deleteVnr: 2,
      linkVnr: 5,
      tagVn: 4,
      createPort: 5,
      movePort: 2,
      deletePort: 2,
      setAsn: 0.5,
    });
    switch (action) {
      case 'createVn': {
        const vn = random.prefer(VN_NAMES.filter((v) => !alive.has(v)), VN_NAMES);
        config({ op: 'create-vn', vn, routeTargets: random.chance(0.25) ? random.subset(USER_TARGETS) : null });
        alive.add(vn);
        break;
      }
      case 'deleteVn': {
        const vn = someVn();
        const cascade = random.chance(0.7);
        config({ op: 'delete-vn', vn, cascade });
        if (cascade) {
          alive.delete(vn);
          for (const port of [...ports]) if (portNetworks.get(port) === vn) ports.delete(port);
        }
        break;
      }
      case 'routeTargets': {
        const list = random.weighted<RouteTargetListKey>({ route_target_list: 6, import_route_target_list: 2, export_route_target_list: 2 });
        const targets = random.chance(0.25) ? null : random.subset(USER_TARGETS, 0.4);
        config({ op: 'set-route-targets', vn: someVn(), list, targets });
        break;
      }
      case 'putPolicy': {
        const policy = random.pick(POLICY_NAMES);
        config({ op: 'put-policy', policy, rules: randomRules(random) });
        policies.add(policy);
        break;
      }
      case 'deletePolicy': {
        const policy = somePolicy();
        const cascade = random.chance(0.7);
        config({ op: 'delete-policy', policy, cascade });
        if (cascade) policies.delete(policy);
        break;
      }
      case 'attachPolicy': {
        const sequence = random.chance(0.8) ? { major: random.int(3), minor: random.int(2) } : null;
        config({ op: 'attach-policy', vn: someVn(), policy: somePolicy(), sequence });
        break;
      }
      case 'detachPolicy':
        config({ op: 'detach-policy', vn: someVn(), policy: somePolicy() });
        break;
      case 'putVnr': {
        const selector = random.chance(0.4) ? Object.fromEntries(random.subset(TAGS, 0.4).map((t) => [t.type, t.value])) : null;
        const vnr = random.pick(VNR_NAMES);
        routers.add(vnr);
        config({
          op: 'put-vnr',
          vnr,
          routerType: random.weighted({ mesh: 4, hub: 3, spoke: 3 }),
          vns: random.subset(VN_NAMES, 0.4),
          selector,
        });
        break;
      }
      case 'deleteVnr': {
        const vnr = someRouter();
        const cascade = random.chance(0.7);
        config({ op: 'delete-vnr', vnr, cascade });
        if (cascade) routers.delete(vnr);
        break;
      }
      case 'linkVnr': {
        const from = someRouter();
        const to = random.prefer([...routers].filter((v) => v !== from), VNR_NAMES.filter((v) => v !== from));
        config({ op: 'link-vnr', from, to, add: random.chance(0.75) });
        break;
      }
      case 'tagVn': {
        const tag = random.pick(TAGS);
        config({ op: 'tag-vn', vn: someVn(), tagType: tag.type, tagValue: tag.value, add: random.chance(0.75) });
        break;
      }
      case 'createPort': {
        const port = random.prefer(PORTS.filter((p) => !ports.has(p)), PORTS);
        const vn = someVn();
        config({ op: 'create-port', port, vn, agent: random.pick(AGENTS), via: random.chance(0.5) ? 'vm' : 'binding', securityGroups: random.subset(SECURITY_GROUPS, 0.3) });
        ports.add(port);
        portNetworks.set(port, vn);
        break;
      }
      case 'movePort':
        config({ op: 'move-port', port: random.prefer(ports, PORTS), agent: random.pick(AGENTS) });
        break;
      case 'deletePort': {
        const port = random.prefer(ports, PORTS);
        config({ op: 'delete-port', port });
        ports.delete(port);
        break;
      }
      case 'setAsn':
        config({ op: 'set-asn', asn: random.pick([64512, 64513]) });
        break;
    }
  }
  return out;
}

function randomAddress(random: Random): PolicyAddress {
  const r = random.float();
  if (r < 0.55) return { virtual_network: vnFqName(random.pick(VN_NAMES)).join(':') };
  if (r < 0.72) return { virtual_network: 'local' };
  if (r < 0.88) return { virtual_network: 'any' };
  if (r < 0.95) return { virtual_network: 'default-domain:default-project:ghost' };
  return { subnet: { ip_prefix: '10.0.9.0', ip_prefix_len: 24 } };
}

function randomRules(random: Random): PolicyRuleSpec[] {
  const count = 1 + random.int(3);
  return Array.from({ length: count }, () => ({
    direction: random.chance(0.7) ? '<>' : '>',
    protocol: random.chance(0.6) ? 'any' : 'tcp',
    src: Array.from({ length: 1 + random.int(2) }, () => randomAddress(random)),
    dst: Array.from({ length: 1 + random.int(2) }, () => randomAddress(random)),
    action: random.weighted({ pass: 14, deny: 4, service: 2, none: 1 }),
  }));
}

// ---------------------------------------------------------------------------------------------------------------
// Applying config steps through the real deciders.

export interface AppliedConfigStep {
  /** Every event appended, in order, with the positions the state now has. */
  events: ConfigEvent[];
  /** Uuids of the resources created, updated or deleted. */
  touched: string[];
  /** Messages of the decisions the deciders refused (the rest of the step went ahead where it could). */
  refused: string[];
}

const AT = '2026-01-01T00:00:00.000Z';

/** A fresh state with the bootstrap step applied. */
export function scenarioState(): ConfigState {
  const state = new ConfigState();
  applyConfigStep(state, { kind: 'config', op: 'bootstrap' });
  return state;
}

/**
 * Applies one config step: runs the deciders it needs against `state` and folds their events into it as a
 * single-writer log would. Names that do not exist are dropped from ref lists; a decision the deciders refuse is
 * skipped and reported.
 */
export function applyConfigStep(state: ConfigState, step: ConfigStep): AppliedConfigStep {
  const result: AppliedConfigStep = { events: [], touched: [], refused: [] };
  const ctx = (): CommandContext => {
    let k = 0;
    const base = state.position;
    // Distinct leading digits: a VMI's default MAC is made of the first ten hex digits of its uuid.
    const uuid = (n: number) => {
      const hex = n.toString(16).padStart(12, '0');
      return `${hex.slice(4)}-${hex.slice(0, 4)}-4000-8000-${hex}`;
    };
    return { at: AT, newUuid: () => uuid(base * 64 + ++k) };
  };
  const run = (decide: (c: CommandContext) => Decision): boolean => {
    let decision: Decision;
    try {
      decision = decide(ctx());
    } catch (error) {
      if (error instanceof ConfigError) {
        result.refused.push(error.message);
        return false;
      }
      throw error;
    }
    for (const write of decision.writes) {
      let revision = state.revision(write.streamId) ?? -1;
      for (const e of write.events) {
        const event: ConfigEvent = { type: e.type, streamId: write.streamId, streamRevision: ++revision, globalPosition: state.position + 1, data: e.data };
        state.apply(event);
        result.events.push(event);
      }
    }
    if (!result.touched.includes(decision.uuid)) result.touched.push(decision.uuid);
    return true;
  };
  const uuidOf = (type: string, fq: string[]) => state.uuidOf(type, fq);
  const create = (type: string, body: Record<string, unknown>) => run((c) => decideCreate(state, CONFIG_MODEL, type, body, c));
  const update = (type: string, uuid: string, body: Record<string, unknown>) => run((c) => decideUpdate(state, CONFIG_MODEL, type, uuid, body, c));
  const remove = (type: string, uuid: string) => run((c) => decideDelete(state, CONFIG_MODEL, type, uuid, c));
  const ref = (type: string, uuid: string, refType: string, refUuid: string, operation: 'ADD' | 'DELETE', attr: unknown = null) =>
    run((c) => decideRefUpdate(state, CONFIG_MODEL, { type, uuid, refType, refUuid, operation, attr: attr as never }, c));
  const missing = (what: string) => {
    result.refused.push(`${what} does not exist`);
    return result;
  };
  const vmiFq = (port: string) => [...DEFAULT_PROJECT, port];
  const routerOf = (agent: string) => uuidOf('virtual-router', ['default-global-system-config', agent]);
  const existingVns = (names: readonly VnName[]) => names.filter((vn) => uuidOf('virtual-network', vnFqName(vn))).map((vn) => ({ to: vnFqName(vn) }));

  /** Deletes a port's instance-ips, the VMI, and its VM (after unhooking it from every virtual-router). */
  const deletePort = (port: string) => {
    const vmi = uuidOf('virtual-machine-interface', vmiFq(port));
    if (vmi) {
      for (const holder of state.backRefs(vmi)) if (holder.type === 'instance-ip') remove('instance-ip', holder.uuid);
      remove('virtual-machine-interface', vmi);
    }
    const vm = uuidOf('virtual-machine', [`vm-${port}`]);
    if (vm) {
      for (const holder of state.backRefs(vm)) if (holder.type === 'virtual-router') ref('virtual-router', holder.uuid, 'virtual-machine', vm, 'DELETE');
      remove('virtual-machine', vm);
    }
  };

  switch (step.op) {
    case 'bootstrap': {
      create('global-system-config', { fq_name: ['default-global-system-config'], autonomous_system: 64512 });
      create('domain', { fq_name: ['default-domain'] });
      create('project', { fq_name: DEFAULT_PROJECT, parent_type: 'domain' });
      create('project', { fq_name: OTHER_PROJECT, parent_type: 'domain' });
      create('network-ipam', { fq_name: IPAM, parent_type: 'project' });
      for (const sg of SECURITY_GROUPS) {
        const rule = {
          direction: '>',
          protocol: 'any',
          src_addresses: [{ security_group: 'local' }],
          dst_addresses: [{ subnet: { ip_prefix: '0.0.0.0', ip_prefix_len: 0 } }],
          src_ports: [{ start_port: 0, end_port: 65535 }],
          dst_ports: [{ start_port: 0, end_port: 65535 }],
          ethertype: 'IPv4',
        };
        create('security-group', { fq_name: [...DEFAULT_PROJECT, sg], parent_type: 'project', security_group_entries: { policy_rule: [rule] } });
      }
      for (const agent of AGENTS) {
        create('virtual-router', { fq_name: ['default-global-system-config', agent], parent_type: 'global-system-config', virtual_router_ip_address: agentAddress(agent) });
      }
      return result;
    }
    case 'create-vn': {
      const [prefix, len] = SCENARIO_VNS[step.vn].subnet.split('/');
      create('virtual-network', {
        fq_name: vnFqName(step.vn),
        parent_type: 'project',
        network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: prefix, ip_prefix_len: Number(len) } }] } }],
        ...(step.routeTargets ? { route_target_list: { route_target: step.routeTargets } } : {}),
      });
      return result;
    }
    case 'delete-vn': {
      const vn = uuidOf('virtual-network', vnFqName(step.vn));
      if (!vn) return missing(`virtual-network ${step.vn}`);
      if (step.cascade) {
        for (const holder of state.backRefs(vn)) {
          if (holder.type === 'virtual-network-router') ref(holder.type, holder.uuid, 'virtual-network', vn, 'DELETE');
        }
        for (const holder of state.backRefs(vn)) {
          if (holder.type === 'virtual-machine-interface') deletePort(holder.fq_name[holder.fq_name.length - 1]!);
        }
        for (const holder of state.backRefs(vn)) if (holder.type === 'instance-ip') remove('instance-ip', holder.uuid);
      }
      remove('virtual-network', vn);
      return result;
    }
    case 'set-route-targets': {
      const vn = uuidOf('virtual-network', vnFqName(step.vn));
      if (!vn) return missing(`virtual-network ${step.vn}`);
      update('virtual-network', vn, { [step.list]: step.targets ? { route_target: step.targets } : null });
      return result;
    }
    case 'put-policy': {
      const entries = { policy_rule: step.rules.map(ruleBody) };
      const policy = uuidOf('network-policy', policyFqName(step.policy));
      if (policy) update('network-policy', policy, { network_policy_entries: entries });
      else create('network-policy', { fq_name: policyFqName(step.policy), parent_type: 'project', network_policy_entries: entries });
      return result;
    }
    case 'delete-policy': {
      const policy = uuidOf('network-policy', policyFqName(step.policy));
      if (!policy) return missing(`network-policy ${step.policy}`);
      if (step.cascade) for (const holder of state.backRefs(policy)) ref(holder.type, holder.uuid, 'network-policy', policy, 'DELETE');
      remove('network-policy', policy);
      return result;
    }
    case 'attach-policy':
    case 'detach-policy': {
      const vn = uuidOf('virtual-network', vnFqName(step.vn));
      const policy = uuidOf('network-policy', policyFqName(step.policy));
      if (!vn || !policy) return missing(`virtual-network ${step.vn} or network-policy ${step.policy}`);
      if (step.op === 'attach-policy') ref('virtual-network', vn, 'network-policy', policy, 'ADD', step.sequence ? { sequence: step.sequence } : null);
      else ref('virtual-network', vn, 'network-policy', policy, 'DELETE');
      return result;
    }
    case 'put-vnr': {
      const body = {
        virtual_network_router_type: step.routerType,
        virtual_network_refs: existingVns(step.vns),
        virtual_network_selector: step.selector ? { match_labels: step.selector } : null,
      };
      const vnr = uuidOf('virtual-network-router', vnrFqName(step.vnr));
      if (vnr) update('virtual-network-router', vnr, body);
      else create('virtual-network-router', { fq_name: vnrFqName(step.vnr), parent_type: 'project', ...body });
      return result;
    }
    case 'delete-vnr': {
      const vnr = uuidOf('virtual-network-router', vnrFqName(step.vnr));
      if (!vnr) return missing(`virtual-network-router ${step.vnr}`);
      if (step.cascade) for (const holder of state.backRefs(vnr)) ref(holder.type, holder.uuid, 'virtual-network-router', vnr, 'DELETE');
      remove('virtual-network-router', vnr);
      return result;
    }
    case 'link-vnr': {
      const from = uuidOf('virtual-network-router', vnrFqName(step.from));
      const to = uuidOf('virtual-network-router', vnrFqName(step.to));
      if (!from || !to) return missing(`virtual-network-router ${step.from} or ${step.to}`);
      ref('virtual-network-router', from, 'virtual-network-router', to, step.add ? 'ADD' : 'DELETE');
      return result;
    }
    case 'tag-vn': {
      const vn = uuidOf('virtual-network', vnFqName(step.vn));
      if (!vn) return missing(`virtual-network ${step.vn}`);
      const fq = tagFqName(step.tagType, step.tagValue);
      if (!uuidOf('tag', fq)) create('tag', { fq_name: fq, tag_type_name: step.tagType, tag_value: step.tagValue });
      const tag = uuidOf('tag', fq);
      if (tag) ref('virtual-network', vn, 'tag', tag, step.add ? 'ADD' : 'DELETE');
      return result;
    }
    case 'create-port': {
      const router = routerOf(step.agent);
      if (!router) return missing(`virtual-router ${step.agent}`);
      if (!uuidOf('virtual-network', vnFqName(step.vn))) return missing(`virtual-network ${step.vn}`);
      if (uuidOf('virtual-machine-interface', vmiFq(step.port))) return missing(`a free port name (${step.port} is taken)`);
      const body: Record<string, unknown> = {
        fq_name: vmiFq(step.port),
        parent_type: 'project',
        virtual_network_refs: [{ to: vnFqName(step.vn) }],
        security_group_refs: step.securityGroups.map((sg) => ({ to: [...DEFAULT_PROJECT, sg] })),
      };
      if (step.via === 'vm') {
        const vmFq = [`vm-${step.port}`];
        if (!uuidOf('virtual-machine', vmFq)) create('virtual-machine', { fq_name: vmFq });
        const vm = uuidOf('virtual-machine', vmFq);
        if (!vm) return result;
        ref('virtual-router', router, 'virtual-machine', vm, 'ADD');
        body.virtual_machine_refs = [{ to: vmFq }];
      } else {
        body.virtual_machine_interface_bindings = { key_value_pair: [{ key: 'host_id', value: step.agent }] };
      }
      if (!create('virtual-machine-interface', body)) return result;
      create('instance-ip', { fq_name: [`ip-${step.port}`], virtual_network_refs: [{ to: vnFqName(step.vn) }], virtual_machine_interface_refs: [{ to: vmiFq(step.port) }] });
      return result;
    }
    case 'move-port': {
      const vmi = uuidOf('virtual-machine-interface', vmiFq(step.port));
      const router = routerOf(step.agent);
      if (!vmi || !router) return missing(`port ${step.port} or virtual-router ${step.agent}`);
      const vm = uuidOf('virtual-machine', [`vm-${step.port}`]);
      if (vm) {
        for (const holder of state.backRefs(vm)) {
          if (holder.type === 'virtual-router' && holder.uuid !== router) ref('virtual-router', holder.uuid, 'virtual-machine', vm, 'DELETE');
        }
        ref('virtual-router', router, 'virtual-machine', vm, 'ADD');
      } else {
        update('virtual-machine-interface', vmi, { virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: step.agent }] } });
      }
      return result;
    }
    case 'delete-port':
      if (!uuidOf('virtual-machine-interface', vmiFq(step.port)) && !uuidOf('virtual-machine', [`vm-${step.port}`])) return missing(`port ${step.port}`);
      deletePort(step.port);
      return result;
    case 'set-asn': {
      const gsc = uuidOf('global-system-config', ['default-global-system-config']);
      if (!gsc) return missing('default-global-system-config');
      update('global-system-config', gsc, { autonomous_system: step.asn });
      return result;
    }
  }
}

function ruleBody(rule: PolicyRuleSpec): Record<string, unknown> {
  const actionList =
    rule.action === 'none'
      ? undefined
      : rule.action === 'service'
        ? { simple_action: 'pass', apply_service: ['default-domain:default-project:firewall'] }
        : { simple_action: rule.action };
  return {
    direction: rule.direction,
    protocol: rule.protocol,
    src_addresses: rule.src,
    src_ports: [{ start_port: -1, end_port: -1 }],
    dst_addresses: rule.dst,
    dst_ports: [{ start_port: -1, end_port: -1 }],
    ...(actionList ? { action_list: actionList } : {}),
    ethertype: 'IPv4',
  };
}
