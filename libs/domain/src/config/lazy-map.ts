/** Two columns of a snapshot: `keys[i]` maps to `values[i]`. */
export interface Columns<K, V> {
  keys: readonly K[];
  values: readonly V[];
}

const DELETED: unique symbol = Symbol('deleted');

/**
 * A map of ConfigState that, in a state restored from a snapshot, stays the snapshot's columns until something
 * reads it. Writes made meanwhile (the fold of a tail, one per event for stream revisions) are only noted, in
 * order, and the first read replays them onto the columns: the same map, in the same order, as if it had been
 * built all along, and an as-of read that looks only at objects never pays for it.
 */
export class LazyMap<K, V> {
  private map = new Map<K, V>();
  private base: Columns<K, V> | undefined;
  private writes: { keys: K[]; values: Array<V | typeof DELETED> } | undefined;

  constructor(base?: Columns<K, V>) {
    if (base) {
      this.base = base;
      this.writes = { keys: [], values: [] };
    }
  }

  set(key: K, value: V): void {
    if (this.writes) this.note(key, value);
    else this.map.set(key, value);
  }

  delete(key: K): void {
    if (this.writes) this.note(key, DELETED);
    else this.map.delete(key);
  }

  private note(key: K, value: V | typeof DELETED): void {
    const writes = this.writes!;
    writes.keys.push(key);
    writes.values.push(value);
    // A state that goes on folding without reading would otherwise note without end.
    if (writes.keys.length >= Math.max(1 << 16, this.base!.keys.length)) this.all();
  }

  get(key: K): V | undefined {
    return this.all().get(key);
  }

  all(): ReadonlyMap<K, V> {
    const { base, writes } = this;
    if (base && writes) {
      for (let i = 0; i < base.keys.length; i++) this.map.set(base.keys[i], base.values[i]);
      for (let i = 0; i < writes.keys.length; i++) {
        const value = writes.values[i];
        if (value === DELETED) this.map.delete(writes.keys[i]);
        else this.map.set(writes.keys[i], value);
      }
      this.base = undefined;
      this.writes = undefined;
    }
    return this.map;
  }
}
