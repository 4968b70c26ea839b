import type { JsonValue, RecordedEvent } from '#libs/event-store';
import { parseIpAddress } from '../allocation/ip-address.js';
import type { Allocation, ConfigObject, NumberPoolName, RefEntry } from './config-object.js';
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

/** What the fold needs of a recorded event. */
export type ConfigEvent = Pick<RecordedEvent, 'type' | 'streamId' | 'streamRevision' | 'globalPosition' | 'data'>;

interface AddressBook {
  owners: Map<string, string>;
  values: Set<bigint>;
}

const EMPTY_VALUES: ReadonlySet<bigint> = new Set();

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
 * by target, each stream's revision (for expected-revision appends), and what every pool has handed out.
 */
export class ConfigState implements ConfigView {
  private readonly objects = new Map<string, ConfigObject>();
  private readonly byFqName = new Map<string, string>();
  private readonly childrenOf = new Map<string, Set<string>>();
  private readonly referrers = new Map<string, Set<string>>();
  private readonly revisions = new Map<string, number>();
  private readonly numbers = new Map<NumberPoolName, Map<number, string>>();
  private readonly addresses = new Map<string, AddressBook>();
  private readonly macs = new Map<string, string>();
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

  /** Revision of a stream's last event; undefined when the stream has none. */
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
    return this.addresses.get(subnetUuid)?.values ?? EMPTY_VALUES;
  }

  macOwner(mac: string): string | undefined {
    return this.macs.get(mac);
  }

  apply(event: ConfigEvent): void {
    this.revisions.set(event.streamId, event.streamRevision);
    this.lastPosition = event.globalPosition;
    const kind = resourceEventKind(event.type);
    if (kind === 'Created') this.created(event.data as unknown as ResourceCreated, event.streamRevision);
    else if (kind === 'Updated') this.updated(event.data as unknown as ResourceUpdated, event.streamRevision);
    else if (kind === 'Deleted') this.deleted(event.data as unknown as ResourceDeleted);
    else this.pooled(event);
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
    if (e.parent_uuid) addTo(this.childrenOf, e.parent_uuid, e.uuid);
    this.indexRefs(object, new Set(), targetsOf(object));
    this.indexMacs(object, true);
  }

  private updated(e: ResourceUpdated, revision: number): void {
    const object = this.objects.get(e.uuid);
    if (!object) return;
    this.indexMacs(object, false);
    for (const [key, value] of Object.entries(e.props)) {
      if (value === null) delete object.props[key];
      else object.props[key] = value;
    }
    const before = targetsOf(object);
    for (const [refType, entries] of Object.entries(cloneRefs(e.refs))) {
      if (entries.length === 0) delete object.refs[refType];
      else object.refs[refType] = entries;
    }
    this.indexRefs(object, before, targetsOf(object));
    if (e.allocations) object.allocations = e.allocations;
    object.last_modified = e.at;
    object.revision = revision;
    this.indexMacs(object, true);
  }

  private deleted(e: ResourceDeleted): void {
    const object = this.objects.get(e.uuid);
    if (!object) return;
    this.indexRefs(object, targetsOf(object), new Set());
    this.indexMacs(object, false);
    this.objects.delete(e.uuid);
    this.byFqName.delete(fqKey(object.type, object.fq_name));
    if (object.parent_uuid) this.childrenOf.get(object.parent_uuid)?.delete(e.uuid);
    this.childrenOf.delete(e.uuid);
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
        if (!book) this.addresses.set(e.subnet_uuid, (book = { owners: new Map(), values: new Set() }));
        book.owners.set(e.address, e.owner);
        book.values.add(parseIpAddress(e.address).value);
        return;
      }
      case EventTypes.AddressReleased: {
        const e = event.data as unknown as AddressAllocated;
        const book = this.addresses.get(e.subnet_uuid);
        book?.owners.delete(e.address);
        book?.values.delete(parseIpAddress(e.address).value);
        return;
      }
      case EventTypes.FqNameReserved:
      case EventTypes.FqNameReleased:
        // The name index follows the resource events; the reservation stream only guards concurrent creates.
        void (event.data as unknown as FqNameReserved);
        return;
      default:
        return;
    }
  }

  /** Moves the object's back-ref entries from the targets it referred to before to those it refers to now. */
  private indexRefs(object: ConfigObject, before: Set<string>, after: Set<string>): void {
    for (const target of before) if (!after.has(target)) this.referrers.get(target)?.delete(object.uuid);
    for (const target of after) if (!before.has(target)) addTo(this.referrers, target, object.uuid);
  }

  private indexMacs(object: ConfigObject, add: boolean): void {
    for (const mac of macsOf(object)) {
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

function addTo(index: Map<string, Set<string>>, key: string, value: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(value);
}

function cloneRefs(refs: Record<string, RefEntry[]>): Record<string, RefEntry[]> {
  const out: Record<string, RefEntry[]> = {};
  for (const [k, v] of Object.entries(refs)) out[k] = v.map((r) => ({ uuid: r.uuid, attr: r.attr }));
  return out;
}

/** The MAC addresses a virtual-machine-interface holds. */
export function macsOf(object: ConfigObject): string[] {
  const value = object.props.virtual_machine_interface_mac_addresses as { mac_address?: JsonValue } | undefined;
  const list = value?.mac_address;
  return Array.isArray(list) ? list.filter((m): m is string => typeof m === 'string') : [];
}

export type { Allocation };
