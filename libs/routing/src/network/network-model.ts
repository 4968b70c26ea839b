import { canonicalDigest, type ConfigObject } from '#libs/domain';
import { agentConfigOf, hostOf, securityGroupNameKey, vrfKey, type AgentContext } from './agent-config.js';
import { clusterDesiredStateOf } from './desired-state.js';
import { NetworkIndex, VRF_INPUT_TYPES } from './network-index.js';
import {
  DEFAULT_CLUSTER,
  type AgentConfig,
  type ClusterDesiredState,
  type NetworkChange,
  type NetworkSource,
  type VirtualRouterConfig,
  type VrfConfig,
} from './network-config-types.js';
import { Types, fqOf, nameOf, refUuids, sameJson, sortedUnique } from './object-fields.js';
import { vrfConfigsOf } from './vrf-config.js';

interface CachedAgent {
  config: AgentConfig;
  dependencies: Set<string>;
}

const byName = (a: { name: string }, b: { name: string }): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/**
 * The network the config describes (docs/routing-semantics.md §1, §2, §4, §5): every VN's VRF with its route targets
 * and connections, every virtual-router's agent config, and each cluster's desired state.
 *
 * `build` computes it all from a config state; `update` brings it up to date after events that touched some uuids,
 * without walking the config: VRFs are recomputed (from the model's own index of VNs and VNRs) only when a VRF input
 * was touched, and an agent config only when something it was computed from changed or a touched object now leads
 * to it (a new interface through its VM or host binding, a new instance-ip through its interface, a new security
 * group through its name).
 */
export class NetworkModel {
  private readonly index = new NetworkIndex();
  private readonly vrfsByName = new Map<string, VrfConfig>();
  private readonly agents = new Map<string, CachedAgent>();
  /** Dependency key (uuid, vrf:<name>, security-group:<fq>) → names of the virtual-routers computed from it. */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly desired = new Map<string, ClusterDesiredState>();
  /** The digest and the cluster list it covered; dropped with the desired states. */
  private digestCache: { clusters: string; digest: string } | undefined;
  private lastPosition = 0;

  private constructor() {}

  static build(source: NetworkSource): NetworkModel {
    const model = new NetworkModel();
    for (const object of source.all()) model.index.add(object);
    model.recomputeVrfs(source);
    for (const name of model.index.virtualRouterByName.keys()) model.recomputeAgent(source, name);
    model.lastPosition = source.position;
    return model;
  }

  /** Source position at the last build or update. */
  get position(): number {
    return this.lastPosition;
  }

  /** After `source` applied events touching these uuids (objects created, updated or deleted, of any type). */
  update(source: NetworkSource, touched: Iterable<string>): NetworkChange {
    const uuids = new Set(touched);
    const keys = new Set<string>(uuids);
    const routers = new Set<string>();
    let vrfInputs = false;
    for (const uuid of uuids) {
      const before = this.index.remove(uuid);
      const object = source.get(uuid);
      if (object) this.index.add(object);
      if ((before !== undefined && VRF_INPUT_TYPES.has(before)) || (object !== undefined && VRF_INPUT_TYPES.has(object.type))) vrfInputs = true;
    }
    // Objects that now lead to an agent whose last computation did not read them.
    for (const uuid of uuids) {
      const object = source.get(uuid);
      if (object) this.followNewLinks(source, object, keys, routers);
    }
    const change: NetworkChange = { vrfsChanged: [], vrfsRemoved: [], virtualRoutersChanged: [] };
    if (vrfInputs) {
      const { changed, removed } = this.recomputeVrfs(source);
      change.vrfsChanged = changed;
      change.vrfsRemoved = removed;
      for (const vrf of changed) keys.add(vrfKey(vrf.name));
      for (const name of removed) keys.add(vrfKey(name));
    }
    for (const key of keys) for (const name of this.dependents.get(key) ?? []) routers.add(name);
    for (const name of [...routers].sort()) if (this.recomputeAgent(source, name)) change.virtualRoutersChanged.push(name);
    if (change.vrfsChanged.length > 0 || change.vrfsRemoved.length > 0 || change.virtualRoutersChanged.length > 0) {
      this.desired.clear();
      this.digestCache = undefined;
    }
    this.lastPosition = source.position;
    return change;
  }

  vrf(name: string): VrfConfig | undefined {
    return this.vrfsByName.get(name);
  }

  /** Every VRF, by name. */
  vrfs(): IterableIterator<VrfConfig> {
    return [...this.vrfsByName.values()].sort(byName).values();
  }

  virtualRouter(name: string): VirtualRouterConfig | undefined {
    return this.agents.get(name)?.config.virtualRouter;
  }

  /** Every virtual-router, by name. */
  virtualRouters(): IterableIterator<VirtualRouterConfig> {
    return [...this.agents.values()].map((agent) => agent.config.virtualRouter).sort(byName).values();
  }

  /** The config of the agent of this virtual-router; undefined when there is no such virtual-router. */
  agentConfig(virtualRouterName: string): AgentConfig | undefined {
    return this.agents.get(virtualRouterName)?.config;
  }

  /** The default cluster, every cluster object, and every cluster a virtual-router or VN refers to; sorted. */
  clusters(): string[] {
    const names = [DEFAULT_CLUSTER, ...this.index.clusters.values()];
    for (const agent of this.agents.values()) names.push(agent.config.virtualRouter.cluster);
    for (const vrf of this.vrfsByName.values()) names.push(...vrf.clusters);
    return sortedUnique(names);
  }

