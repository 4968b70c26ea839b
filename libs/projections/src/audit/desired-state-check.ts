import { canonicalJson } from '#libs/domain';
import type { JsonValue } from '#libs/event-store';
import type { ClusterDesiredState, NetworkModel } from '#libs/routing';

/** The live desired state verify compares with a rebuild: the DesiredStateProjection satisfies it. */
export interface LiveDesiredState {
  /** The log position the model reflects. */
  readonly position: number;
  readonly model: NetworkModel;
}

/**
 * Where a live desired state and one derived from a replay of the log first differ: clusters in name order, and
 * within a cluster its virtual routers (by name), then its VRFs (by name), then its route targets.
 */
export interface DesiredStateDivergence {
  cluster: string;
  /** `cluster` when the cluster is on one side only; otherwise the kind of the first item that differs. */
  kind: 'cluster' | 'virtual-router' | 'vrf' | 'route-target';
  /** The virtual router's or the VRF's name, the route target; the cluster's name for kind `cluster`. */
  name: string;
  /** The item's first differing field (`interfaces`, `importTargets` …); absent when the item is on one side only. */
  field?: string;
  live: JsonValue | null;
  rebuilt: JsonValue | null;
}

/** Every cluster's desired state without its position (which the digest leaves out too), by cluster name. */
export type DesiredStates = ReadonlyMap<string, Omit<ClusterDesiredState, 'position'>>;

/**
 * The model's clusters and their desired states, now: the states are the model's own objects, which it replaces
 * rather than changes, so a model that moves on later leaves them as they were.
 */
export function desiredStatesOf(model: NetworkModel): DesiredStates {
  const out = new Map<string, Omit<ClusterDesiredState, 'position'>>();
  for (const cluster of model.clusters()) {
    const { position: _position, ...state } = model.desiredState(cluster);
    out.set(cluster, state);
  }
  return out;
}

type Item = Record<string, unknown>;
const SECTIONS = [
  { kind: 'virtual-router', of: (s: Omit<ClusterDesiredState, 'position'>) => s.virtualRouters, name: (i: Item) => (i.virtualRouter as { name: string }).name },
  { kind: 'vrf', of: (s: Omit<ClusterDesiredState, 'position'>) => s.vrfs, name: (i: Item) => i.name as string },
  { kind: 'route-target', of: (s: Omit<ClusterDesiredState, 'position'>) => s.routeTargets, name: (i: Item) => i.target as string },
] as const;

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const asJson = (value: unknown) => (value === undefined ? null : (value as JsonValue));

/** The first place the two differ (see DesiredStateDivergence); undefined when they hold the same. */
export function firstDesiredStateDivergence(live: DesiredStates, rebuilt: DesiredStates): DesiredStateDivergence | undefined {
  const clusters = [...new Set([...live.keys(), ...rebuilt.keys()])].sort(compareText);
  for (const cluster of clusters) {
    const a = live.get(cluster);
    const b = rebuilt.get(cluster);
    if (!a || !b) return { cluster, kind: 'cluster', name: cluster, live: asJson(a), rebuilt: asJson(b) };
    if (canonicalJson(a) === canonicalJson(b)) continue;
    for (const section of SECTIONS) {
      const found = firstItemDivergence(section.of(a) as unknown as Item[], section.of(b) as unknown as Item[], section.name);
      if (found) return { cluster, kind: section.kind, ...found };
    }
    // The items agree but the whole does not: a difference of shape (a key on one side only).
    return { cluster, kind: 'cluster', name: cluster, live: asJson(a), rebuilt: asJson(b) };
  }
  return undefined;
}

function firstItemDivergence(
  live: readonly Item[],
  rebuilt: readonly Item[],
  nameOf: (item: Item) => string,
): Omit<DesiredStateDivergence, 'cluster' | 'kind'> | undefined {
  const a = new Map(live.map((item) => [nameOf(item), item]));
  const b = new Map(rebuilt.map((item) => [nameOf(item), item]));
  for (const name of [...new Set([...a.keys(), ...b.keys()])].sort(compareText)) {
    const x = a.get(name);
    const y = b.get(name);
    if (!x || !y) return { name, live: asJson(x), rebuilt: asJson(y) };
    if (canonicalJson(x) === canonicalJson(y)) continue;
    // Fields in the rebuilt item's order, then any the live one has besides.
    for (const field of [...new Set([...Object.keys(y), ...Object.keys(x)])]) {
      if (canonicalJson(x[field]) !== canonicalJson(y[field])) return { name, field, live: asJson(x[field]), rebuilt: asJson(y[field]) };
    }
    return { name, live: asJson(x), rebuilt: asJson(y) };
  }
  return undefined;
}
