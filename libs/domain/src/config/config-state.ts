import type { JsonValue, RecordedEvent } from '#libs/event-store';
import { parseIpAddress } from '../allocation/ip-address.js';
import { canonicalDigest } from './canonical-json.js';
import { stateDigest } from './config-state-digest.js';
import { readSnapshot, writeSnapshot, type AddressBook, type ConfigStateSnapshot, type StateIndexes } from './config-state-snapshot.js';
import { LazyMap } from './lazy-map.js';
import { LazySets } from './lazy-sets.js';
import { copyConfigObject, type Allocation, type ConfigObject, type NumberPoolName, type RefEntry } from './config-object.js';
import {
  EventTypes,
  isConfigEventType,
  resourceEventKind,
  type AddressAllocated,
  type NumberAllocated,
  type ResourceCreated,
  type ResourceDeleted,
  type ResourceUpdated,
} from './config-events.js';

/** What the fold needs of a recorded event. */
export type ConfigEvent = Pick<RecordedEvent, 'type' | 'streamId' | 'streamRevision' | 'globalPosition' | 'data'>;

const EMPTY_VALUES: ReadonlySet<bigint> = new Set();

const MAC_ADDRESSES = 'virtual_machine_interface_mac_addresses';

const fqKey = (type: string, fqName: readonly string[]) => `${type}\u0000${fqName.join(':')}`;

/** What deciders read of the state: the committed fold, or that fold plus decisions still being appended. */
export interface ConfigView {
  get(uuid: string): ConfigObject | undefined;
  /** The object holding this uuid, whatever its type, including one still being created. */
  holderOf(uuid: string): ConfigObject | undefined;
  uuidOf(type: string, fqName: readonly string[]): string | undefined;
  children(uuid: string): ConfigObject[];
  backRefs(uuid: string): ConfigObject[];
  revision(streamId: string): number | undefined;
  numbersInUse(pool: NumberPoolName): ReadonlyMap<number, string>;
  addressesInUse(subnetUuid: string): ReadonlyMap<string, string>;
  addressValuesInUse(subnetUuid: string): ReadonlySet<bigint>;
  macOwner(mac: string): string | undefined;
}

/**
 * The config plane's current state: the fold of the whole log in global order (DESIGN §4, config state). Deciders
 * read it; only `apply` changes it. Indexes: objects by uuid and by (type, fq_name), children by parent, back-refs
 * by target, each open stream's revision (for expected-revision appends), and what every pool has handed out.
 *
 * For audits and as-of reads it can be snapshotted to plain JSON and made again from a snapshot, and has a digest
 * that two states holding the same things share. Objects shared with a snapshot are frozen; the fold copies such an
 * object before it changes it, so a snapshot never changes and a state's own objects change in place as before.
 */
export class ConfigState implements ConfigView {
  private objects = new Map<string, ConfigObject>();
  private byFqName = new LazyMap<string, string>();
  private childrenOf = new LazySets();
  private referrers = new LazySets();
  private revisions = new LazyMap<string, number>();
  private numbers = new Map<NumberPoolName, Map<number, string>>();
  private addresses = new Map<string, AddressBook>();
  private macs = new Map<string, string>();
  private lastPosition = 0;

  /** Global position of the last event folded in. */
  get position(): number {
    return this.lastPosition;
  }

  get size(): number {
    return this.objects.size;
  }

  get(uuid: string): ConfigObject | undefined {
    return this.objects.get(uuid);
  }

  holderOf(uuid: string): ConfigObject | undefined {
    return this.objects.get(uuid);
  }

  uuidOf(type: string, fqName: readonly string[]): string | undefined {
    return this.byFqName.get(fqKey(type, fqName));
  }

  /** Every live object, in creation order. */
  all(): IterableIterator<ConfigObject> {
    return this.objects.values();
  }

  children(uuid: string): ConfigObject[] {
    return [...(this.childrenOf.get(uuid) ?? [])].map((u) => this.objects.get(u)!);
  }