  /** One cluster's desired state (semantics §5); empty for a cluster nothing belongs to. Callers must not change it. */
  desiredState(cluster: string): ClusterDesiredState {
    let state = this.desired.get(cluster);
    if (!state) {
      const agents = [...this.agents.values()]
        .map((agent) => agent.config)
        .filter((config) => config.virtualRouter.cluster === cluster)
        .sort((a, b) => byName(a.virtualRouter, b.virtualRouter));
      const stretched = [...this.vrfsByName.values()].filter((vrf) => vrf.clusters.includes(cluster));
      state = clusterDesiredStateOf(cluster, this.lastPosition, agents, stretched);
    } else if (state.position !== this.lastPosition) {
      // Unchanged since it was made (any change clears the cache): only the position it is valid at moved on.
      state = { ...state, position: this.lastPosition };
    }
    this.desired.set(cluster, state);
    return state;
  }

  /**
   * sha256 (hex) of the canonical JSON of every cluster's desired state, without the positions: two models of the
   * same network share it whatever position they were built at.
   */
  digest(): string {
    const clusters = this.clusters();
    const key = clusters.join('\n');
    if (this.digestCache?.clusters !== key) {
      const states = clusters.map((cluster) => {
        const { position: _position, ...state } = this.desiredState(cluster);
        return state;
      });
      this.digestCache = { clusters: key, digest: canonicalDigest(states) };
    }
    return this.digestCache.digest;
  }

  /**
   * Adds what a touched live object may newly lead to: a virtual-router itself; an interface's virtual-routers
   * (through its VMs and its host binding); an instance-ip's interfaces; a security group's name (for rules that
   * looked it up while it did not exist). What an object led to before is covered by the agents' dependencies.
   */
  private followNewLinks(source: NetworkSource, object: ConfigObject, keys: Set<string>, routers: Set<string>): void {
    switch (object.type) {
      case Types.virtualRouter:
        routers.add(nameOf(object));
        return;
      case Types.virtualMachineInterface: {
        for (const vm of refUuids(object, Types.virtualMachine)) {
          for (const referrer of source.backRefs(vm)) if (referrer.type === Types.virtualRouter) routers.add(nameOf(referrer));
        }
        const host = hostOf(object);
        if (host !== undefined && this.index.virtualRouterByName.has(host)) routers.add(host);
        return;
      }
      case Types.instanceIp:
        for (const vmi of refUuids(object, Types.virtualMachineInterface)) keys.add(vmi);
        return;
      case Types.securityGroup:
        keys.add(securityGroupNameKey(fqOf(object)));
        return;
      default:
        return;
    }
  }

  /** Recomputes every VRF from the indexed VNs and VNRs; keeps the objects of those that did not change. */
  private recomputeVrfs(source: NetworkSource): { changed: VrfConfig[]; removed: string[] } {
    const live = (uuids: Iterable<string>, type: string): Map<string, ConfigObject> => {
      const out = new Map<string, ConfigObject>();
      for (const uuid of uuids) {
        const object = source.get(uuid);
        if (object?.type === type) out.set(uuid, object);
      }
      return out;
    };
    const networks = live(this.index.networks, Types.virtualNetwork);
    const routers = live(this.index.networkRouters, Types.virtualNetworkRouter).values();
    const next = vrfConfigsOf(source, networks, routers);
    const changed: VrfConfig[] = [];
    for (const [name, vrf] of next) {
      if (sameJson(this.vrfsByName.get(name), vrf)) continue;
      this.vrfsByName.set(name, vrf);
      changed.push(vrf);
    }
    const removed = [...this.vrfsByName.keys()].filter((name) => !next.has(name)).sort();
    for (const name of removed) this.vrfsByName.delete(name);
    return { changed: changed.sort(byName), removed };
  }

  /** Recomputes one agent's config (or drops it when its virtual-router is gone); true when it changed. */
  private recomputeAgent(source: NetworkSource, name: string): boolean {
    const previous = this.agents.get(name);
    if (previous) this.forgetDependencies(name, previous.dependencies);
    const uuid = this.index.virtualRouterByName.get(name);
    const router = uuid === undefined ? undefined : source.get(uuid);
    if (router?.type !== Types.virtualRouter) {
      this.agents.delete(name);
      return previous !== undefined;
    }
    const context: AgentContext = {
      source,
      vrf: (vrfName) => this.vrfsByName.get(vrfName),
      interfacesOnHost: (host) => this.index.interfacesOnHost(host),
    };
    const { config, dependencies } = agentConfigOf(router, context);
    const same = previous !== undefined && sameJson(previous.config, config);
    // An unchanged config keeps its object, so that callers can compare by identity.
    this.agents.set(name, { config: same ? previous.config : config, dependencies });
    for (const key of dependencies) {
      let names = this.dependents.get(key);
      if (!names) this.dependents.set(key, (names = new Set()));
      names.add(name);
    }
    return !same;
  }

  private forgetDependencies(name: string, dependencies: Set<string>): void {
    for (const key of dependencies) {
      const names = this.dependents.get(key);
      names?.delete(name);
      if (names?.size === 0) this.dependents.delete(key);
    }
  }
}
