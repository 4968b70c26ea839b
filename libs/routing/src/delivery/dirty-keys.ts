/** One (vrf, prefix) key. */
export interface RouteKey {
  readonly vrf: string;
  readonly prefix: string;
}

/** Below this many slots the queue is never compacted: the scan it saves is not worth a copy. */
const COMPACT_MIN = 1024;

/**
 * The (vrf, prefix) keys waiting to be sent, first marked first out; marking a key already waiting keeps its place.
 * Counts per VRF so a VRF's end-of-rib can wait for its last key, and a VRF's keys can be dropped at once.
 *
 * Keys are found by VRF, then by prefix: the strings come from the routing tables and are shared by every agent's
 * queue, so no key string is built and hashed per agent and route. The order is an array of the key objects read
 * from `head`; a key is waiting while its VRF's map holds that very object, so dropping a VRF only forgets its map,
 * and take() skips the keys left behind (compacted away once they outnumber the waiting ones).
 */
export class DirtyKeys {
  private queue: RouteKey[] = [];
  private head = 0;
  private waiting = 0;
  private readonly byVrf = new Map<string, Map<string, RouteKey>>();

  get size(): number {
    return this.waiting;
  }

  /** Marks the key dirty; false when it already was. */
  mark(vrf: string, prefix: string): boolean {
    let keys = this.byVrf.get(vrf);
    if (keys === undefined) this.byVrf.set(vrf, (keys = new Map()));
    else if (keys.has(prefix)) return false;
    const key: RouteKey = { vrf, prefix };
    keys.set(prefix, key);
    this.queue.push(key);
    this.waiting += 1;
    return true;
  }

  /** How many keys of the VRF are dirty. */
  countFor(vrf: string): number {
    return this.byVrf.get(vrf)?.size ?? 0;
  }

  /** Removes and returns up to `limit` keys, oldest first. */
  take(limit: number): RouteKey[] {
    const taken: RouteKey[] = [];
    while (taken.length < limit && this.head < this.queue.length) {
      const key = this.queue[this.head++]!;
      const keys = this.byVrf.get(key.vrf);
      if (keys === undefined || keys.get(key.prefix) !== key) continue; // dropped with its VRF
      keys.delete(key.prefix);
      if (keys.size === 0) this.byVrf.delete(key.vrf);
      this.waiting -= 1;
      taken.push(key);
    }
    this.compact();
    return taken;
  }

  /** Drops every dirty key of the VRF. */
  dropVrf(vrf: string): void {
    const keys = this.byVrf.get(vrf);
    if (keys === undefined) return;
    this.waiting -= keys.size;
    this.byVrf.delete(vrf);
    this.compact();
  }

  clear(): void {
    this.queue = [];
    this.head = 0;
    this.waiting = 0;
    this.byVrf.clear();
  }

  /** Lets go of the slots already read and of dropped keys once they are the larger part of the queue. */
  private compact(): void {
    if (this.waiting === 0) {
      if (this.queue.length > 0) this.clear();
      return;
    }
    const slots = this.queue.length - this.head;
    if (this.head >= COMPACT_MIN && this.head >= slots) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (slots >= COMPACT_MIN && slots - this.waiting > this.waiting) {
      this.queue = this.queue.slice(this.head).filter((key) => this.byVrf.get(key.vrf)?.get(key.prefix) === key);
      this.head = 0;
    }
  }
}
