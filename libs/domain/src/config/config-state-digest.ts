import { createHash, type Hash } from 'node:crypto';
import { canonicalJson } from './canonical-json.js';
import type { NumberPoolName } from './config-object.js';
import type { ConfigState } from './config-state.js';

const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const quote = (text: string) => JSON.stringify(text);

/** Hands text to a hash in large pieces: the same digest as one update of the whole text, with fewer calls. */
class HashWriter {
  private readonly hash: Hash = createHash('sha256');
  private pending = '';

  write(text: string): void {
    this.pending += text;
    if (this.pending.length >= 1 << 16) {
      this.hash.update(this.pending);
      this.pending = '';
    }
  }

  hex(): string {
    this.hash.update(this.pending);
    return this.hash.digest('hex');
  }
}

/** Writes `[a,b,…]`, each item made by `item`. */
function list<T>(out: HashWriter, items: Iterable<T>, item: (value: T) => string): void {
  out.write('[');
  let first = true;
  for (const value of items) {
    out.write(first ? item(value) : `,${item(value)}`);
    first = false;
  }
  out.write(']');
}

/**
 * The digest of ConfigState.digest: sha256 (hex) of the canonical JSON (sorted keys, no spaces) of
 *   { addresses: [[subnet, [[address, owner]…]]…], numbers: [[pool, [[number, owner]…]]…],
 *     objects: [object…], revisions: [[stream, revision]…] }
 * with every list sorted by its first element (uuid for objects) and empty pools left out. Written piece by
 * piece; `digestDocument` builds the same document whole.
 */
export function stateDigest(state: ConfigState): string {
  const out = new HashWriter();
  // Sorting the keys alone (Array#sort's own string order) is several times faster than sorting entries with a
  // comparator, and it is the same order.
  const addresses = state.addressPools();
  out.write('{"addresses":');
  list(out, sortedKeys(addresses), (subnet) => {
    const owners = addresses.get(subnet)!;
    return `[${quote(subnet)},[${[...owners.keys()].sort().map((address) => `[${quote(address)},${quote(owners.get(address)!)}]`).join(',')}]]`;
  });
  const numbers = state.numberPools();
  out.write(',"numbers":');
  list(out, sortedKeys(numbers), (pool) => {
    const owners = numbers.get(pool as NumberPoolName)!;
    const sorted = [...owners.keys()].sort((a, b) => a - b);
    return `[${quote(pool)},[${sorted.map((n) => `[${canonicalJson(n)},${quote(owners.get(n)!)}]`).join(',')}]]`;
  });
  out.write(',"objects":');
  const uuids = [...state.all()].map((o) => o.uuid).sort();
  list(out, uuids, (uuid) => canonicalJson(state.get(uuid)));
  const revisions = state.streamRevisions();
  out.write(',"revisions":');
  list(out, [...revisions.keys()].sort(), (stream) => `[${quote(stream)},${canonicalJson(revisions.get(stream))}]`);
  out.write('}');
  return out.hex();
}

/** A map's string keys in sorted order, those whose value is an empty collection left out. */
function sortedKeys<K extends string>(map: ReadonlyMap<K, ReadonlyMap<unknown, unknown>>): K[] {
  return [...map.keys()].filter((key) => map.get(key)!.size > 0).sort();
}

/** The document stateDigest hashes, whole (for tests and for reading a digest's meaning). */
export function digestDocument(state: ConfigState): Record<string, unknown> {
  const byKey = <K extends string | number, V>(entries: Iterable<[K, V]>) =>
    [...entries].sort(([a], [b]) => (typeof a === 'number' && typeof b === 'number' ? a - b : compareText(String(a), String(b))));
  return {
    addresses: byKey([...state.addressPools()].filter(([, o]) => o.size > 0)).map(([subnet, owners]) => [subnet, byKey(owners)]),
    numbers: byKey([...state.numberPools()].filter(([, o]) => o.size > 0)).map(([pool, owners]) => [pool, byKey(owners)]),
    objects: [...state.all()].sort((a, b) => compareText(a.uuid, b.uuid)),
    revisions: byKey(state.streamRevisions()),
  };
}
