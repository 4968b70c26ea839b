import type { StreamWrite } from '#libs/event-store';
import { parseIpAddress } from '../allocation/ip-address.js';
import {
  EventTypes,
  resourceEventKind,
  type AddressAllocated,
  type FqNameReserved,
  type NumberAllocated,
  type ResourceCreated,
  type ResourceDeleted,
  type ResourceUpdated,
} from './config-events.js';
import type { ConfigObject, NumberPoolName } from './config-object.js';
import type { ConfigState, ConfigView } from './config-state.js';

/** The effects of one decision that is being appended: what later decisions must already count as taken. */
export interface Pending {
  readonly writes: readonly StreamWrite[];
}

/**
 * The committed state plus every decision still on its way into the log. Deciding against it lets commands that
 * share a stream (an address pool, the VN id pool) be decided one after another without waiting for each other's
 * commit, so their appends share one group commit: each sees the others' allocations as taken and appends with
 * the revision the stream will have after them. If an earlier one fails, the later ones fail their expected
 * revision and are decided again.
 *
 * Names, numbers, addresses, MACs and stream revisions are overlaid, and so are the links that guard deletes: an
 * object being deleted is gone, an object being created or changed counts as a child and a referrer. Objects being
 * created are not visible by uuid (a ref to an object whose create has not been answered is still a 404).
 */
export class SpeculativeState implements ConfigView {
  /** The decisions held, each with the promise `settled` waits on and its resolve. */
  private readonly pending = new Map<Pending, { done: Promise<void>; release: () => void }>();
  private readonly revisions = new Map<string, number>();
  private readonly names = new Map<string, string>();
  private readonly numbers = new Map<NumberPoolName, Map<number, string>>();
  private readonly addresses = new Map<string, Set<bigint>>();
  private readonly macs = new Map<string, string>();
  private readonly deleted = new Set<string>();
  private readonly creating = new Map<string, ConfigObject>();
  private readonly referrers = new Map<string, Map<string, ConfigObject>>();
  private readonly childrenOf = new Map<string, Map<string, ConfigObject>>();
  /** Closed streams' revisions learnt back from the store (reopen), for a create that writes to one again. */
  private readonly reopened = new Map<string, number>();

  constructor(private readonly state: ConfigState) {}

  /**
   * The committed state keeps no revision for a closed stream (a deleted object's, a released name's), so a create
   * that reuses the uuid or the name first appends expecting no stream, and the store answers with the stream's
   * revision. Once the caller has caught up with the log and the state still has the stream closed, it notes that
   * revision here and decides again: the append then expects exactly it, so a concurrent writer still loses or
   * wins cleanly. Returns the forget, for when the command is done (a stale revision only costs another conflict).
   */
  reopen(streamId: string, revision: number): () => void {
    if (this.state.revision(streamId) !== undefined) return () => undefined;
    this.reopened.set(streamId, revision);
    return () => {
      if (this.reopened.get(streamId) === revision) this.reopened.delete(streamId);
    };
  }

  /** Counts a decision's effects until `release`. */
  hold(writes: readonly StreamWrite[]): Pending {
    const pending: Pending = { writes };
    let release!: () => void;
    this.pending.set(pending, { done: new Promise<void>((resolve) => (release = resolve)), release });
    this.rebuild();
    return pending;
  }

  /** Stops counting a decision: it is in the committed state now, or it failed. */
  release(pending: Pending): void {
    const held = this.pending.get(pending);
    if (!held) return;
    this.pending.delete(pending);
    held.release();
    this.rebuild();
  }

  /**
   * Resolves once every decision held now is released (committed or failed). A refusal decided against decisions
   * still on their way into the log may not hold once they are settled (one of them fails and is decided again):
   * the caller decides again after this, against what was committed.
   */
  settled(): Promise<void> {
    return Promise.all([...this.pending.values()].map((held) => held.done)).then(() => undefined);
  }

  get size(): number {
    return this.pending.size;
  }

  get(uuid: string): ConfigObject | undefined {
    return this.deleted.has(uuid) ? undefined : this.state.get(uuid);
  }

  holderOf(uuid: string): ConfigObject | undefined {
    return this.get(uuid) ?? this.creating.get(uuid);
  }

  uuidOf(type: string, fqName: readonly string[]): string | undefined {
    const committed = this.state.uuidOf(type, fqName);
    if (committed !== undefined && !this.deleted.has(committed)) return committed;
    return this.names.get(`${type}\u0000${fqName.join(':')}`);
  }

  children(uuid: string): ConfigObject[] {
    return merge(this.state.children(uuid), this.childrenOf.get(uuid), this.deleted);
  }

  backRefs(uuid: string): ConfigObject[] {
    return merge(this.state.backRefs(uuid), this.referrers.get(uuid), this.deleted);
  }

  revision(streamId: string): number | undefined {
    const extra = this.revisions.get(streamId);
    const committed = this.state.revision(streamId) ?? this.reopened.get(streamId);
    if (extra === undefined) return committed;
    return (committed ?? -1) + extra;
  }

