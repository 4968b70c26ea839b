/**
 * Syntax of the strings the config API interprets: addresses, prefixes, route targets, protocols. Syntax only —
 * whether a prefix is a network address or a gateway lies inside its subnet is decided in ../allocation.
 */

export type StringFormat = 'uuid' | 'ip-address' | 'cidr' | 'mac-address' | 'route-target' | 'protocol' | 'hex32';

/** What each format expects, for problem messages. */
export const STRING_FORMAT_DESCRIPTIONS: Readonly<Record<StringFormat, string>> = {
  uuid: 'a UUID (8-4-4-4-12 hex digits)',
  'ip-address': 'an IPv4 or IPv6 address',
  cidr: 'an IPv4 or IPv6 prefix such as 10.32.0.0/12',
  'mac-address': 'a MAC address such as 02:00:00:00:00:01',
  'route-target': 'a route target "target:<asn>:<number>" or "target:<ipv4>:<number>"',
  protocol: "'any', 'tcp', 'udp', 'icmp', 'icmp6' or a protocol number from 0 to 255",
  hex32: 'a 32-bit hex value such as 0x00ff0001',
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAC = /^[0-9a-f]{2}([:-])[0-9a-f]{2}(?:\1[0-9a-f]{2}){4}$/i;
const DECIMAL = /^(?:0|[1-9][0-9]*)$/;
const HEX_GROUP = /^[0-9a-f]{1,4}$/i;
// PolicyRuleType.protocol: contrail-api accepts these names or a decimal protocol number.
const PROTOCOL_NAMES: ReadonlySet<string> = new Set(['any', 'tcp', 'udp', 'icmp', 'icmp6']);
const MAX_U16 = 0xffff;
const MAX_U32 = 0xffff_ffff;

export function matchesFormat(format: StringFormat, value: string): boolean {
  switch (format) {
    case 'uuid':
      return UUID.test(value);
    case 'ip-address':
      return ipVersion(value) !== undefined;
    case 'cidr':
      return isCidr(value);
    case 'mac-address':
      return MAC.test(value);
    case 'route-target':
      return isRouteTarget(value);
    case 'protocol':
      return PROTOCOL_NAMES.has(value) || (DECIMAL.test(value) && Number(value) <= 255);
    case 'hex32':
      return /^0x[0-9a-f]{8}$/i.test(value);
    default: {
      const unknown: never = format;
      throw new Error(`no such string format: ${String(unknown)}`);
    }
  }
}

/** 4 or 6 for a textual IPv4 / IPv6 address, undefined for anything else. */
export function ipVersion(value: string): 4 | 6 | undefined {
  if (isIpv4(value)) return 4;
  if (isIpv6(value)) return 6;
  return undefined;
}

/** Dotted quad with no leading zeros, as Python's ipaddress (used by contrail-api) requires. */
export function isIpv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((p) => DECIMAL.test(p) && Number(p) <= 255);
}

/** RFC 4291 text form: eight hex groups, at most one `::`, optionally ending in a dotted quad. No zone id. */
export function isIpv6(value: string): boolean {
  const halves = value.split('::');
  if (halves.length > 2) return false;
  const groupsOf = (half: string): string[] | undefined => (half === '' ? [] : half.split(':'));
  const head = groupsOf(halves[0]!);
  const tail = halves.length === 2 ? groupsOf(halves[1]!) : [];
  if (head === undefined || tail === undefined) return false;
  const all = [...head, ...tail];
  let groups = all.length;
  const lastText = value.slice(value.lastIndexOf(':') + 1);
  if (lastText.includes('.')) {
    if (!isIpv4(lastText)) return false;
    all.pop();
    groups += 1; // a dotted quad fills two groups
  }
  if (!all.every((g) => HEX_GROUP.test(g))) return false;
  return halves.length === 2 ? groups <= 7 : groups === 8;
}

/** `address/length` with the length in range for the address family. */
export function isCidr(value: string): boolean {
  const slash = value.indexOf('/');
  if (slash < 0) return false;
  const version = ipVersion(value.slice(0, slash));
  const length = value.slice(slash + 1);
  if (version === undefined || !DECIMAL.test(length)) return false;
  return Number(length) <= (version === 4 ? 32 : 128);
}

/**
 * `target:<asn>:<n>` or `target:<ipv4>:<n>` (contrail-config-model.md §3, RouteTargetServer). The extended
 * community has 6 value bytes: a 2-byte ASN leaves 4 for the number; a 4-byte ASN or an IPv4 address leaves 2.
 */
export function isRouteTarget(value: string): boolean {
  const parts = value.split(':');
  if (parts.length !== 3 || parts[0] !== 'target') return false;
  const [, admin, assigned] = parts as [string, string, string];
  if (!DECIMAL.test(assigned)) return false;
  const number = Number(assigned);
  if (isIpv4(admin)) return number <= MAX_U16;
  if (!DECIMAL.test(admin)) return false;
  const asn = Number(admin);
  if (asn > MAX_U32) return false;
  return number <= (asn > MAX_U16 ? MAX_U16 : MAX_U32);
}
