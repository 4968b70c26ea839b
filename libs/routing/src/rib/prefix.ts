import { RoutingError } from './routing-error.js';

const DECIMAL = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

/**
 * Validates a CIDR prefix, `a.b.c.d/len` or IPv6 `x::y/len`, and returns its canonical text: IPv4 as written (no
 * leading zeros are accepted), IPv6 per RFC 5952 (lower case, no leading zeros, the longest run of two or more zero
 * groups as `::`, IPv4-mapped addresses ending in a dotted quad). Host bits must be zero. Throws a RoutingError
 * (code `bad-route`) naming the problem otherwise.
 */
export function canonicalPrefix(text: string): string {
  if (typeof text !== 'string') throw bad(String(text), 'expected a string');
  const slash = text.indexOf('/');
  if (slash < 0) throw bad(text, "expected 'address/length'");
  const address = text.slice(0, slash);
  const lengthText = text.slice(slash + 1);
  const ipv6 = address.includes(':');
  const bits = ipv6 ? 128 : 32;
  if (!DECIMAL.test(lengthText) || Number(lengthText) > bits) {
    throw bad(text, `prefix length '${lengthText}' is not an integer from 0 to ${bits}`);
  }
  const length = Number(lengthText);
  const groups = ipv6 ? parseIpv6(address) : parseIpv4(address);
  if (groups === undefined) throw bad(text, `'${address}' is not an ${ipv6 ? 'IPv6' : 'IPv4'} address`);
  if (hasHostBits(groups, ipv6 ? 16 : 8, length)) {
    const network = clearHostBits(groups, ipv6 ? 16 : 8, length);
    throw bad(text, `host bits are set; the network is ${ipv6 ? formatIpv6(network) : network.join('.')}/${length}`);
  }
  return `${ipv6 ? formatIpv6(groups) : groups.join('.')}/${length}`;
}

function bad(text: string, problem: string): RoutingError {
  return new RoutingError(`bad prefix '${text}': ${problem}`, 'bad-route');
}

/** The 4 octets, or undefined. */
function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    if (!DECIMAL.test(part)) return undefined;
    const value = Number(part);
    if (value > 255) return undefined;
    octets.push(value);
  }
  return octets;
}

/** The 8 16-bit groups, or undefined. Accepts one `::` and a trailing dotted quad. */
function parseIpv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : { groups: [], dotted: false };
  if (head === undefined || tail === undefined) return undefined;
  // A dotted quad may only end the address.
  if (halves.length === 2 && head.dotted) return undefined;
  const count = head.groups.length + tail.groups.length;
  if (halves.length === 1) return count === 8 ? head.groups : undefined;
  if (count > 7) return undefined;
  return [...head.groups, ...new Array<number>(8 - count).fill(0), ...tail.groups];
}

function parseGroups(text: string): { groups: number[]; dotted: boolean } | undefined {
  if (text === '') return { groups: [], dotted: false };
  const parts = text.split(':');
  const groups: number[] = [];
  let dotted = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (i === parts.length - 1 && part.includes('.')) {
      const octets = parseIpv4(part);
      if (octets === undefined) return undefined;
      groups.push((octets[0]! << 8) | octets[1]!, (octets[2]! << 8) | octets[3]!);
      dotted = true;
    } else if (HEX_GROUP.test(part)) {
      groups.push(parseInt(part, 16));
    } else {
      return undefined;
    }
  }
  return { groups, dotted };
}

function hasHostBits(units: readonly number[], unitBits: number, length: number): boolean {
  return clearHostBits(units, unitBits, length).some((unit, i) => unit !== units[i]);
}

function clearHostBits(units: readonly number[], unitBits: number, length: number): number[] {
  return units.map((unit, i) => {
    const keep = Math.min(Math.max(length - i * unitBits, 0), unitBits);
    const mask = keep === 0 ? 0 : ((1 << unitBits) - 1) & ~((1 << (unitBits - keep)) - 1);
    return unit & mask;
  });
}

function formatIpv6(groups: readonly number[]): string {
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    return `::ffff:${groups[6]! >> 8}.${groups[6]! & 0xff}.${groups[7]! >> 8}.${groups[7]! & 0xff}`;
  }
  let bestStart = -1;
  let bestLength = 1; // a single zero group is not shortened
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) [bestStart, bestLength] = [i, end - i];
    i = end;
  }
  const hex = (part: readonly number[]): string => part.map((group) => group.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}
