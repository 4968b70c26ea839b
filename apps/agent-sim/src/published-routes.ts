import type { agentProto } from '#libs/proto';
import type { RouteSet } from './interface-routes.js';

/**
 * The routes an agent originated: those of the current session, and those of the session before that control may
 * still hold as stale (graceful restart) until the agent republishes them or sends AgentEndOfRib.
 */
export class PublishedRoutes {
  current: RouteSet = new Map();
  stale: RouteSet = new Map();

  published(vrf: string, routes: readonly agentProto.Route[]): void {
    let table = this.current.get(vrf);
    if (!table) this.current.set(vrf, (table = new Map()));
    for (const route of routes) {
      table.set(route.prefix, route);
      this.stale.get(vrf)?.delete(route.prefix);
    }
  }

  withdrawn(vrf: string, prefixes: readonly string[]): void {
    for (const prefix of prefixes) {
      this.current.get(vrf)?.delete(prefix);
      this.stale.get(vrf)?.delete(prefix);
    }
  }

  /** A new session: what was published is stale now (the old session's routes wait for a republish). */
  newSession(): void {
    for (const [vrf, table] of this.current) {
      const stale = this.stale.get(vrf) ?? new Map<string, agentProto.Route>();
      for (const [prefix, route] of table) stale.set(prefix, route);
      this.stale.set(vrf, stale);
    }
    this.current = new Map();
  }

  /** AgentEndOfRib: control drops whatever stale route was not republished. */
  endOfRib(): void {
    this.stale = new Map();
  }

  count(set: RouteSet): number {
    let n = 0;
    for (const table of set.values()) n += table.size;
    return n;
  }
}
