import { copyConfigObject, type ConfigObject, type NumberPoolName } from './config-object.js';
import { LazyMap } from './lazy-map.js';
import { LazySets, type Groups } from './lazy-sets.js';

/**
 * A ConfigState at one position as plain JSON (`ConfigState.snapshot`), enough to make the same state again with
 * `ConfigState.fromSnapshot`. The indexes are kept as the state holds them (back-refs in the order the refs were
 * made, as GET shows them), flat ones in columns, so that restoring computes nothing: a restored state turns them
 * into maps and sets as it uses them (LazyMap, LazySets), which an as-of read of a few objects mostly never does.
 */
export interface ConfigStateSnapshot {
  format: 1;
  /** Global position of the last event folded in. */
  position: number;
  /** Every live object in the state's order; frozen when taken, and shared with states and other snapshots. */
  objects: ConfigObject[];
  /** (type, fq_name) key → uuid. */
  names: { keys: string[]; uuids: string[] };
  /** Children by parent uuid. */
  children: Groups;
  /** Uuids of the objects referring to each target, in the order the refs were made. */
  referrers: Groups;
  macs: { macs: string[]; owners: string[] };
  /** Each stream's revision. */
  revisions: { streams: string[]; revisions: number[] };
  /** What each pool has handed out, in allocation order. */
  numbers: Array<{ pool: NumberPoolName; numbers: number[]; owners: string[] }>;
  addresses: Array<{ subnet: string; addresses: string[]; owners: string[] }>;
}

export type { Groups };

/** A subnet's allocated addresses. */
export interface AddressBook {
  owners: Map<string, string>;
  /** The owners' addresses as values, made when the allocator first asks for them and kept current from then on. */
  values?: Set<bigint>;
}

/** What a ConfigState is made of: the indexes its snapshot holds. */
export interface StateIndexes {
  objects: Map<string, ConfigObject>;
  byFqName: LazyMap<string, string>;
  childrenOf: LazySets;
  referrers: LazySets;
  revisions: LazyMap<string, number>;
  numbers: Map<NumberPoolName, Map<number, string>>;
  addresses: Map<string, AddressBook>;
  macs: Map<string, string>;
  position: number;
}

/**
 * The snapshot of a state's indexes. Objects already frozen are shared with it as they are; the others are
 * frozen copies (`copy`) or frozen in place (`share`, for a state that copies them before changing them).
 */
export function writeSnapshot(ix: StateIndexes, objects: 'copy' | 'share'): ConfigStateSnapshot {
  const list: ConfigObject[] = [];
  for (const object of ix.objects.values()) {
    list.push(Object.isFrozen(object) ? object : frozen(objects === 'copy' ? copyConfigObject(object) : object));
  }
  const numbers: ConfigStateSnapshot['numbers'] = [];
  for (const [pool, owners] of ix.numbers) if (owners.size > 0) numbers.push({ pool, numbers: [...owners.keys()], owners: [...owners.values()] });
  const addresses: ConfigStateSnapshot['addresses'] = [];
  for (const [subnet, { owners }] of ix.addresses) {
    if (owners.size > 0) addresses.push({ subnet, addresses: [...owners.keys()], owners: [...owners.values()] });
  }
  const revisions = ix.revisions.all();
  const names = ix.byFqName.all();
  return {
    format: 1,
    position: ix.position,
    objects: list,
    names: { keys: [...names.keys()], uuids: [...names.values()] },
    children: ix.childrenOf.toGroups(),
    referrers: ix.referrers.toGroups(),
    macs: { macs: [...ix.macs.keys()], owners: [...ix.macs.values()] },
    revisions: { streams: [...revisions.keys()], revisions: [...revisions.values()] },
    numbers,
    addresses,
  };
}

/** The indexes a snapshot holds, ready for a state: frozen objects shared, others (read back from JSON) copied. */
export function readSnapshot(snapshot: ConfigStateSnapshot): StateIndexes {
  if (snapshot.format !== 1) throw new Error(`unknown config state snapshot format ${String(snapshot.format)}`);
  const objects = new Map<string, ConfigObject>();
  for (const object of snapshot.objects) objects.set(object.uuid, Object.isFrozen(object) ? object : copyConfigObject(object));
  const numbers = new Map<NumberPoolName, Map<number, string>>();
  for (const { pool, numbers: taken, owners } of snapshot.numbers) numbers.set(pool, columns(taken, owners));
  const addresses = new Map<string, AddressBook>();
  for (const { subnet, addresses: taken, owners } of snapshot.addresses) addresses.set(subnet, { owners: columns(taken, owners) });
  return {
    objects,
    // Names and revisions become maps only when read, and back-refs and children sets one key at a time.
    byFqName: new LazyMap({ keys: snapshot.names.keys, values: snapshot.names.uuids }),
    childrenOf: new LazySets(snapshot.children),
    referrers: new LazySets(snapshot.referrers),
    revisions: new LazyMap({ keys: snapshot.revisions.streams, values: snapshot.revisions.revisions }),
    numbers,
    addresses,
    macs: columns(snapshot.macs.macs, snapshot.macs.owners),
    position: snapshot.position,
  };
}

/** Freezes what the fold would change in place: the object, its props and its refs. */
function frozen(object: ConfigObject): ConfigObject {
  Object.freeze(object.props);
  Object.freeze(object.refs);
  return Object.freeze(object);
}

function columns<K, V>(keys: readonly K[], values: readonly V[]): Map<K, V> {
  const map = new Map<K, V>();
  for (let i = 0; i < keys.length; i++) map.set(keys[i], values[i]);
  return map;
}
