/** Two columns of a snapshot: `keys[i]` maps to `values[i]`. */
export interface Columns<K, V> {
  keys: readonly K[];
  values: readonly V[];
}

/**
 * A map of ConfigState that, in a state restored from a snapshot, stays the snapshot's columns until something
 * reads it. Writes made meanwhile (the fold of a tail) are kept apart and merged in order by the first read, so an
 * as-of read that looks only at objects never builds it. Only lookups are offered, and iteration of the whole;
 * the order of entries is not kept (a key deleted and set again before the merge keeps its old place).
 */
export class LazyMap<K, V> {
  private map = new Map<K, V>();
  private base: Columns<K, V> | undefined;
  /** Keys deleted while the columns were not read yet. */
  private deleted: Set<K> | undefined;

  constructor(base?: Columns<K, V>) {
    this.base = base;
  }

  set(key: K, value: V): void {
    this.map.set(key, value);
    this.deleted?.delete(key);
  }

  delete(key: K): void {
    this.map.delete(key);
    if (this.base) (this.deleted ??= new Set()).add(key);
  }

  get(key: K): V | undefined {
    return this.all().get(key);
  }

  all(): ReadonlyMap<K, V> {
    const base = this.base;
    if (base) {
      const merged = new Map<K, V>();
      for (let i = 0; i < base.keys.length; i++) merged.set(base.keys[i], base.values[i]);
      for (const key of this.deleted ?? []) merged.delete(key);
      for (const [key, value] of this.map) merged.set(key, value);
      this.map = merged;
      this.base = undefined;
      this.deleted = undefined;
    }
    return this.map;
  }
}
