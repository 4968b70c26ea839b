// Mutations of valid JSON documents, for request bodies (REST) and object_json (gRPC): types swapped, fields
// removed, duplicated, renamed or added (prototype names too), deep nesting, huge strings and lists, bad unicode,
// numbers at the edges; then, sometimes, the text itself broken (truncated, stray characters, bad escapes, invalid
// UTF-8). Each mutation is named, so a finding says what was done to the example.
import type { SeededRandom } from '../support/seeded-random.js';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** A mutated document: the bytes to send and the mutations that made it. */
export interface MutatedJson {
  bytes: Buffer;
  notes: string[];
}

/** Bodies stay under this (the REST limit is 1 MiB) unless a mutation means to go over it. */
const MAX_BYTES = 900 * 1024;

export const EDGE_NUMBERS: readonly number[] = [
  0, -1, 1, 0.5, -0.5, 255, 256, 65535, 65536, 2 ** 31 - 1, 2 ** 31, -(2 ** 31), 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 53, -(2 ** 53), 1e308, -1e308,
  5e-324, 8_000_000, 7_999_999, 16_777_215, 16_777_216, 4094, 4095, 4096, 64512, 4_294_967_295,
];

/** Number spellings JSON.stringify cannot produce. */
const EDGE_NUMBER_TEXTS = ['-0', '1e999', '-1e999', '1e-999', '123456789012345678901234567890', '0.0000000000000000000001', '1E2', '1.0'];

export const EDGE_STRINGS: readonly string[] = [
  '',
  ' ',
  'a'.repeat(256),
  ':',
  'a:b:c',
  '../../etc/passwd',
  '%00',
  '\u0000',
  '\u202eevil',
  'e\u0301\u0301\u0301',
  '😀',
  '<script>alert(1)</script>',
  '"quoted"',
  '\\',
  'null',
  'true',
  '-1',
  '1e3',
  '0x10',
  '00000000-0000-0000-0000-000000000000',
  'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF',
  '256.1.1.1',
  '10.0.0.0',
  '::ffff:10.0.0.1',
  'fe80::1%eth0',
  '10.0.0.0/33',
  '0.0.0.0',
  '255.255.255.255',
  'ff:ff:ff:ff:ff:ff',
  '02:00:00:00:00:00',
  'target:64512:8000000',
  'target:4294967295:4294967295',
  'default-domain',
  'default-project',
  'virtual-network',
  '__proto__',
  'constructor',
];

const PROTOTYPE_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'valueOf', 'hasOwnProperty', '__defineGetter__'];

interface Slot {
  /** The node's container and key (undefined for the root). */
  parent?: Json[] | { [key: string]: Json };
  key?: string | number;
  value: Json;
  depth: number;
}

/**
 * Mutates `example` 1–4 times (or not at all when `intact`), serializes it (possibly with a duplicated key), and
 * sometimes breaks the text. The notes name every mutation.
 */
export function mutateJson(rng: SeededRandom, example: unknown, options: { intact?: boolean } = {}): MutatedJson {
  const notes: string[] = [];
  const box: { root: Json } = { root: structuredClone(example) as Json };
  const duplicates = new Set<object>();
  if (!options.intact) {
    const rounds = rng.between(1, 4);
    for (let i = 0; i < rounds; i++) notes.push(mutateOnce(rng, box, duplicates));
  }
  let text = serialize(box.root, duplicates, rng);
  if (!options.intact && rng.chance(0.15)) {
    const broken = breakText(rng, text);
    notes.push(broken.note);
    if (typeof broken.text !== 'string') return { bytes: broken.text, notes };
    text = broken.text;
  }
  return { bytes: Buffer.from(text, 'utf8'), notes };
}

function slots(root: Json): Slot[] {
  const out: Slot[] = [];
  const walk = (slot: Slot): void => {
    out.push(slot);
    if (out.length > 2000) return;
    const { value, depth } = slot;
    if (Array.isArray(value)) value.slice(0, 50).forEach((v, i) => walk({ parent: value, key: i, value: v, depth: depth + 1 }));
    else if (value !== null && typeof value === 'object') for (const key of Object.keys(value).slice(0, 50)) walk({ parent: value, key, value: value[key]!, depth: depth + 1 });
  };
  walk({ value: root, depth: 0 });
  return out;
}

function replace(box: { root: Json }, slot: Slot, value: Json): void {
  if (slot.parent === undefined) box.root = value;
  else if (Array.isArray(slot.parent)) slot.parent[slot.key as number] = value;
  else setOwn(slot.parent, slot.key as string, value);
}

/** Sets a key as an own property, even `__proto__` (as JSON.parse does). */
function setOwn(object: { [key: string]: Json }, key: string, value: Json): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

