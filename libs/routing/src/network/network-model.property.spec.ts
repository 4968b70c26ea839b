import { describe, expect, it } from '@jest/globals';
import { ConfigError, type ConfigState } from '#libs/domain';
import { NetworkModel } from './network-model.js';
import type { AgentConfig, NetworkSource, VrfConfig } from './network-config-types.js';
import { sameJson } from './object-fields.js';
import { GSC, PROJECT, provisioned, type World } from './network-world.test.js';
import { mulberry32 as prng } from '../../../../test/support/seeded-random.js';

const OTHER = ['default-domain', 'other'];

class Random {
  constructor(readonly next: () => number) {}
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }
  subset<T>(items: readonly T[], max = items.length): T[] {
    const out = items.filter(() => this.chance(0.4));
    return out.slice(0, max);
  }
}

/** Small pools of names, so that things refer to each other, connect, and collide. */
const NETWORKS: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['vn0', PROJECT],
  ['vn1', PROJECT],
  ['vn2', PROJECT],
  ['vn3', OTHER],
  ['vn4', OTHER],
];
const POLICIES = ['pol0', 'pol1', 'pol2'];
const ROUTERS = ['vnr0', 'vnr1', 'vnr2'];
const TAGS: ReadonlyArray<readonly [string, string]> = [
  ['tier', 'web'],
  ['tier', 'db'],
  ['os', 'linux'],
];
const GROUPS = ['sg0', 'sg1', 'sg2'];
const AGENTS = ['vr0', 'vr1', 'vr2'];
const MACHINES = ['vm0', 'vm1', 'vm2', 'vm3'];
const PORTS = ['i0', 'i1', 'i2', 'i3', 'i4', 'i5'];
const ADDRESSES = ['ip0', 'ip1', 'ip2', 'ip3', 'ip4', 'ip5'];
const CLUSTERS = ['c0', 'c1'];

/** Random creates, updates and deletes through the real deciders; what they refuse is skipped. */
class Scenario {
  constructor(
    readonly world: World,
    readonly random: Random,
  ) {}

  private uuid(type: string, fqName: readonly string[]): string | undefined {
    return this.world.state.uuidOf(type, fqName);
  }

  private existing(type: string, names: readonly (readonly string[])[]): string[] {
    return names.map((fq) => this.uuid(type, fq)).filter((u): u is string => u !== undefined);
  }

  private refs(uuids: string[], attr?: () => unknown): Array<{ uuid: string; attr?: unknown }> {
    return this.random.subset(uuids).map((uuid) => (attr ? { uuid, attr: attr() } : { uuid }));
  }

  private networks = () => this.existing('virtual-network', NETWORKS.map(([name, project]) => [...project, name]));
  private policies = () => this.existing('network-policy', POLICIES.map((name) => [...PROJECT, name]));
  private tags = () => this.existing('tag', TAGS.map(([type, value]) => [`${type}=${value}`]));
  private groups = () => this.existing('security-group', GROUPS.map((name) => [...PROJECT, name]));
  private machines = () => this.existing('virtual-machine', MACHINES.map((name) => [name]));
  private ports = () => this.existing('virtual-machine-interface', PORTS.map((name) => [...PROJECT, name]));
  private clusters = () => this.existing('cluster', CLUSTERS.map((name) => [...GSC, name]));
  private vnrs = () => this.existing('virtual-network-router', ROUTERS.map((name) => [...PROJECT, name]));

  private address(): Record<string, unknown> {
    const r = this.random;
    switch (r.int(6)) {
      case 0:
        return { virtual_network: 'local' };
      case 1:
        return { virtual_network: 'any' };
      case 2:
        return { security_group: [...PROJECT, r.pick(GROUPS)].join(':') };
      case 3:
        return { subnet: { ip_prefix: '10.200.0.0', ip_prefix_len: 16 } };
      default: {
        const [name, project] = r.pick([...NETWORKS, ['vn-none', PROJECT] as const]);
        return { virtual_network: [...project, name].join(':') };
      }
    }
  }

  private rules(local: 'network' | 'group'): unknown[] {
    const r = this.random;
    return Array.from({ length: r.int(4) }, () => {
      const actions = r.pick([{ simple_action: 'pass' }, { simple_action: 'pass' }, { simple_action: 'deny' }, { simple_action: 'pass', apply_service: ['x:y:fw'] }, null]);
      const ports = [{ start_port: r.pick([-1, 0, 80]), end_port: r.pick([-1, 443, 65535]) }].filter((p) => p.start_port <= p.end_port || p.end_port === -1);
      return {
        direction: r.pick(['<>', '>']),
        protocol: r.pick(['any', 'tcp']),
        src_addresses: local === 'group' && r.chance(0.5) ? [{ security_group: 'local' }] : [this.address()],
        src_ports: ports,
        dst_addresses: [this.address(), ...(r.chance(0.3) ? [this.address()] : [])],
        dst_ports: ports,
        ...(local === 'network' && actions ? { action_list: actions } : {}),
      };
    });
  }

