/** What an agent publishes for a prefix (the proto's Route, minus prefix and interface). */
export interface PathAttributes {
  nextHop: string;
  label: number;
  encapsulations: string[];
  securityGroups: number[];
  sequence: number;
  /** 0 means the default, 100. */
  localPreference: number;
}

/**
 * A path as the tables hold it: identified by (agent, originVrf, prefix). The objects are owned by RoutingTables
 * (read them, do not change them); `stale` is updated in place by markStale.
 */
export interface RoutePath extends PathAttributes {
  agent: string;
  /** The VRF the path was published in. */
  originVrf: string;
  /** Left over from a dropped session (graceful restart); still usable. */
  stale: boolean;
}

/** The best-path set of (vrf, prefix) changed: read it with bestPaths. */
export interface RouteChange {
  vrf: string;
  prefix: string;
}

export const DEFAULT_LOCAL_PREFERENCE = 100;

export function effectiveLocalPreference(path: PathAttributes): number {
  return path.localPreference === 0 ? DEFAULT_LOCAL_PREFERENCE : path.localPreference;
}

/** A fresh path record holding copies of the attributes' lists (and none of the caller's extra fields). */
export function makePath(agent: string, originVrf: string, attributes: PathAttributes): RoutePath {
  return {
    nextHop: attributes.nextHop,
    label: attributes.label,
    encapsulations: [...attributes.encapsulations],
    securityGroups: [...attributes.securityGroups],
    sequence: attributes.sequence,
    localPreference: attributes.localPreference,
    agent,
    originVrf,
    stale: false,
  };
}

/** The order paths are sent in: next hop, then agent, then origin VRF (plain code-unit order). */
export function comparePaths(a: RoutePath, b: RoutePath): number {
  return compareText(a.nextHop, b.nextHop) || compareText(a.agent, b.agent) || compareText(a.originVrf, b.originVrf);
}

function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Collects the best of a stream of candidate paths: highest local preference, then highest sequence; all paths left
 * are ECMP. `result()` is sorted for sending.
 */
export class BestPathSelector {
  private best: RoutePath[] = [];
  private preference = -1;
  private sequence = -1;

  offer(path: RoutePath): void {
    const preference = effectiveLocalPreference(path);
    if (preference > this.preference || (preference === this.preference && path.sequence > this.sequence)) {
      this.best = [path];
      this.preference = preference;
      this.sequence = path.sequence;
    } else if (preference === this.preference && path.sequence === this.sequence) {
      this.best.push(path);
    }
  }

  result(): RoutePath[] {
    if (this.best.length > 1) this.best.sort(comparePaths);
    return this.best;
  }
}

/** Whether two sorted best-path sets carry the same routes. `stale` is bookkeeping, not routing: it is ignored. */
export function samePathSets(a: readonly RoutePath[], b: readonly RoutePath[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    if (!samePath(a[i]!, b[i]!)) return false;
  }
  return true;
}

export function samePath(a: RoutePath, b: RoutePath): boolean {
  return (
    a === b ||
    (a.nextHop === b.nextHop &&
      a.label === b.label &&
      a.sequence === b.sequence &&
      a.localPreference === b.localPreference &&
      a.agent === b.agent &&
      a.originVrf === b.originVrf &&
      sameList(a.encapsulations, b.encapsulations) &&
      sameList(a.securityGroups, b.securityGroups))
  );
}

function sameList<T>(a: readonly T[], b: readonly T[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
