import { BestPathSelector, makePath, samePathSets, type PathAttributes, type RouteChange, type RoutePath } from './route-path.js';
import { RouteTargetIndex } from './route-target-index.js';
import { RoutingError } from './routing-error.js';
import { Vrf } from './vrf.js';

/** (VRF, prefix) pairs whose best-path set must be recomputed, without duplicates. */
class AffectedKeys {
  readonly byVrf = new Map<Vrf, Set<string>>();

  add(vrf: Vrf, prefix: string): void {
    let prefixes = this.byVrf.get(vrf);
    if (prefixes === undefined) this.byVrf.set(vrf, (prefixes = new Set()));
    prefixes.add(prefix);
  }

  addAll(vrf: Vrf, prefixes: Iterable<string>): void {
    for (const prefix of prefixes) this.add(vrf, prefix);
  }
}

/**
 * Every VRF's paths and best-path table (docs/routing-semantics.md §3). A path published in V is visible in W iff
 * exportTargets(V) ∩ importTargets(W) ≠ ∅; W's table at p is the best of the visible paths (highest local preference,
 * then highest sequence, the rest ECMP). Each table is cached, so reads are O(1) per prefix and a change recomputes
 * only the affected (VRF, prefix) pairs, reporting those whose best-path set really changed.
 *
 * Prefixes are taken as given: callers pass canonicalPrefix() output. The arrays and paths returned are the tables'
 * own: read them, do not change them (a new array replaces a changed set, so one read earlier stays consistent).
 */
export class RoutingTables {
  private readonly vrfs = new Map<string, Vrf>();
  private readonly targets = new RouteTargetIndex();
  /** prefix → the VRFs holding at least one path published at it. */
  private readonly publishers = new Map<string, Set<Vrf>>();
  /** agent → VRF → the prefixes the agent published there. */
  private readonly byAgent = new Map<string, Map<Vrf, Set<string>>>();
  private paths = 0;

  /** Creates the VRF or changes its targets. Returns every (vrf, prefix) whose best-path set changed in any VRF. */
  setVrf(name: string, importTargets: readonly string[], exportTargets: readonly string[]): RouteChange[] {
    let vrf = this.vrfs.get(name);
    if (vrf === undefined) {
      vrf = new Vrf(name);
      this.vrfs.set(name, vrf);
    } else if (sameMembers(vrf.imports, importTargets) && sameMembers(vrf.exports, exportTargets)) {
      return [];
    }
    const delta = this.targets.setTargets(vrf, importTargets, exportTargets);
    const affected = new AffectedKeys();
    for (const source of delta.sources) affected.addAll(vrf, source.published.keys());
    for (const viewer of delta.viewers) affected.addAll(viewer, vrf.published.keys());
    return this.refreshAll(affected);
  }

  /**
   * Removes the VRF and every path published in it (withdrawn wherever visible). Its own table disappears: the
   * changes include every prefix it had. An unknown VRF is a no-op.
   */
  removeVrf(name: string): RouteChange[] {
    const vrf = this.vrfs.get(name);
    if (vrf === undefined) return [];
    const changes: RouteChange[] = [...vrf.best.keys()].map((prefix) => ({ vrf: name, prefix }));
    const viewers = this.targets.remove(vrf);
    this.vrfs.delete(name);
    const affected = new AffectedKeys();
    for (const [prefix, byAgent] of vrf.published) {
      for (const agent of byAgent.keys()) this.unindexAgent(agent, vrf, prefix);
      this.paths -= byAgent.size;
      this.unindexPublisher(prefix, vrf);
      for (const viewer of viewers) affected.add(viewer, prefix);
    }
    vrf.published.clear();
    vrf.best.clear();
    changes.push(...this.refreshAll(affected));
    return changes;
  }

  hasVrf(name: string): boolean {
    return this.vrfs.has(name);
  }

  /** The VRF's import and export targets, or undefined when it is unknown. */
  targetsOf(name: string): { importTargets: string[]; exportTargets: string[] } | undefined {
    const vrf = this.vrfs.get(name);
    return vrf && { importTargets: [...vrf.imports], exportTargets: [...vrf.exports] };
  }

  /** Publishes (or replaces) the agent's path for (vrf, prefix), not stale. Throws a RoutingError for an unknown VRF. */
  publish(agent: string, vrf: string, prefix: string, attributes: PathAttributes): RouteChange[] {
    const target = this.vrfs.get(vrf);
    if (target === undefined) throw new RoutingError(`unknown VRF '${vrf}'`, 'unknown-vrf');
    let byAgent = target.published.get(prefix);
    if (byAgent === undefined) {
      target.published.set(prefix, (byAgent = new Map()));
      let vrfs = this.publishers.get(prefix);
      if (vrfs === undefined) this.publishers.set(prefix, (vrfs = new Set()));
      vrfs.add(target);
    }
    if (!byAgent.has(agent)) {
      this.paths++;
      let owned = this.byAgent.get(agent);
      if (owned === undefined) this.byAgent.set(agent, (owned = new Map()));
      let prefixes = owned.get(target);
      if (prefixes === undefined) owned.set(target, (prefixes = new Set()));
      prefixes.add(prefix);
    }
    byAgent.set(agent, makePath(agent, vrf, attributes));
    return this.refreshViewers(target, prefix);
  }

  /** Withdraws the agent's path for (vrf, prefix); a no-op when there is none. */
  withdraw(agent: string, vrf: string, prefix: string): RouteChange[] {
    const target = this.vrfs.get(vrf);
    if (target === undefined || !this.removePath(agent, target, prefix)) return [];
    return this.refreshViewers(target, prefix);
  }