function mutateOnce(rng: SeededRandom, box: { root: Json }, duplicates: Set<object>): string {
  const all = slots(box.root);
  // Mostly below the envelope: the inner object's fields are where the validators are.
  const inner = all.filter((s) => s.depth >= 2);
  const slot = inner.length > 0 && rng.chance(0.85) ? rng.pick(inner) : rng.pick(all);
  const where = pathOf(box.root, slot);
  const objects = all.filter((s) => s.value !== null && typeof s.value === 'object' && !Array.isArray(s.value));
  const arrays = all.filter((s) => Array.isArray(s.value));
  switch (rng.int(13)) {
    case 0: {
      const value = randomValue(rng, typeOf(slot.value));
      replace(box, slot, value);
      return `swap type at ${where} → ${short(value)}`;
    }
    case 1: {
      if (slot.parent === undefined) return 'remove (nothing)';
      if (Array.isArray(slot.parent)) slot.parent.splice(slot.key as number, 1);
      else delete slot.parent[slot.key as string];
      return `remove ${where}`;
    }
    case 2: {
      if (objects.length === 0) return 'duplicate key (no object)';
      const target = rng.pick(objects);
      duplicates.add(target.value as object);
      return `duplicate a key of ${pathOf(box.root, target)}`;
    }
    case 3: {
      const depth = rng.pick([64, 1000, 5000, 20_000, 100_000]);
      const open = rng.chance(0.5) ? '[' : '{"a":';
      replace(box, slot, { __raw__: `${open.repeat(depth)}1${(open === '[' ? ']' : '}').repeat(depth)}` } as unknown as Json);
      return `nest ${depth} deep at ${where}`;
    }
    case 4: {
      const size = rng.pick([1024, 65_536, 500_000, 880_000]);
      const value = rng.chance(0.5) ? 'x'.repeat(size) : Array.from({ length: size / 8 }, () => String.fromCharCode(32 + rng.int(95))).join('').repeat(8);
      replace(box, slot, value);
      return `string of ${size} at ${where}`;
    }
    case 5: {
      const value = rng.pick(['\ud800', '\udfff', 'a\ud83d', '\ufffe', '\uffff', '\u0000x', 'é'.normalize('NFD'), '\u2028\u2029', '\u{10FFFF}']);
      replace(box, slot, value);
      return `bad unicode at ${where}: ${JSON.stringify(value)}`;
    }
    case 6: {
      if (rng.chance(0.3)) {
        const text = rng.pick(EDGE_NUMBER_TEXTS);
        replace(box, slot, { __raw__: text } as unknown as Json);
        return `number ${text} at ${where}`;
      }
      const value = rng.pick(EDGE_NUMBERS);
      replace(box, slot, value);
      return `number ${value} at ${where}`;
    }
    case 7: {
      if (objects.length === 0) return 'prototype key (no object)';
      const target = rng.pick(objects);
      const key = rng.pick(PROTOTYPE_KEYS);
      setOwn(target.value as { [key: string]: Json }, key, randomValue(rng));
      return `add ${key} to ${pathOf(box.root, target)}`;
    }
    case 8: {
      if (objects.length === 0) return 'unknown field (no object)';
      const target = rng.pick(objects);
      const key = rng.pick(['x', 'fq_name', 'uuid', 'parent_type', 'parent_uuid', 'href', 'id_perms', 'perms2', 'display_name', 'annotations', `${rng.pick(['virtual_network', 'network_ipam', 'tag', 'no_such'])}_refs`, 'virtual_network_network_id', 'security_group_id', 'cluster_attached']);
      setOwn(target.value as { [key: string]: Json }, key, randomValue(rng));
      return `set field ${key} of ${pathOf(box.root, target)}`;
    }
    case 9: {
      if (!slot.parent || Array.isArray(slot.parent)) return 'rename (not a field)';
      const key = slot.key as string;
      const renamed = rng.pick([key.toUpperCase(), `${key}_`, key.replace(/_/g, '-'), ` ${key}`, key.slice(0, -1), `${key}\u0000`]);
      delete slot.parent[key];
      setOwn(slot.parent, renamed, slot.value);
      return `rename ${where} to ${JSON.stringify(renamed)}`;
    }
    case 10: {
      if (arrays.length === 0) return 'grow list (no list)';
      const target = rng.pick(arrays);
      const list = target.value as Json[];
      const first = list[0] ?? randomValue(rng);
      const each = Math.max(1, JSON.stringify(first).length);
      const n = Math.min(rng.pick([100, 1000, 20_000]), Math.floor(MAX_BYTES / each));
      for (let i = 0; i < n; i++) list.push(structuredClone(first));
      return `grow ${pathOf(box.root, target)} by ${n}`;
    }
    case 11: {
      const value = rng.chance(0.5) ? ([slot.value] as Json) : ({ value: slot.value } as Json);
      replace(box, slot, value);
      return `wrap ${where}`;
    }
    default: {
      const value = rng.pick(EDGE_STRINGS);
      replace(box, slot, value);
      return `string ${JSON.stringify(value)} at ${where}`;
    }
  }
}

