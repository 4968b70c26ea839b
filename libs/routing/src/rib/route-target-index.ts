import type { Vrf } from './vrf.js';

/** What a target change altered: the VRFs that started or stopped being a source, resp. a viewer, of the VRF. */
export interface VisibilityDelta {
  sources: Vrf[];
  viewers: Vrf[];
}

/**
 * Route target → the VRFs exporting / importing it, and from that each VRF's `sources` and `viewers`: V is a source
 * of W (W a viewer of V) iff exportTargets(V) ∩ importTargets(W) ≠ ∅.
 */
export class RouteTargetIndex {
  private readonly exporters = new Map<string, Set<Vrf>>();
  private readonly importers = new Map<string, Set<Vrf>>();

  /** Gives the VRF new targets and updates the visibility sets of it and of the VRFs related to it. */
  setTargets(vrf: Vrf, importTargets: Iterable<string>, exportTargets: Iterable<string>): VisibilityDelta {
    this.unindex(vrf);
    vrf.imports = new Set(importTargets);
    vrf.exports = new Set(exportTargets);
    for (const target of vrf.imports) addTo(this.importers, target, vrf);
    for (const target of vrf.exports) addTo(this.exporters, target, vrf);

    const sources = unionOf(this.exporters, vrf.imports);
    const viewers = unionOf(this.importers, vrf.exports);
    const delta: VisibilityDelta = { sources: difference(vrf.sources, sources), viewers: difference(vrf.viewers, viewers) };
    for (const source of vrf.sources) if (source !== vrf && !sources.has(source)) source.viewers.delete(vrf);
    for (const source of sources) if (source !== vrf) source.viewers.add(vrf);
    for (const viewer of vrf.viewers) if (viewer !== vrf && !viewers.has(viewer)) viewer.sources.delete(vrf);
    for (const viewer of viewers) if (viewer !== vrf) viewer.sources.add(vrf);
    vrf.sources = sources;
    vrf.viewers = viewers;
    return delta;
  }

  /** Forgets the VRF; returns the other VRFs that saw its paths. */
  remove(vrf: Vrf): Vrf[] {
    this.unindex(vrf);
    for (const source of vrf.sources) source.viewers.delete(vrf);
    const viewers = [...vrf.viewers].filter((viewer) => viewer !== vrf);
    for (const viewer of viewers) viewer.sources.delete(vrf);
    vrf.sources = new Set();
    vrf.viewers = new Set();
    return viewers;
  }

  private unindex(vrf: Vrf): void {
    for (const target of vrf.imports) removeFrom(this.importers, target, vrf);
    for (const target of vrf.exports) removeFrom(this.exporters, target, vrf);
  }
}

function addTo(index: Map<string, Set<Vrf>>, target: string, vrf: Vrf): void {
  let vrfs = index.get(target);
  if (vrfs === undefined) index.set(target, (vrfs = new Set()));
  vrfs.add(vrf);
}

function removeFrom(index: Map<string, Set<Vrf>>, target: string, vrf: Vrf): void {
  const vrfs = index.get(target);
  if (vrfs === undefined) return;
  vrfs.delete(vrf);
  if (vrfs.size === 0) index.delete(target);
}

function unionOf(index: Map<string, Set<Vrf>>, targets: Iterable<string>): Set<Vrf> {
  const union = new Set<Vrf>();
  for (const target of targets) for (const vrf of index.get(target) ?? []) union.add(vrf);
  return union;
}

/** The members of exactly one of the two sets. */
function difference(before: ReadonlySet<Vrf>, after: ReadonlySet<Vrf>): Vrf[] {
  const changed: Vrf[] = [];
  for (const vrf of before) if (!after.has(vrf)) changed.push(vrf);
  for (const vrf of after) if (!before.has(vrf)) changed.push(vrf);
  return changed;
}