  numbersInUse(pool: NumberPoolName): ReadonlyMap<number, string> {
    const extra = this.numbers.get(pool);
    const committed = this.state.numbersInUse(pool);
    if (!extra) return committed;
    return new Map([...committed, ...extra]);
  }

  addressesInUse(subnetUuid: string): ReadonlyMap<string, string> {
    return this.state.addressesInUse(subnetUuid);
  }

  addressValuesInUse(subnetUuid: string): ReadonlySet<bigint> {
    const extra = this.addresses.get(subnetUuid);
    const committed = this.state.addressValuesInUse(subnetUuid);
    if (!extra || extra.size === 0) return committed;
    return union(committed, extra);
  }

  macOwner(mac: string): string | undefined {
    return this.state.macOwner(mac) ?? this.macs.get(mac);
  }

  /** Recomputes the overlay from the held decisions (few at a time: the ones in flight). */
  private rebuild(): void {
    this.revisions.clear();
    this.names.clear();
    this.numbers.clear();
    this.addresses.clear();
    this.macs.clear();
    this.deleted.clear();
    this.creating.clear();
    this.referrers.clear();
    this.childrenOf.clear();
    for (const { writes } of this.pending.keys()) {
      for (const w of writes) {
        this.revisions.set(w.streamId, (this.revisions.get(w.streamId) ?? 0) + w.events.length);
        for (const e of w.events) this.overlay(e.type, e.data);
      }
    }
  }

  private overlay(type: string, data: unknown): void {
    switch (type) {
      case EventTypes.FqNameReserved: {
        const e = data as FqNameReserved;
        this.names.set(`${e.type}\u0000${e.fq_name.join(':')}`, e.uuid);
        return;
      }
      case EventTypes.NumberAllocated: {
        const e = data as NumberAllocated;
        let pool = this.numbers.get(e.pool);
        if (!pool) this.numbers.set(e.pool, (pool = new Map()));
        pool.set(e.number, e.owner);
        return;
      }
      case EventTypes.AddressAllocated: {
        const e = data as AddressAllocated;
        let set = this.addresses.get(e.subnet_uuid);
        if (!set) this.addresses.set(e.subnet_uuid, (set = new Set()));
        set.add(parseIpAddress(e.address).value);
        return;
      }
      default: {
        const kind = resourceEventKind(type);
        if (kind === 'Deleted') this.deleted.add((data as ResourceDeleted).uuid);
        if (kind === 'Created') {
          const e = data as ResourceCreated;
          const list = (e.props.virtual_machine_interface_mac_addresses as { mac_address?: unknown } | undefined)?.mac_address;
          if (Array.isArray(list)) for (const mac of list) if (typeof mac === 'string') this.macs.set(mac, e.uuid);
          const object = this.describe(e.uuid, e.type, e.fq_name);
          this.creating.set(e.uuid, object);
          if (e.parent_uuid) addTo(this.childrenOf, e.parent_uuid, object);
          for (const entries of Object.values(e.refs)) for (const ref of entries) addTo(this.referrers, ref.uuid, object);
        }
        if (kind === 'Updated') {
          const e = data as ResourceUpdated;
          const object = this.state.get(e.uuid) ?? this.describe(e.uuid, e.type, []);
          for (const entries of Object.values(e.refs)) for (const ref of entries) addTo(this.referrers, ref.uuid, object);
        }
      }
    }
  }

  /** A stand-in for an object still being created, enough to name it in a refusal. */
  private describe(uuid: string, type: string, fqName: string[]): ConfigObject {
    return { type, uuid, fq_name: fqName, props: {}, refs: {}, allocations: [], created: '', last_modified: '', revision: 0 };
  }
}

function addTo(index: Map<string, Map<string, ConfigObject>>, key: string, object: ConfigObject): void {
  let map = index.get(key);
  if (!map) index.set(key, (map = new Map()));
  map.set(object.uuid, object);
}

/** Committed objects plus pending ones, without those being deleted, each once. */
function merge(committed: ConfigObject[], pending: Map<string, ConfigObject> | undefined, deleted: Set<string>): ConfigObject[] {
  if (!pending && deleted.size === 0) return committed;
  const out = new Map<string, ConfigObject>();
  for (const o of committed) if (!deleted.has(o.uuid)) out.set(o.uuid, o);
  for (const [uuid, o] of pending ?? []) if (!deleted.has(uuid) && !out.has(uuid)) out.set(uuid, o);
  return [...out.values()];
}

/** A set that answers for the committed addresses and the pending ones, without copying the committed ones. */
class OverlaySet extends Set<bigint> {
  private readonly base: ReadonlySet<bigint>;

  constructor(base: ReadonlySet<bigint>, extra: Iterable<bigint>) {
    super(extra);
    this.base = base;
  }

  override has(value: bigint): boolean {
    return super.has(value) || this.base.has(value);
  }

  override get size(): number {
    return super.size + this.base.size;
  }
}

function union(base: ReadonlySet<bigint>, extra: ReadonlySet<bigint>): ReadonlySet<bigint> {
  return new OverlaySet(base, extra);
}
