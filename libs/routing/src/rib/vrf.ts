import type { RoutePath } from './route-path.js';

/** One VRF inside RoutingTables: its targets, who it sees and who sees it, what was published in it, its table. */
export class Vrf {
  imports: ReadonlySet<string> = new Set();
  exports: ReadonlySet<string> = new Set();
  /** The VRFs whose paths are visible here (itself too when its targets overlap). Kept by RouteTargetIndex. */
  sources = new Set<Vrf>();
  /** The VRFs this one's paths are visible in. Kept by RouteTargetIndex. */
  viewers = new Set<Vrf>();
  /** prefix → agent → the path the agent published here. */
  readonly published = new Map<string, Map<string, RoutePath>>();
  /** prefix → best-path set over the visible paths; prefixes without a visible path are absent. */
  readonly best = new Map<string, RoutePath[]>();

  constructor(readonly name: string) {}
}
