import type { ConfigStateSnapshot } from '#libs/domain';

/**
 * The config fold's snapshots, in memory and in position order, for as-of reads (DESIGN §4). At most `capacity`:
 * when one more comes, every other one is dropped counting back from the newest, so the newest stays, the spacing
 * doubles and the snapshots still cover the log evenly. Nothing is persisted: the shelf is filled again at every
 * start by the audit engine's replay.
 */
export class SnapshotShelf {
  private items: ConfigStateSnapshot[] = [];

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`maxSnapshots must be a positive integer, not ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  /** Positions of the snapshots held, oldest first. */
  positions(): number[] {
    return this.items.map((s) => s.position);
  }

  /** Adds a snapshot newer than every one held. Returns true when the shelf was thinned to make room. */
  add(snapshot: ConfigStateSnapshot): boolean {
    const newest = this.items[this.items.length - 1];
    if (newest && snapshot.position <= newest.position) {
      throw new RangeError(`snapshot at ${snapshot.position} is not newer than the one at ${newest.position}`);
    }
    this.items.push(snapshot);
    if (this.items.length <= this.capacity) return false;
    const last = this.items.length - 1;
    this.items = this.items.filter((_, i) => (last - i) % 2 === 0);
    return true;
  }

  /** The newest snapshot at or below `position`; undefined when there is none (fold from the start). */
  atOrBelow(position: number): ConfigStateSnapshot | undefined {
    let lo = 0;
    let hi = this.items.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.items[mid].position <= position) lo = mid + 1;
      else hi = mid;
    }
    return lo > 0 ? this.items[lo - 1] : undefined;
  }
}
