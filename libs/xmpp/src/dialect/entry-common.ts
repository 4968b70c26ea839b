import { childElement, type XmlElement } from '../xml/xml-element.js';
import { escapeText } from '../xml/xml-writer.js';
import { ipVersion, isUnspecifiedAddress } from './addresses.js';
import { MASTER_INSTANCE } from './constants.js';
import type { RouteFamily } from './families.js';
import { codecError, fieldPath, parseBoolean, parseInteger, readInteger } from './fields.js';

/**
 * Why an entry is decoded, which decides how strict the checks are:
 * - 'publish': an agent adds or changes a route (§3.2 "Agent → control node" column: exactly one next-hop, label
 *   rules, every field checked);
 * - 'withdraw': an agent withdraws a route (§3.1: only `nlri` is read);
 * - 'push': control sends the route to an agent (§4: any number of next-hops, ECMP; no label rules).
 */
export type EntryPurpose = 'publish' | 'withdraw' | 'push';

export interface EntryContext {
  family: RouteFamily;
  /** The routing instance (collection node, or items node on push). */
  vrf: string;
  purpose: EntryPurpose;
}

/** `<mobility seqno="…" sticky="…" />` (§3.2: preferred over sequence-number). */
export interface Mobility {
  seqno: number;
  sticky: boolean;
}

/**
 * Indentation of the lines of an entry: `indent[d]` is the line break plus indentation of a line d levels below
 * `<entry>`. The agent writes one element per line without indentation (§1.3), the control node tab-indents (§4).
 */
export type Indent = readonly string[];

export function makeIndent(entryDepth: number, tab: string): Indent {
  return Array.from({ length: 8 }, (_, depth) => `\n${tab.repeat(entryDepth + depth)}`);
}

/** MPLS labels are 20 bits and VXLAN ids 24: `label` carries either (§3.2 "limited to ≤ 24 bits"). */
export const MAX_LABEL = 0xffffff;

export function readMobility(entry: XmlElement, path: string): Mobility | undefined {
  const element = childElement(entry, 'mobility');
  if (element === undefined) return undefined;
  const here = fieldPath(path, 'mobility');
  return {
    seqno: parseInteger((element.attributes['seqno'] ?? '').trim(), `${here}@seqno`),
    sticky: parseBoolean((element.attributes['sticky'] ?? '').trim(), `${here}@sticky`),
  };
}

/**
 * A next-hop's af and address: a plain IP address that is not 0.0.0.0/::, of the version af names (1 IPv4, 2 IPv6;
 * a missing af is taken from the address).
 */
export function readNextHopAddress(nextHop: XmlElement, path: string): { af: number; address: string } {
  const af = readInteger(nextHop, 'af', path);
  const address = (childElement(nextHop, 'address')?.text ?? '').trim();
  const addressPath = fieldPath(path, 'address');
  const version = ipVersion(address);
  if (version === 0) throw codecError(addressPath, `${JSON.stringify(address)} is not an IP address`);
  if (isUnspecifiedAddress(address)) throw codecError(addressPath, `${address} is not a usable next-hop address`);
  if (af !== 0 && af !== 1 && af !== 2) throw codecError(fieldPath(path, 'af'), `${af} is not 1 (IPv4) or 2 (IPv6)`);
  if ((af === 1 && version !== 4) || (af === 2 && version !== 6)) {
    throw codecError(addressPath, `${address} is not an IPv${af === 1 ? 4 : 6} address as af ${af} says`);
  }
  return { af: af === 0 ? (version === 4 ? 1 : 2) : af, address };
}

/**
 * The MPLS label (or VNI) of a published unicast route (§3.2): ≠ 0 in a non-master instance, 0 in the master
 * instance unless the family is labeled inet.
 */
export function checkPublishedLabel(label: number, context: EntryContext, path: string): void {
  if (context.purpose !== 'publish') return;
  const master = context.vrf === MASTER_INSTANCE;
  if (!master && label === 0) throw codecError(path, `0 is not a valid label outside the master instance`);
  if (master && label !== 0 && context.family !== 'inet-labeled') throw codecError(path, `${label}: routes of the master instance carry label 0`);
}

export function afiName(expected: number): string {
  return expected === 1 ? '1 (IPv4)' : expected === 2 ? '2 (IPv6)' : expected === 25 ? '25 (L2VPN)' : String(expected);
}

export function checkCode(actual: number, expected: number, path: string, family: RouteFamily): void {
  if (actual !== expected) throw codecError(path, `${actual} is not ${afiName(expected)}, as family ${family} requires`);
}

// Writers: the generated encoders' style (§3.4): empty lists `<x />`, empty strings `<x></x>`, bools true/false.

export function writeIntegerList(parts: string[], listName: string, itemName: string, values: readonly number[]): void {
  if (values.length === 0) {
    parts.push('<', listName, ' />');
    return;
  }
  parts.push('<', listName, '>');
  for (const value of values) parts.push('<', itemName, '>', String(value), '</', itemName, '>');
  parts.push('</', listName, '>');
}

export function writeStringList(parts: string[], listName: string, itemName: string, values: readonly string[]): void {
  if (values.length === 0) {
    parts.push('<', listName, ' />');
    return;
  }
  parts.push('<', listName, '>');
  for (const value of values) parts.push('<', itemName, '>', escapeText(value), '</', itemName, '>');
  parts.push('</', listName, '>');
}

export function writeMobility(parts: string[], mobility: Mobility | undefined, sequenceNumber: number): void {
  const seqno = mobility?.seqno ?? sequenceNumber;
  parts.push('<mobility seqno="', String(seqno), '" sticky="', mobility?.sticky ? 'true' : 'false', '" />');
}