  private targets(): { route_target: string[] } {
    return { route_target: this.random.subset(['target:64512:100', 'target:64512:101', 'target:64513:7']) };
  }

  private networkBody(): Record<string, unknown> {
    const r = this.random;
    const body: Record<string, unknown> = {
      network_policy_refs: this.refs(this.policies(), () => (r.chance(0.6) ? { sequence: { major: r.int(3), minor: r.int(2) } } : null)),
      tag_refs: this.refs(this.tags()),
      cluster_refs: this.refs(this.clusters()),
    };
    if (r.chance(0.5)) body.route_target_list = this.targets();
    if (r.chance(0.3)) body.import_route_target_list = this.targets();
    if (r.chance(0.3)) body.export_route_target_list = this.targets();
    return body;
  }

  /** One command on a random object of a random kind: create it when absent, else update (or sometimes delete) it. */
  step(): void {
    const r = this.random;
    const kind = r.int(12);
    const act = (type: string, fqName: string[], create: () => Record<string, unknown>, update: () => Record<string, unknown>) => {
      const uuid = this.uuid(type, fqName);
      if (uuid === undefined) this.world.create(type, { fq_name: fqName, ...create() });
      else if (r.chance(0.3)) this.world.delete(type, uuid);
      else this.world.update(type, uuid, update());
    };
    switch (kind) {
      case 0:
      case 1: {
        const [name, project] = r.pick(NETWORKS);
        const index = NETWORKS.findIndex(([n]) => n === name);
        const ipam = { to: [...PROJECT, 'default-network-ipam'], attr: { ipam_subnets: [{ subnet: { ip_prefix: `10.${index}.0.0`, ip_prefix_len: 24 } }] } };
        return act('virtual-network', [...project, name], () => ({ parent_type: 'project', network_ipam_refs: [ipam], ...this.networkBody() }), () => this.networkBody());
      }
      case 2: {
        const body = () => ({ network_policy_entries: { policy_rule: this.rules('network') } });
        return act('network-policy', [...PROJECT, r.pick(POLICIES)], () => ({ parent_type: 'project', ...body() }), body);
      }
      case 3: {
        const body = () => ({
          virtual_network_router_type: r.pick(['mesh', 'mesh', 'hub', 'spoke']),
          virtual_network_refs: this.refs(this.networks()),
          virtual_network_router_refs: this.refs(this.vnrs()),
          virtual_network_selector: { match_labels: r.pick([{}, { tier: 'web' }, { tier: 'db', os: 'linux' }, { os: 'linux' }]) },
        });
        return act('virtual-network-router', [...PROJECT, r.pick(ROUTERS)], () => ({ parent_type: 'project', ...body() }), body);
      }
      case 4: {
        const [type, value] = r.pick(TAGS);
        const uuid = this.uuid('tag', [`${type}=${value}`]);
        if (uuid === undefined) this.world.create('tag', { fq_name: [`${type}=${value}`], tag_type_name: type, tag_value: value });
        else this.world.delete('tag', uuid);
        return;
      }
      case 5: {
        const body = () => ({ security_group_entries: { policy_rule: this.rules('group') } });
        return act('security-group', [...PROJECT, r.pick(GROUPS)], () => ({ parent_type: 'project', ...body() }), body);
      }
      case 6: {
        const body = () => ({
          virtual_machine_refs: this.refs(this.machines()),
          cluster_refs: this.refs(this.clusters(), undefined).slice(0, 1),
          virtual_router_ip_address: `192.168.0.${1 + r.int(3)}`,
        });
        return act('virtual-router', [...GSC, r.pick(AGENTS)], () => ({ parent_type: 'global-system-config', ...body() }), body);
      }
      case 7:
        return act('virtual-machine', [r.pick(MACHINES)], () => ({}), () => ({ display_name: `vm-${r.int(9)}` }));
      case 8:
      case 9: {
        const body = () => {
          const networks = this.networks();
          return {
            virtual_network_refs: networks.length > 0 ? [{ uuid: r.pick(networks) }] : [],
            virtual_machine_refs: this.refs(this.machines(), undefined).slice(0, 2),
            security_group_refs: this.refs(this.groups()),
            virtual_machine_interface_bindings: { key_value_pair: r.chance(0.5) ? [{ key: 'host_id', value: r.pick(AGENTS) }] : [] },
            virtual_machine_interface_disable_policy: r.chance(0.2),
            port_security_enabled: r.chance(0.8),
          };
        };
        return act('virtual-machine-interface', [...PROJECT, r.pick(PORTS)], () => ({ parent_type: 'project', ...body() }), body);
      }
      case 10: {
        const networks = this.networks();
        const create = () => ({ virtual_network_refs: networks.length > 0 ? [{ uuid: r.pick(networks) }] : [], virtual_machine_interface_refs: this.refs(this.ports()) });
        return act('instance-ip', [r.pick(ADDRESSES)], create, () => ({ virtual_machine_interface_refs: this.refs(this.ports()) }));
      }
      default: {
        if (r.chance(0.5)) {
          const gsc = this.uuid('global-system-config', GSC)!;
          return this.world.update('global-system-config', gsc, { autonomous_system: r.pick([64512, 64513]) });
        }
        return act('cluster', [...GSC, r.pick(CLUSTERS)], () => ({ parent_type: 'global-system-config' }), () => ({ display_name: `c-${r.int(9)}` }));
      }
    }
  }
}

