import { expired } from './errors.js';
import type { KubeObject } from './objects.js';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One write, as a watch reports it. Stored objects are never mutated, so a change can share them. */
export interface Change {
  readonly rv: number;
  readonly type: ChangeType;
  /** The state after the change; for DELETED, the last state with the deletion's rv. */
  readonly object: KubeObject;
  /** The state before a MODIFIED, so a filtered watch can tell an object entering or leaving its selection. */
  readonly previous: KubeObject | undefined;
  /** The watch line of this change, serialized once for every watch that sends it unchanged. */
  line?: string;
}

export type ChangeListener = (change: Change) => void;

/**
 * The current objects of one kind and the changes to them in rv order — the fake's watch cache for that kind. The
 * history is bounded: past twice `limit` changes the oldest `limit` go and the floor moves past them, so a watch
 * from before the floor is answered 410 Expired as the real watch cache answers it.
 */
export class KindHistory {
  readonly objects = new Map<string, KubeObject>();
  readonly listeners = new Set<ChangeListener>();
  private changes: Change[] = [];
  /** A watch may start at any rv >= floor: every change after the floor is still held. */
  private floor = 0;

  constructor(private readonly limit: number) {}

  record(change: Change): void {
    this.changes.push(change);
    if (this.changes.length >= 2 * this.limit) {
      const dropped = this.changes.length - this.limit;
      this.floor = this.changes[dropped - 1].rv;
      this.changes = this.changes.slice(dropped);
    }
    for (const listener of this.listeners) listener(change);
  }

  /** The changes after `rv`, oldest first (binary search: the cost is the length of the answer). */
  since(rv: number): Change[] {
    if (rv < this.floor) throw expired(rv, this.floor);
    let low = 0;
    let high = this.changes.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.changes[middle].rv <= rv) low = middle + 1;
      else high = middle;
    }
    return this.changes.slice(low);
  }

  /** Forgets every change up to `rv` (etcd compaction): older watches get 410. */
  compact(rv: number): void {
    this.floor = Math.max(this.floor, rv);
    this.changes = this.changes.filter((change) => change.rv > rv);
  }

  get historyLength(): number {
    return this.changes.length;
  }
}
