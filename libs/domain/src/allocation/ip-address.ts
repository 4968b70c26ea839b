/**
 * IPv4 and IPv6 addresses as bigints, and CIDR blocks over them. Arithmetic on addresses (next, previous,
 * first and last of a block) is then plain bigint arithmetic, the same for both families.
 */

/** Contrail's own spelling of the two families (`instance_ip_family`). */
export type IpFamily = 'v4' | 'v6';

export const ADDRESS_BITS: Readonly<Record<IpFamily, number>> = { v4: 32, v6: 128 };

export interface IpAddress {
  readonly family: IpFamily;
  readonly value: bigint;
}

/** The text is not an address, a prefix length or a CIDR block. The message quotes the offending text. */
export class AddressFormatError extends Error {
  constructor(
    readonly text: string,
    message: string,
  ) {
    super(message);
    this.name = 'AddressFormatError';
  }
}

const DECIMAL_OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const V4_MAPPED_PREFIX = 0xffffn << 32n;

/**
 * Dotted-quad only: four decimal octets. A leading zero (`010.0.0.1`) is refused because some parsers read
 * it as octal and others as decimal; refusing it keeps one meaning.
 */
export function parseIpv4(text: string): bigint {
  const octets = text.split('.');
  if (octets.length !== 4 || !octets.every((octet) => DECIMAL_OCTET.test(octet) && Number(octet) <= 255)) {
    const message = `'${text}' is not an IPv4 address (expected four decimal octets 0-255, like 10.1.1.1)`;
    throw new AddressFormatError(text, message);
  }
  return octets.reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
}

/** RFC 4291 §2.2 text forms: eight hex groups, one `::` for a run of zero groups, an IPv4 tail. No zone id. */
export function parseIpv6(text: string): bigint {
  const groups = ipv6Groups(text);
  if (groups === undefined) {
    throw new AddressFormatError(text, `'${text}' is not an IPv6 address (expected hex groups like 2001:db8::1)`);
  }
  return groups.reduce((value, group) => (value << 16n) | BigInt(group), 0n);
}

function ipv6Groups(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const head = splitGroups(halves[0]!, halves.length === 1);
  const tail = halves.length === 2 ? splitGroups(halves[1]!, true) : [];
  if (head === undefined || tail === undefined) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
}

/** The groups of one side of `::`; only the last piece of the whole address may be a dotted IPv4 tail. */
function splitGroups(side: string, mayEndInIpv4: boolean): number[] | undefined {
  if (side === '') return [];
  const pieces = side.split(':');
  const groups: number[] = [];
  for (const [index, piece] of pieces.entries()) {
    if (HEX_GROUP.test(piece)) {
      groups.push(parseInt(piece, 16));
    } else if (mayEndInIpv4 && index === pieces.length - 1 && piece.includes('.')) {
      const v4 = tryParse(() => parseIpv4(piece));
      if (v4 === undefined) return undefined;
      groups.push(Number(v4 >> 16n), Number(v4 & 0xffffn));
    } else {
      return undefined;
    }
  }
  return groups;
}

function tryParse<T>(parse: () => T): T | undefined {
  try {
    return parse();
  } catch {
    return undefined;
  }
}

/** Either family, told apart by the text: a colon means IPv6. */
export function parseIpAddress(text: string): IpAddress {
  if (typeof text !== 'string') {
    throw new AddressFormatError(String(text), `${JSON.stringify(text)} is not an IP address (expected a string)`);
  }
  return text.includes(':') ? { family: 'v6', value: parseIpv6(text) } : { family: 'v4', value: parseIpv4(text) };
}

/** The family of a well-formed address; throws `AddressFormatError` for anything else. */
export function ipFamilyOf(text: string): IpFamily {
  return parseIpAddress(text).family;
}

export function formatIpv4(value: bigint): string {
  checkRange(value, 'v4');
  return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
}

/**
 * RFC 5952 §4: lower-case hex without leading zeros; the longest run of two or more zero groups (the first one
 * on a tie) becomes `::`. §5: IPv4-mapped addresses (::ffff:0:0/96) end in dotted quad, as netaddr prints them.
 */