  /** Objects that hold a ref to `uuid`. */
  backRefs(uuid: string): ConfigObject[] {
    return [...(this.referrers.get(uuid) ?? [])].map((u) => this.objects.get(u)!);
  }

  /**
   * Revision of a stream's last event; undefined when the stream has none or is closed (a deleted object's, a
   * released name's: see SpeculativeState.reopen).
   */
  revision(streamId: string): number | undefined {
    return this.revisions.get(streamId);
  }

  numberOwner(pool: NumberPoolName, n: number): string | undefined {
    return this.numbers.get(pool)?.get(n);
  }

  numbersInUse(pool: NumberPoolName): ReadonlyMap<number, string> {
    return this.numbers.get(pool) ?? new Map();
  }

  /** Addresses taken in a subnet, by canonical text, with their owner. */
  addressesInUse(subnetUuid: string): ReadonlyMap<string, string> {
    return this.addresses.get(subnetUuid)?.owners ?? new Map();
  }

  /** The same addresses as values, for the allocator. */
  addressValuesInUse(subnetUuid: string): ReadonlySet<bigint> {
    const book = this.addresses.get(subnetUuid);
    if (!book) return EMPTY_VALUES;
    book.values ??= new Set([...book.owners.keys()].map((address) => parseIpAddress(address).value));
    return book.values;
  }

  macOwner(mac: string): string | undefined {
    return this.macs.get(mac);
  }

  /**
   * A copy of the whole state as plain JSON (see ConfigStateSnapshot) that later applies do not change. Its objects
   * are frozen copies; objects this state already shares with another snapshot are not copied again.
   */
  snapshot(): ConfigStateSnapshot {
    return writeSnapshot(this.indexes(), 'copy');
  }

  /**
   * A snapshot that shares this state's objects instead of copying them: they are frozen, and from now on this
   * state copies an object before changing it (copy on write). A series of such snapshots holds one copy of each
   * object version, so its memory grows with what changes between snapshots. Callers must not change objects.
   */
  shareSnapshot(): ConfigStateSnapshot {
    return writeSnapshot(this.indexes(), 'share');
  }

  /**
   * The state a snapshot was taken of. The snapshot stays as it is: its frozen objects are shared and copied before
   * a change; others (a snapshot read back from JSON) are copied at once.
   */
  static fromSnapshot(snapshot: ConfigStateSnapshot): ConfigState {
    const state = new ConfigState();
    ({
      objects: state.objects,
      byFqName: state.byFqName,
      childrenOf: state.childrenOf,
      referrers: state.referrers,
      revisions: state.revisions,
      numbers: state.numbers,
      addresses: state.addresses,
      macs: state.macs,
      position: state.lastPosition,
    } = readSnapshot(snapshot));
    return state;
  }

  private indexes(): StateIndexes {
    const { objects, byFqName, childrenOf, referrers, revisions, numbers, addresses, macs } = this;
    return { objects, byFqName, childrenOf, referrers, revisions, numbers, addresses, macs, position: this.lastPosition };
  }

  /** An independent copy of this state. */
  clone(): ConfigState {
    return ConfigState.fromSnapshot(this.snapshot());
  }

  /**
   * sha256 (hex) over the canonical JSON (sorted keys) of every object in uuid order, each pool's allocations and
   * each open stream's revision (see stateDigest). Two states that hold the same things have the same digest, whatever
   * order they learnt them in; the position is not part of it.
   */
  digest(): string {
    return stateDigest(this);
  }

  /** Each object's digest (sha256 of its canonical JSON) by uuid: what `digest` covers, object by object. */
  objectDigests(): Map<string, string> {
    const out = new Map<string, string>();
    for (const [uuid, object] of this.objects) out.set(uuid, canonicalDigest(object));
    return out;
  }

  /** Pool allocations by pool, in allocation order (for audits comparing two states). */
  numberPools(): ReadonlyMap<NumberPoolName, ReadonlyMap<number, string>> {
    return this.numbers;
  }