  /** Withdraws every path of the agent. */
  withdrawAll(agent: string): RouteChange[] {
    return this.removeAgentPaths(agent, () => true);
  }

  /** Marks every path of the agent stale. They stay in use: best-path choice ignores `stale`; nothing is reported. */
  markStale(agent: string): void {
    for (const [vrf, prefixes] of this.byAgent.get(agent) ?? []) {
      for (const prefix of prefixes) vrf.published.get(prefix)!.get(agent)!.stale = true;
    }
  }

  /** Clears the stale mark of every path of the agent (a held session resumed: its routes are current again). */
  clearStale(agent: string): void {
    for (const [vrf, prefixes] of this.byAgent.get(agent) ?? []) {
      for (const prefix of prefixes) vrf.published.get(prefix)!.get(agent)!.stale = false;
    }
  }

  /** Withdraws the agent's paths that are still stale (not republished since markStale). */
  sweepStale(agent: string): RouteChange[] {
    return this.removeAgentPaths(agent, (path) => path.stale);
  }

  /** The best paths of (vrf, prefix), sorted by (next hop, agent, origin VRF); [] when none. */
  bestPaths(vrf: string, prefix: string): RoutePath[] {
    return this.vrfs.get(vrf)?.best.get(prefix) ?? [];
  }

  /** The VRF's whole best-path table, for an initial sync (empty for an unknown VRF). */
  table(vrf: string): IterableIterator<[prefix: string, paths: RoutePath[]]> {
    const target = this.vrfs.get(vrf);
    return target === undefined ? new Map<string, RoutePath[]>().entries() : target.best.entries();
  }

  /** How many prefixes the VRF's table has. */
  prefixCount(vrf: string): number {
    return this.vrfs.get(vrf)?.best.size ?? 0;
  }

  /** How many paths are published, over all VRFs. */
  pathCount(): number {
    return this.paths;
  }

  private removeAgentPaths(agent: string, selected: (path: RoutePath) => boolean): RouteChange[] {
    const owned = this.byAgent.get(agent);
    if (owned === undefined) return [];
    const affected = new AffectedKeys();
    for (const [vrf, prefixes] of [...owned]) {
      for (const prefix of [...prefixes]) {
        if (!selected(vrf.published.get(prefix)!.get(agent)!)) continue;
        this.removePath(agent, vrf, prefix);
        for (const viewer of vrf.viewers) affected.add(viewer, prefix);
      }
    }
    return this.refreshAll(affected);
  }

  /** Removes the agent's path at (vrf, prefix) and its index entries; false when there was none. */
  private removePath(agent: string, vrf: Vrf, prefix: string): boolean {
    const byAgent = vrf.published.get(prefix);
    if (byAgent === undefined || !byAgent.delete(agent)) return false;
    this.paths--;
    this.unindexAgent(agent, vrf, prefix);
    if (byAgent.size === 0) {
      vrf.published.delete(prefix);
      this.unindexPublisher(prefix, vrf);
    }
    return true;
  }

  private unindexAgent(agent: string, vrf: Vrf, prefix: string): void {
    const owned = this.byAgent.get(agent)!;
    const prefixes = owned.get(vrf)!;
    prefixes.delete(prefix);
    if (prefixes.size > 0) return;
    owned.delete(vrf);
    if (owned.size === 0) this.byAgent.delete(agent);
  }

  private unindexPublisher(prefix: string, vrf: Vrf): void {
    const vrfs = this.publishers.get(prefix)!;
    vrfs.delete(vrf);
    if (vrfs.size === 0) this.publishers.delete(prefix);
  }

  private refreshViewers(origin: Vrf, prefix: string): RouteChange[] {
    const changes: RouteChange[] = [];
    for (const viewer of origin.viewers) {
      if (this.refresh(viewer, prefix)) changes.push({ vrf: viewer.name, prefix });
    }
    return changes;
  }

  private refreshAll(affected: AffectedKeys): RouteChange[] {
    const changes: RouteChange[] = [];
    for (const [vrf, prefixes] of affected.byVrf) {
      for (const prefix of prefixes) if (this.refresh(vrf, prefix)) changes.push({ vrf: vrf.name, prefix });
    }
    return changes;
  }

  /** Recomputes the best-path set of (vrf, prefix) and caches it; true when it differs from the cached one. */
  private refresh(vrf: Vrf, prefix: string): boolean {
    const selector = new BestPathSelector();
    const publishers = this.publishers.get(prefix);
    if (publishers !== undefined) {
      // Walk the smaller side: usually the one or two VRFs holding the prefix.
      if (publishers.size <= vrf.sources.size) {
        for (const origin of publishers) {
          if (vrf.sources.has(origin)) for (const path of origin.published.get(prefix)!.values()) selector.offer(path);
        }
      } else {
        for (const origin of vrf.sources) {
          const byAgent = origin.published.get(prefix);
          if (byAgent !== undefined) for (const path of byAgent.values()) selector.offer(path);
        }
      }
    }
    const next = selector.result();
    const previous = vrf.best.get(prefix);
    if (next.length === 0) vrf.best.delete(prefix);
    else vrf.best.set(prefix, next);
    return !samePathSets(previous ?? [], next);
  }
}

function sameMembers(current: ReadonlySet<string>, wanted: readonly string[]): boolean {
  const distinct = new Set(wanted);
  if (distinct.size !== current.size) return false;
  for (const target of distinct) if (!current.has(target)) return false;
  return true;
}