export function formatIpv6(value: bigint): string {
  checkRange(value, 'v6');
  if (value >> 32n === 0xffffn) return `::ffff:${formatIpv4(value - V4_MAPPED_PREFIX)}`;
  const groups = Array.from({ length: 8 }, (_, i) => Number((value >> BigInt(112 - 16 * i)) & 0xffffn));
  const run = longestZeroRun(groups);
  const hex = (part: number[]): string => part.map((group) => group.toString(16)).join(':');
  if (run.length < 2) return hex(groups);
  return `${hex(groups.slice(0, run.start))}::${hex(groups.slice(run.start + run.length))}`;
}

function longestZeroRun(groups: readonly number[]): { start: number; length: number } {
  let best = { start: 0, length: 0 };
  let start = -1;
  for (let i = 0; i <= groups.length; i++) {
    if (i < groups.length && groups[i] === 0) {
      if (start < 0) start = i;
    } else if (start >= 0) {
      if (i - start > best.length) best = { start, length: i - start };
      start = -1;
    }
  }
  return best;
}

function checkRange(value: bigint, family: IpFamily): void {
  if (value < 0n || value >> BigInt(ADDRESS_BITS[family]) !== 0n) {
    throw new RangeError(`${value} is not an IP${family} address value`);
  }
}

export function formatIpAddress(family: IpFamily, value: bigint): string {
  return family === 'v4' ? formatIpv4(value) : formatIpv6(value);
}

/** The canonical text of an address, so two spellings of one IPv6 address compare equal. */
export function canonicalIpAddress(text: string): string {
  const { family, value } = parseIpAddress(text);
  return formatIpAddress(family, value);
}

/** A CIDR block: `network` is its first address, `last` its last; `first === network`. */
export interface Cidr {
  readonly family: IpFamily;
  readonly network: bigint;
  readonly len: number;
  readonly first: bigint;
  readonly last: bigint;
}

/**
 * `prefix` must be the block's network address: `10.1.1.5/24` is refused (the host bits are set), because a
 * subnet written that way is almost always a typing mistake and Contrail keys subnets by `prefix/len` text.
 */
export function parseCidr(prefix: string, len: number | string): Cidr {
  const { family, value } = parseIpAddress(prefix);
  const bits = ADDRESS_BITS[family];
  const length = parsePrefixLength(len, family);
  const hostMask = (1n << BigInt(bits - length)) - 1n;
  const network = value & ~hostMask;
  if (network !== value) {
    const text = `${prefix}/${length}`;
    throw new AddressFormatError(
      text,
      `'${text}' is not a network address: host bits are set; the network is ${formatIpAddress(family, network)}/${length}`,
    );
  }
  return { family, network, len: length, first: network, last: network | hostMask };
}

/** `'10.0.0.0/8'` → the block; the same rules as `parseCidr`. */
export function parseCidrText(text: string): Cidr {
  const slash = text.indexOf('/');
  if (slash < 0) throw new AddressFormatError(text, `'${text}' is not a CIDR block (expected <address>/<prefix length>)`);
  return parseCidr(text.slice(0, slash), text.slice(slash + 1));
}

/** A prefix length for the family: an integer, or its decimal text, from 0 to the family's bit count. */
export function parsePrefixLength(len: number | string, family: IpFamily): number {
  const bits = ADDRESS_BITS[family];
  const value = typeof len === 'string' && /^[0-9]{1,3}$/.test(len) ? Number(len) : len;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > bits) {
    const message = `prefix length '${String(len)}' is out of range for IP${family}: 0 to ${bits}`;
    throw new AddressFormatError(String(len), message);
  }
  return value;
}

export function formatCidr(cidr: Cidr): string {
  return `${formatIpAddress(cidr.family, cidr.network)}/${cidr.len}`;
}

/** A bigint is taken to be of the block's family; a text or `IpAddress` of the other family is never inside. */
export function contains(cidr: Cidr, address: bigint | IpAddress | string): boolean {
  const { family, value } = typeof address === 'bigint' ? { family: cidr.family, value: address } : toIpAddress(address);
  return family === cidr.family && value >= cidr.first && value <= cidr.last;
}

/** Two CIDR blocks overlap exactly when one contains the other; blocks of different families never do. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  return a.family === b.family && a.first <= b.last && b.first <= a.last;
}

function toIpAddress(address: IpAddress | string): IpAddress {
  return typeof address === 'string' ? parseIpAddress(address) : address;
}