  /** Address allocations by subnet uuid (for audits comparing two states). */
  addressPools(): ReadonlyMap<string, ReadonlyMap<string, string>> {
    return new Map([...this.addresses].map(([subnet, book]) => [subnet, book.owners]));
  }

  /** How many entries each index holds: for checks that the indexes hold only what live objects and allocations need. */
  indexSizes(): Record<'objects' | 'names' | 'parents' | 'targets' | 'streams' | 'subnets' | 'macs', number> {
    return {
      objects: this.objects.size,
      names: this.byFqName.all().size,
      parents: this.childrenOf.size,
      targets: this.referrers.size,
      streams: this.revisions.all().size,
      subnets: this.addresses.size,
      macs: this.macs.size,
    };
  }

  /** Every open stream's revision (for audits comparing two states). */
  streamRevisions(): ReadonlyMap<string, number> {
    return this.revisions.all();
  }

  apply(event: ConfigEvent): void {
    this.lastPosition = event.globalPosition;
    // Not config (the audit trail of refused commands): the position moves, nothing else, so digests stay equal.
    if (!isConfigEventType(event.type)) return;
    this.revisions.set(event.streamId, event.streamRevision);
    const kind = resourceEventKind(event.type);
    if (kind === 'Created') this.created(event.data as unknown as ResourceCreated, event.streamRevision);
    else if (kind === 'Updated') this.updated(event.data as unknown as ResourceUpdated, event.streamRevision);
    else if (kind === 'Deleted') this.deleted(event.data as unknown as ResourceDeleted);
    else this.pooled(event);
    // A deleted object's stream and a released name's stream are closed: their revisions stay in the log, not here
    // (the command path learns one back from the store when a create reuses the uuid or the name).
    if (kind === 'Deleted' || event.type === EventTypes.FqNameReleased) this.revisions.delete(event.streamId);
  }

  /** `revision` is the stream's: an object created again with the uuid of a deleted one continues its stream. */
  private created(e: ResourceCreated, revision: number): void {
    const object: ConfigObject = {
      type: e.type,
      uuid: e.uuid,
      fq_name: e.fq_name,
      parent_type: e.parent_type,
      parent_uuid: e.parent_uuid,
      props: { ...e.props },
      refs: cloneRefs(e.refs),
      allocations: e.allocations,
      created: e.at,
      last_modified: e.at,
      revision,
    };
    this.objects.set(e.uuid, object);
    this.byFqName.set(fqKey(e.type, e.fq_name), e.uuid);
    if (e.parent_uuid) this.childrenOf.add(e.parent_uuid, e.uuid);
    for (const entries of Object.values(object.refs)) for (const ref of entries) this.referrers.add(ref.uuid, e.uuid);
    this.indexMacs(object, true);
  }

  private updated(e: ResourceUpdated, revision: number): void {
    let object = this.objects.get(e.uuid);
    if (!object) return;
    // A frozen object is shared with a snapshot: change a copy.
    if (Object.isFrozen(object)) this.objects.set(e.uuid, (object = copyConfigObject(object)));
    // When the MACs stay, taking them out and putting them back leaves the index as putting them back alone does.
    if (Object.hasOwn(e.props, MAC_ADDRESSES)) this.indexMacs(object, false);
    for (const key of Object.keys(e.props)) {
      const value = e.props[key];
      if (value === null) delete object.props[key];
      else object.props[key] = value;
    }
    // Most updates change properties only: the back-refs move only when a ref set is replaced.
    const refTypes = Object.keys(e.refs);
    if (refTypes.length > 0) {
      const before = targetsOf(object);
      for (const refType of refTypes) {
        const entries = e.refs[refType];
        if (entries.length === 0) delete object.refs[refType];
        else object.refs[refType] = cloneEntries(entries);
      }
      this.indexRefs(object, before, targetsOf(object));
    }
    if (e.allocations) object.allocations = e.allocations;
    object.last_modified = e.at;
    object.revision = revision;
    this.indexMacs(object, true);
  }

