/**
 * Route targets as Contrail names them: `target:<asn>:<n>` or `target:<ipv4>:<n>` (spec §3; tf-controller
 * `resources/route_target.py`). The value behind the text is a BGP extended community (RFC 4360), which fixes
 * the ranges: a 2-byte ASN leaves 4 bytes for the number, a 4-byte ASN or an IPv4 address leaves 2.
 */
import { AllocationError } from './allocation-error.js';
import { AddressFormatError, formatIpv4, parseIpv4 } from './ip-address.js';

export type RouteTarget =
  | { readonly kind: 'asn'; readonly asn: number; readonly assignedNumber: number }
  | { readonly kind: 'ip'; readonly ip: string; readonly assignedNumber: number };

export const MAX_2_BYTE_ASN = 0xffff;
export const MAX_4_BYTE_ASN = 0xffff_ffff;

/** First number the schema transformer allocates for a VN's own route target under a 2-byte global ASN. */
export const SYSTEM_RT_START = 8_000_000;
/** Upper end of that allocator (cfgm_common `_BGP_RTGT_MAX_ID_TYPE0 = 1 << 24`). */
export const SYSTEM_RT_END = 1 << 24;
/** The same pair for a 4-byte global ASN (`_BGP_RTGT_MIN_ID_TYPE1_2`, `_BGP_RTGT_MAX_ID_TYPE1_2`). */
export const SYSTEM_RT_START_4_BYTE_ASN = 8_000;
export const SYSTEM_RT_END_4_BYTE_ASN = 1 << 15;

const DIGITS = /^[0-9]{1,10}$/;
const FORMAT_HINT = "expected 'target:<asn>:<number>' or 'target:<ipv4>:<number>'";

/** The largest number a route target with this administrator can carry. */
export function maxAssignedNumber(rt: RouteTarget): number {
  return rt.kind === 'asn' && rt.asn <= MAX_2_BYTE_ASN ? MAX_4_BYTE_ASN : 0xffff;
}

export function parseRouteTarget(text: string, field = 'route_target'): RouteTarget {
  const refuse = (why: string): AllocationError =>
    new AllocationError('INVALID', field, `route target '${String(text)}' ${why}`);
  const parts = typeof text === 'string' ? text.split(':') : [];
  if (parts.length !== 3 || parts[0] !== 'target' || !DIGITS.test(parts[2]!)) throw refuse(`is malformed: ${FORMAT_HINT}`);
  const [, administrator, digits] = parts as [string, string, string];
  const assignedNumber = Number(digits);
  const rt = DIGITS.test(administrator)
    ? asnRouteTarget(administrator, assignedNumber, refuse)
    : ipRouteTarget(administrator, assignedNumber, refuse);
  const max = maxAssignedNumber(rt);
  if (assignedNumber > max) {
    const kind = rt.kind === 'ip' ? 'an IPv4 address' : rt.asn <= MAX_2_BYTE_ASN ? 'a 2-byte ASN' : 'a 4-byte ASN';
    throw refuse(`has number ${assignedNumber}, out of range: with ${kind} the number is at most ${max}`);
  }
  return rt;
}

function asnRouteTarget(text: string, assignedNumber: number, refuse: (why: string) => AllocationError): RouteTarget {
  const asn = Number(text);
  if (asn < 1 || asn > MAX_4_BYTE_ASN) throw refuse(`has ASN ${text}, out of range: 1 to ${MAX_4_BYTE_ASN}`);
  return { kind: 'asn', asn, assignedNumber };
}

function ipRouteTarget(text: string, assignedNumber: number, refuse: (why: string) => AllocationError): RouteTarget {
  try {
    return { kind: 'ip', ip: formatIpv4(parseIpv4(text)), assignedNumber };
  } catch (error) {
    if (error instanceof AddressFormatError) {
      throw refuse(`is malformed: '${text}' is neither an ASN nor an IPv4 address; ${FORMAT_HINT}`);
    }
    throw error;
  }
}

export function formatRouteTarget(rt: RouteTarget): string {
  return `target:${rt.kind === 'asn' ? rt.asn : rt.ip}:${rt.assignedNumber}`;
}

/** The numbers the system allocates from for a global ASN, inclusive at both ends. */
export function systemRouteTargetRange(globalAsn: number): { readonly start: number; readonly end: number } {
  return globalAsn > MAX_2_BYTE_ASN
    ? { start: SYSTEM_RT_START_4_BYTE_ASN, end: SYSTEM_RT_END_4_BYTE_ASN }
    : { start: SYSTEM_RT_START, end: SYSTEM_RT_END };
}

/**
 * Whether a route target collides with the ones the system allocates: same ASN as the global one and a number
 * from the system start up (tf-controller `RouteTargetServer.is_user_defined`, which has no upper bound).
 * Contrail refuses such a route target in a user's route target lists with 400.
 */
export function isInSystemRange(rt: RouteTarget | string, globalAsn: number): boolean {
  const target = typeof rt === 'string' ? parseRouteTarget(rt) : rt;
  if (target.kind !== 'asn' || target.asn !== globalAsn) return false;
  return target.assignedNumber >= systemRouteTargetRange(globalAsn).start;
}
