/** Sets of uuids by key, flat: `keys[i]` holds the next `counts[i]` entries of `members`. */
export interface Groups {
  keys: string[];
  counts: number[];
  members: string[];
}

/**
 * Sets of uuids by key (children by parent, back-refs by target) for ConfigState. In a state restored from a
 * snapshot they stay the snapshot's flat groups, and a key's set is made when the key is first used: a tail folded
 * onto a snapshot touches a few thousand keys, not the tens of thousands a large config has. Sets keep the order
 * their members were added in (back-refs show in that order); the order of the keys is not kept, nothing reads it.
 */
export class LazySets {
  private sets = new Map<string, Set<string>>();
  private base: Groups | undefined;
  /** Group number of each key of `base`, and where each group starts in `base.members`; made on first use. */
  private groupOf: Map<string, number> | undefined;
  private starts: number[] | undefined;
  /** Keys of `base` deleted since: their group is gone, and a set made for them again starts empty. */
  private dropped: Set<string> | undefined;

  constructor(base?: Groups) {
    this.base = base && base.keys.length > 0 ? base : undefined;
  }

  get(key: string): Set<string> | undefined {
    const set = this.sets.get(key);
    if (set !== undefined || this.base === undefined) return set;
    return this.fromBase(key);
  }

  add(key: string, member: string): void {
    let set = this.get(key);
    if (set === undefined) this.sets.set(key, (set = new Set()));
    set.add(member);
  }

  /** Takes `member` out of the key's set, and the key with it once its set is empty (no empty sets pile up). */
  remove(key: string, member: string): void {
    const set = this.get(key);
    if (set === undefined) return;
    set.delete(member);
    if (set.size === 0) this.delete(key);
  }

  delete(key: string): void {
    this.sets.delete(key);
    // Only a key of the snapshot needs remembering as gone; any other key is simply no longer in `sets`.
    if (this.base !== undefined && this.index().has(key) && !this.dropped?.has(key)) (this.dropped ??= new Set()).add(key);
  }

  /** How many keys hold a set (the snapshot's groups not yet made into sets included, those dropped not). */
  get size(): number {
    if (this.base === undefined) return this.sets.size;
    let size = this.sets.size;
    for (const key of this.index().keys()) if (!this.sets.has(key) && !this.dropped?.has(key)) size++;
    return size;
  }

  /** Every non-empty set, flat. */
  toGroups(): Groups {
    const groups: Groups = { keys: [], counts: [], members: [] };
    const push = (key: string, members: Iterable<string>, count: number) => {
      if (count === 0) return;
      groups.keys.push(key);
      groups.counts.push(count);
      for (const member of members) groups.members.push(member);
    };
    const base = this.base;
    if (base === undefined) {
      for (const [key, set] of this.sets) push(key, set, set.size);
      return groups;
    }
    const groupOf = this.index();
    for (let i = 0, start = 0; i < base.keys.length; start += base.counts[i], i++) {
      const key = base.keys[i];
      if (this.dropped?.has(key)) continue;
      const set = this.sets.get(key);
      if (set !== undefined) push(key, set, set.size);
      else push(key, base.members.slice(start, start + base.counts[i]), base.counts[i]);
    }
    for (const [key, set] of this.sets) if (!groupOf.has(key) || this.dropped?.has(key)) push(key, set, set.size);
    return groups;
  }

  private fromBase(key: string): Set<string> | undefined {
    if (this.dropped?.has(key)) return undefined;
    const group = this.index().get(key);
    if (group === undefined) return undefined;
    const start = this.starts![group];
    const set = new Set(this.base!.members.slice(start, start + this.base!.counts[group]));
    this.sets.set(key, set);
    return set;
  }

  private index(): Map<string, number> {
    if (this.groupOf === undefined) {
      const { keys, counts } = this.base!;
      this.groupOf = new Map();
      this.starts = new Array<number>(keys.length);
      for (let i = 0, start = 0; i < keys.length; start += counts[i], i++) {
        this.groupOf.set(keys[i], i);
        this.starts[i] = start;
      }
    }
    return this.groupOf;
  }
}