  private deleted(e: ResourceDeleted): void {
    const object = this.objects.get(e.uuid);
    if (!object) return;
    for (const entries of Object.values(object.refs)) for (const ref of entries) this.referrers.remove(ref.uuid, e.uuid);
    this.indexMacs(object, false);
    this.objects.delete(e.uuid);
    this.byFqName.delete(fqKey(object.type, object.fq_name));
    if (object.parent_uuid) this.childrenOf.remove(object.parent_uuid, e.uuid);
    // Its own entries go with it: a deleted object's uuid must not stay a key of either index.
    this.childrenOf.delete(e.uuid);
    this.referrers.delete(e.uuid);
  }

  private pooled(event: ConfigEvent): void {
    switch (event.type) {
      case EventTypes.NumberAllocated: {
        const e = event.data as unknown as NumberAllocated;
        let pool = this.numbers.get(e.pool);
        if (!pool) this.numbers.set(e.pool, (pool = new Map()));
        pool.set(e.number, e.owner);
        return;
      }
      case EventTypes.NumberReleased: {
        const e = event.data as unknown as NumberAllocated;
        this.numbers.get(e.pool)?.delete(e.number);
        return;
      }
      case EventTypes.AddressAllocated: {
        const e = event.data as unknown as AddressAllocated;
        let book = this.addresses.get(e.subnet_uuid);
        if (!book) this.addresses.set(e.subnet_uuid, (book = { owners: new Map() }));
        book.owners.set(e.address, e.owner);
        book.values?.add(parseIpAddress(e.address).value);
        return;
      }
      case EventTypes.AddressReleased: {
        const e = event.data as unknown as AddressAllocated;
        const book = this.addresses.get(e.subnet_uuid);
        if (!book) return;
        book.owners.delete(e.address);
        book.values?.delete(parseIpAddress(e.address).value);
        // A subnet with nothing allocated keeps no book: subnets come and go with their networks.
        if (book.owners.size === 0) this.addresses.delete(e.subnet_uuid);
        return;
      }
      default:
        // FqNameReserved / FqNameReleased: the name index follows the resource events; the reservation stream
        // only guards concurrent creates.
        return;
    }
  }

  /** Moves the object's back-ref entries from the targets it referred to before to those it refers to now. */
  private indexRefs(object: ConfigObject, before: Set<string>, after: Set<string>): void {
    for (const target of before) if (!after.has(target)) this.referrers.remove(target, object.uuid);
    for (const target of after) if (!before.has(target)) this.referrers.add(target, object.uuid);
  }

  /** macsOf, without making a list: this runs for every resource event. */
  private indexMacs(object: ConfigObject, add: boolean): void {
    const list = (object.props[MAC_ADDRESSES] as { mac_address?: JsonValue } | undefined)?.mac_address;
    if (!Array.isArray(list)) return;
    for (const mac of list) {
      if (typeof mac !== 'string') continue;
      if (add) this.macs.set(mac, object.uuid);
      else if (this.macs.get(mac) === object.uuid) this.macs.delete(mac);
    }
  }
}

function targetsOf(object: ConfigObject): Set<string> {
  const out = new Set<string>();
  for (const entries of Object.values(object.refs)) for (const ref of entries) out.add(ref.uuid);
  return out;
}

function cloneRefs(refs: Record<string, RefEntry[]>): Record<string, RefEntry[]> {
  const out: Record<string, RefEntry[]> = {};
  for (const key of Object.keys(refs)) out[key] = cloneEntries(refs[key]);
  return out;
}

function cloneEntries(entries: RefEntry[]): RefEntry[] {
  return entries.map((r) => ({ uuid: r.uuid, attr: r.attr }));
}

/** The MAC addresses a virtual-machine-interface holds. */
export function macsOf(object: ConfigObject): string[] {
  const value = object.props.virtual_machine_interface_mac_addresses as { mac_address?: JsonValue } | undefined;
  const list = value?.mac_address;
  return Array.isArray(list) ? list.filter((m): m is string => typeof m === 'string') : [];
}

export type { Allocation };
