import { childElement, type XmlElement } from '../xml/xml-element.js';
import { escapeText } from '../xml/xml-writer.js';
import { ipVersion } from './addresses.js';
import { checkCode, readNextHopAddress, writeStringList, type EntryContext, type Indent } from './entry-common.js';
import { FAMILY_CODES } from './families.js';
import { codecError, fieldPath, readInteger, readList, readString, readStringList } from './fields.js';

/** McastNextHopType of xmpp_multicast.xsd: `label` is a label block `start-end` from the agent, a label to it. */
export interface McastNextHop {
  af: number;
  address: string;
  label: string;
  encapsulations: string[];
}

/** McastEntryType of xmpp_multicast.xsd (ERMVPN tree building, 1/241). */
export interface McastEntry {
  nlri: { af: number; safi: number; group: string; source: string; sourceLabel: number; sourceAddress: string };
  nextHops: McastNextHop[];
  olist: McastNextHop[];
}

/**
 * Decodes a multicast `<entry>` with the control node's checks (§3.3): group and source plain IPv4 addresses, exactly
 * one next-hop when published, whose label is a block `start-end` with 0 < start ≤ end.
 */
export function decodeMcastEntry(entry: XmlElement, context: EntryContext, path = 'entry'): McastEntry {
  const code = FAMILY_CODES.ermvpn;
  const nlriPath = fieldPath(path, 'nlri');
  const nlri = childElement(entry, 'nlri');
  if (nlri === undefined) throw codecError(nlriPath, 'missing');
  const af = readInteger(nlri, 'af', nlriPath);
  checkCode(af, code.afi, fieldPath(nlriPath, 'af'), 'ermvpn');
  const safi = readInteger(nlri, 'safi', nlriPath);
  checkCode(safi, code.safi, fieldPath(nlriPath, 'safi'), 'ermvpn');
  const group = readString(nlri, 'group') || '0.0.0.0';
  if (ipVersion(group) !== 4) throw codecError(fieldPath(nlriPath, 'group'), `${JSON.stringify(group)} is not an IPv4 address`);
  const source = readString(nlri, 'source') || '0.0.0.0';
  if (ipVersion(source) !== 4) throw codecError(fieldPath(nlriPath, 'source'), `${JSON.stringify(source)} is not an IPv4 address`);
  const decoded: McastEntry = {
    nlri: { af, safi, group, source, sourceLabel: readInteger(nlri, 'source-label', nlriPath), sourceAddress: readString(nlri, 'source-address') },
    nextHops: [],
    olist: [],
  };
  if (context.purpose === 'withdraw') return decoded;
  const nextHopsPath = fieldPath(path, 'next-hops');
  const nextHops = readList(entry, 'next-hops', 'next-hop');
  if (context.purpose === 'publish' && nextHops.length !== 1) {
    throw codecError(nextHopsPath, nextHops.length === 0 ? 'no next-hop' : `more than one next-hop (${nextHops.length}); an agent publishes exactly one`);
  }
  decoded.nextHops = nextHops.map((nextHop) => decodeMcastNextHop(nextHop, fieldPath(nextHopsPath, 'next-hop'), context.purpose === 'publish'));
  decoded.olist = readList(entry, 'olist', 'next-hop').map((nextHop) => decodeMcastNextHop(nextHop, fieldPath(fieldPath(path, 'olist'), 'next-hop'), false));
  return decoded;
}

function decodeMcastNextHop(nextHop: XmlElement, path: string, labelBlock: boolean): McastNextHop {
  const { af, address } = readNextHopAddress(nextHop, path);
  const label = readString(nextHop, 'label');
  if (labelBlock) checkLabelBlock(label, fieldPath(path, 'label'));
  return { af, address, label, encapsulations: readStringList(nextHop, 'tunnel-encapsulation-list', 'tunnel-encapsulation') };
}

function checkLabelBlock(label: string, path: string): void {
  const match = /^(\d{1,8})-(\d{1,8})$/.exec(label);
  if (match === null) throw codecError(path, `${JSON.stringify(label)} is not a label block 'start-end'`);
  const first = Number(match[1]);
  const last = Number(match[2]);
  if (first === 0 || last === 0 || first > last || last > 0xfffff) throw codecError(path, `${label} is not a label block with 0 < start <= end < 2^20`);
}

/** The multicast route key: `<group>,<source>`. */
export function mcastItemId(nlri: McastEntry['nlri']): string {
  return `${nlri.group},${nlri.source}`;
}

/** Writes `<entry>…</entry>` in xmpp_multicast.xsd order. */
export function writeMcastEntry(parts: string[], entry: McastEntry, indent: Indent): void {
  const nlri = entry.nlri;
  parts.push(
    '<entry>',
    indent[1]!,
    '<nlri><af>',
    String(nlri.af),
    '</af><safi>',
    String(nlri.safi),
    '</safi><group>',
    escapeText(nlri.group),
    '</group><source>',
    escapeText(nlri.source),
    '</source><source-label>',
    String(nlri.sourceLabel),
    '</source-label><source-address>',
    escapeText(nlri.sourceAddress),
    '</source-address></nlri>',
    indent[1]!,
  );
  writeList(parts, 'next-hops', entry.nextHops, indent);
  parts.push(indent[1]!);
  writeList(parts, 'olist', entry.olist, indent);
  parts.push(indent[0]!, '</entry>');
}

function writeList(parts: string[], listName: string, nextHops: readonly McastNextHop[], indent: Indent): void {
  if (nextHops.length === 0) {
    parts.push('<', listName, ' />');
    return;
  }
  parts.push('<', listName, '>');
  for (const nextHop of nextHops) {
    parts.push(indent[2]!, '<next-hop>', indent[3]!, '<af>', String(nextHop.af), '</af><address>', escapeText(nextHop.address), '</address><label>', escapeText(nextHop.label), '</label>', indent[3]!);
    writeStringList(parts, 'tunnel-encapsulation-list', 'tunnel-encapsulation', nextHop.encapsulations);
    parts.push(indent[2]!, '</next-hop>');
  }
  parts.push(indent[1]!, '</', listName, '>');
}