/** JSON text; objects in `duplicates` repeat one key (the first value the parser sees is then overwritten). */
function serialize(value: Json, duplicates: Set<object>, rng: SeededRandom): string {
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as { __raw__?: unknown }).__raw__ === 'string' && Object.keys(value).length === 1) {
    return (value as unknown as { __raw__: string }).__raw__;
  }
  if (Array.isArray(value)) return `[${value.map((v) => serialize(v, duplicates, rng)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value);
    const entries = keys.map((k) => `${JSON.stringify(k)}:${serialize(value[k]!, duplicates, rng)}`);
    if (duplicates.has(value) && keys.length > 0) {
      const key = rng.pick(keys);
      entries.splice(rng.int(entries.length + 1), 0, `${JSON.stringify(key)}:${serialize(randomValue(rng), duplicates, rng)}`);
    }
    return `{${entries.join(',')}}`;
  }
  // JSON.stringify keeps lone surrogates as \uXXXX escapes: the server's parser decides what they become.
  return JSON.stringify(value);
}

function breakText(rng: SeededRandom, text: string): { text: string | Buffer; note: string } {
  const at = rng.int(text.length + 1);
  switch (rng.int(9)) {
    case 0:
      return { text: text.slice(0, at), note: `truncated at ${at}` };
    case 1: {
      const junk = rng.pick(['{', '}', '[', ']', ',', ':', '"', '\\', 'x', '\u0000', ' ', '\n']);
      return { text: text.slice(0, at) + junk + text.slice(at), note: `inserted ${JSON.stringify(junk)} at ${at}` };
    }
    case 2:
      return { text: `${text}${rng.pick([' garbage', '{}', ',', '\u0000', ' 1'])}`, note: 'trailing garbage' };
    case 3:
      return { text: `\ufeff${text}`, note: 'byte order mark' };
    case 4:
      return { text: text.replace(/"/g, "'"), note: 'single quotes' };
    case 5:
      return { text: text.slice(0, at) + rng.pick(['NaN', 'Infinity', 'undefined', '/* c */', '-']) + text.slice(at), note: `literal at ${at}` };
    case 6: {
      const escape = rng.pick(['\\x41', '\\u12', '\\uZZZZ', '\\', '\\q']);
      return { text: text.replace(/"([^"\\]{1,20})"/, `"$1${escape}"`), note: `bad escape ${escape}` };
    }
    case 7: {
      const bytes = Buffer.from(text, 'utf8');
      const bad = rng.pick([[0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf8, 0x88, 0x80, 0x80, 0x80]]);
      const offset = Math.min(bytes.length, at);
      return { text: Buffer.concat([bytes.subarray(0, offset), Buffer.from(bad), bytes.subarray(offset)]), note: `invalid UTF-8 ${Buffer.from(bad).toString('hex')} at ${offset}` };
    }
    default:
      return { text: rng.pick(['', 'null', '[]', '""', '0', 'true', '{"a":1}', '[{}]']), note: 'replaced by another JSON value' };
  }
}

function typeOf(value: Json): string {
  return value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
}

/** A value, of another type than `not` when given. */
export function randomValue(rng: SeededRandom, not?: string): Json {
  for (;;) {
    const kind = rng.pick(['null', 'boolean', 'number', 'string', 'array', 'object']);
    if (kind === not) continue;
    switch (kind) {
      case 'null':
        return null;
      case 'boolean':
        return rng.chance(0.5);
      case 'number':
        return rng.pick(EDGE_NUMBERS);
      case 'string':
        return rng.pick(EDGE_STRINGS);
      case 'array':
        return rng.chance(0.5) ? [] : [rng.pick(EDGE_STRINGS), rng.pick(EDGE_NUMBERS)];
      default:
        return rng.chance(0.5) ? {} : { [rng.pick(EDGE_STRINGS)]: rng.pick(EDGE_NUMBERS) };
    }
  }
}

function pathOf(root: Json, slot: Slot): string {
  if (slot.parent === undefined) return '$';
  // Found by identity: the path of the parent, then the key.
  const search = (node: Json, path: string): string | undefined => {
    if (node === slot.parent) return `${path}${typeof slot.key === 'number' ? `[${slot.key}]` : `.${slot.key}`}`;
    if (Array.isArray(node)) {
      for (let i = 0; i < Math.min(node.length, 50); i++) {
        const found = search(node[i]!, `${path}[${i}]`);
        if (found) return found;
      }
    } else if (node !== null && typeof node === 'object') {
      for (const key of Object.keys(node).slice(0, 50)) {
        const found = search(node[key]!, `${path}.${key}`);
        if (found) return found;
      }
    }
    return undefined;
  };
  return search(root, '$') ?? '$?';
}

function short(value: Json): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 60)}…` : text;
}