/** The state as the model's source, except that walking all of it fails: update must not. */
function noWalking(state: ConfigState): NetworkSource {
  return {
    get: (uuid) => state.get(uuid),
    holderOf: (uuid) => state.holderOf(uuid),
    uuidOf: (type, fqName) => state.uuidOf(type, fqName),
    children: (uuid) => state.children(uuid),
    backRefs: (uuid) => state.backRefs(uuid),
    revision: (streamId) => state.revision(streamId),
    numbersInUse: (pool) => state.numbersInUse(pool),
    addressesInUse: (subnet) => state.addressesInUse(subnet),
    addressValuesInUse: (subnet) => state.addressValuesInUse(subnet),
    macOwner: (mac) => state.macOwner(mac),
    all: () => {
      throw new Error('update walked every object');
    },
    get position() {
      return state.position;
    },
  };
}

const agentsOf = (model: NetworkModel): Map<string, AgentConfig> =>
  new Map([...model.virtualRouters()].map((router) => [router.name, model.agentConfig(router.name)!]));
const vrfsOf = (model: NetworkModel): Map<string, VrfConfig> => new Map([...model.vrfs()].map((vrf) => [vrf.name, vrf]));

/** Keys whose values differ (deeply), or that only one map has, sorted. */
function changedKeys<T>(before: Map<string, T>, after: Map<string, T>): string[] {
  return [...new Set([...before.keys(), ...after.keys()])].filter((key) => !sameJson(before.get(key), after.get(key))).sort();
}

describe('NetworkModel.update (property)', () => {
  const STEPS = 200;
  it.each([1, 2, 3, 4, 5])('after every step equals a model built from scratch, and reports exactly what changed (seed %i)', (seed) => {
    const random = new Random(prng(seed));
    const world = provisioned();
    world.create('project', { fq_name: OTHER, parent_type: 'domain' });
    world.takeTouched();
    const scenario = new Scenario(world, random);
    const model = NetworkModel.build(world.state);
    const seen = { applied: 0, connected: 0, interfaces: 0, acls: 0 };
    let agentsBefore = agentsOf(model);
    let vrfsBefore = vrfsOf(model);
    for (let step = 0; step < STEPS; step++) {
      // Mostly one command per update, sometimes a batch of a few.
      const commands = random.chance(0.2) ? 2 + random.int(3) : 1;
      for (let c = 0; c < commands; c++) {
        try {
          scenario.step();
          seen.applied++;
        } catch (error) {
          if (!(error instanceof ConfigError)) throw error;
        }
      }
      const change = model.update(noWalking(world.state), world.takeTouched());
      const fresh = NetworkModel.build(world.state);
      const context = `seed ${seed} step ${step}`;

      // Compared structurally (fast); on a difference, again through expect for a readable diff.
      const agents = agentsOf(model);
      const vrfs = vrfsOf(model);
      const incremental = { digest: model.digest(), clusters: model.clusters(), agents: [...agents], vrfs: [...vrfs] };
      const rebuilt = { digest: fresh.digest(), clusters: fresh.clusters(), agents: [...agentsOf(fresh)], vrfs: [...vrfsOf(fresh)] };
      if (!sameJson(incremental, rebuilt)) expect({ context, ...incremental }).toEqual({ context, ...rebuilt });
      expect(model.position).toBe(world.state.position);
      for (const cluster of model.clusters()) expect(model.desiredState(cluster).position).toBe(world.state.position);

      const vrfChanges = changedKeys(vrfsBefore, vrfs);
      const reported = { changed: change.vrfsChanged.map((v) => v.name), removed: change.vrfsRemoved, routers: change.virtualRoutersChanged };
      const actual = {
        changed: vrfChanges.filter((name) => vrfs.has(name)),
        removed: vrfChanges.filter((name) => !vrfs.has(name)),
        routers: changedKeys(agentsBefore, agents),
      };
      if (!sameJson(reported, actual)) expect({ context, ...reported }).toEqual({ context, ...actual });
      agentsBefore = agents;
      vrfsBefore = vrfs;

      if ([...model.vrfs()].some((vrf) => vrf.connections.length > 0)) seen.connected++;
      const configs = [...model.virtualRouters()].map((router) => model.agentConfig(router.name)!);
      if (configs.some((config) => config.interfaces.length > 0)) seen.interfaces++;
      if (configs.some((config) => config.acls.length > 0)) seen.acls++;
    }
    // The scenario must actually exercise the model: connections, interfaces and ACLs for a good part of the run.
    expect(seen.applied).toBeGreaterThan(STEPS / 2);
    expect(seen.connected).toBeGreaterThan(STEPS / 20);
    expect(seen.interfaces).toBeGreaterThan(STEPS / 10);
    expect(seen.acls).toBeGreaterThan(STEPS / 20);
  });
});
