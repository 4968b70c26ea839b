/** One (vrf, prefix) key. */
export interface RouteKey {
  readonly vrf: string;
  readonly prefix: string;
}

/**
 * The (vrf, prefix) keys waiting to be sent, first marked first out; marking a key already waiting keeps its place.
 * Counts per VRF so a VRF's end-of-rib can wait for its last key, and a VRF's keys can be dropped at once.
 *
 * Keys are found by VRF, then by prefix: the strings come from the routing tables and are shared by every agent's
 * queue, so no key string is built (and hashed) per agent and route. The order is a set of the key objects.
 */
export class DirtyKeys {
  private readonly order = new Set<RouteKey>();
  private readonly byVrf = new Map<string, Map<string, RouteKey>>();

  get size(): number {
    return this.order.size;
  }

  /** Marks the key dirty; false when it already was. */
  mark(vrf: string, prefix: string): boolean {
    let keys = this.byVrf.get(vrf);
    if (keys === undefined) this.byVrf.set(vrf, (keys = new Map()));
    else if (keys.has(prefix)) return false;
    const key: RouteKey = { vrf, prefix };
    keys.set(prefix, key);
    this.order.add(key);
    return true;
  }

  /** How many keys of the VRF are dirty. */
  countFor(vrf: string): number {
    return this.byVrf.get(vrf)?.size ?? 0;
  }

  /** Removes and returns up to `limit` keys, oldest first. */
  take(limit: number): RouteKey[] {
    const taken: RouteKey[] = [];
    for (const key of this.order) {
      if (taken.length >= limit) break;
      taken.push(key);
    }
    for (const key of taken) this.remove(key);
    return taken;
  }

  /** Drops every dirty key of the VRF. */
  dropVrf(vrf: string): void {
    for (const key of this.byVrf.get(vrf)?.values() ?? []) this.order.delete(key);
    this.byVrf.delete(vrf);
  }

  clear(): void {
    this.order.clear();
    this.byVrf.clear();
  }

  private remove(key: RouteKey): void {
    this.order.delete(key);
    const keys = this.byVrf.get(key.vrf)!;
    keys.delete(key.prefix);
    if (keys.size === 0) this.byVrf.delete(key.vrf);
  }
}
