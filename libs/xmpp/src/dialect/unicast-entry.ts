import { childElement, type XmlElement } from '../xml/xml-element.js';
import { escapeText } from '../xml/xml-writer.js';
import { parsePrefix } from './addresses.js';
import {
  checkCode,
  checkPublishedLabel,
  MAX_LABEL,
  readMobility,
  readNextHopAddress,
  writeIntegerList,
  writeMobility,
  writeStringList,
  type EntryContext,
  type Indent,
  type Mobility,
} from './entry-common.js';
import { FAMILY_CODES } from './families.js';
import { codecError, fieldPath, readInteger, readIntegerList, readList, readString, readStringList } from './fields.js';

/** NextHopType of xmpp_unicast.xsd. */
export interface UnicastNextHop {
  af: number;
  address: string;
  mac: string;
  label: number;
  vni: number;
  /** Wire names: gre, udp, vxlan, native, mpls (§3.2). */
  encapsulations: string[];
  virtualNetwork: string;
  tags: number[];
  localSequenceNumber: number;
}

export interface LoadBalance {
  /** load-balance-field-list values: l3-source-address, l4-protocol … */
  fields: string[];
  /** field-hash or source-bias. */
  decision: string;
}

/** EntryType of xmpp_unicast.xsd: inet (1/1), inet6 (2/1) and labeled inet (1/4). */
export interface UnicastEntry {
  nlri: { af: number; safi: number; address: string };
  nextHops: UnicastNextHop[];
  version: number;
  virtualNetwork: string;
  mobility: Mobility | undefined;
  sequenceNumber: number;
  securityGroups: number[];
  communityTags: string[];
  localPreference: number;
  med: number;
  loadBalance: LoadBalance | undefined;
  subProtocol: string;
}

/**
 * Decodes an `<entry>` of EntryType, checking it as §3.2 says the control node does for `context.purpose`. Throws an
 * XmppCodecError whose `field` is the path of the bad element (`entry/next-hops/next-hop/address`).
 */
export function decodeUnicastEntry(entry: XmlElement, context: EntryContext, path = 'entry'): UnicastEntry {
  const code = FAMILY_CODES[context.family];
  const nlriPath = fieldPath(path, 'nlri');
  const nlri = childElement(entry, 'nlri');
  if (nlri === undefined) throw codecError(nlriPath, 'missing');
  const af = readInteger(nlri, 'af', nlriPath);
  checkCode(af, code.afi, fieldPath(nlriPath, 'af'), context.family);
  const safi = readInteger(nlri, 'safi', nlriPath);
  checkCode(safi, code.safi, fieldPath(nlriPath, 'safi'), context.family);
  const address = readString(nlri, 'address');
  const prefix = parsePrefix(address);
  const addressPath = fieldPath(nlriPath, 'address');
  if (typeof prefix === 'string') throw codecError(addressPath, prefix);
  if (prefix.version !== (code.afi === 2 ? 6 : 4)) throw codecError(addressPath, `${address} is not an IPv${code.afi === 2 ? 6 : 4} prefix`);

  const decoded: UnicastEntry = {
    nlri: { af, safi, address },
    nextHops: [],
    version: 0,
    virtualNetwork: '',
    mobility: undefined,
    sequenceNumber: 0,
    securityGroups: [],
    communityTags: [],
    localPreference: 0,
    med: 0,
    loadBalance: undefined,
    subProtocol: '',
  };
  if (context.purpose === 'withdraw') return decoded;

  const nextHopsPath = fieldPath(path, 'next-hops');
  const nextHops = readList(entry, 'next-hops', 'next-hop');
  if (context.purpose === 'publish' && nextHops.length !== 1) {
    throw codecError(nextHopsPath, nextHops.length === 0 ? 'no next-hop' : `more than one next-hop (${nextHops.length}); an agent publishes exactly one`);
  }
  const nextHopPath = fieldPath(nextHopsPath, 'next-hop');
  decoded.nextHops = nextHops.map((nextHop) => decodeNextHop(nextHop, context, nextHopPath));
  decoded.version = readInteger(entry, 'version', path);
  decoded.virtualNetwork = readString(entry, 'virtual-network');
  decoded.mobility = readMobility(entry, path);
  decoded.sequenceNumber = readInteger(entry, 'sequence-number', path);
  decoded.securityGroups = readIntegerList(entry, 'security-group-list', 'security-group', path);
  decoded.communityTags = readStringList(entry, 'community-tag-list', 'community-tag');
  decoded.localPreference = readInteger(entry, 'local-preference', path);
  decoded.med = readInteger(entry, 'med', path);
  const loadBalance = childElement(entry, 'load-balance');
  if (loadBalance !== undefined) {
    decoded.loadBalance = {
      fields: readStringList(loadBalance, 'load-balance-fields', 'load-balance-field-list'),
      decision: readString(loadBalance, 'load-balance-decision'),
    };
  }
  decoded.subProtocol = readString(entry, 'sub-protocol');
  return decoded;
}

function decodeNextHop(nextHop: XmlElement, context: EntryContext, path: string): UnicastNextHop {
  const { af, address } = readNextHopAddress(nextHop, path);
  const label = readInteger(nextHop, 'label', path, 0, MAX_LABEL);
  checkPublishedLabel(label, context, fieldPath(path, 'label'));
  return {
    af,
    address,
    mac: readString(nextHop, 'mac'),
    label,
    vni: readInteger(nextHop, 'vni', path),
    encapsulations: readStringList(nextHop, 'tunnel-encapsulation-list', 'tunnel-encapsulation'),
    virtualNetwork: readString(nextHop, 'virtual-network'),
    tags: readIntegerList(nextHop, 'tag-list', 'tag', path),
    localSequenceNumber: readInteger(nextHop, 'local-sequence-number', path),
  };
}

export interface EntryLayout {
  indent: Indent;
  /** The agent writes next-hop/local-sequence-number; the control node's push does not (§3.2 "n/a", §4). */
  localSequenceNumber: boolean;
}

/**
 * Writes `<entry>…</entry>` in xmpp_unicast.xsd order, one line per group as in §3.1 / §4, into `parts` (joined by
 * the caller once per message: one flat copy, several times faster than concatenating ropes on the push path).
 */
export function writeUnicastEntry(parts: string[], entry: UnicastEntry, layout: EntryLayout): void {
  const indent = layout.indent;
  const nlri = entry.nlri;
  parts.push(
    '<entry>',
    indent[1]!,
    '<nlri><af>',
    String(nlri.af),
    '</af><safi>',
    String(nlri.safi),
    '</safi><address>',
    escapeText(nlri.address),
    '</address></nlri>',
    indent[1]!,
  );
  if (entry.nextHops.length === 0) {
    parts.push('<next-hops />');
  } else {
    parts.push('<next-hops>');
    for (const nextHop of entry.nextHops) writeNextHop(parts, nextHop, layout);
    parts.push(indent[1]!, '</next-hops>');
  }
  parts.push(indent[1]!, '<version>', String(entry.version), '</version>', indent[1]!, '<virtual-network>', escapeText(entry.virtualNetwork), '</virtual-network>', indent[1]!);
  writeMobility(parts, entry.mobility, entry.sequenceNumber);
  parts.push(indent[1]!, '<sequence-number>', String(entry.sequenceNumber), '</sequence-number>', indent[1]!);
  writeIntegerList(parts, 'security-group-list', 'security-group', entry.securityGroups);
  parts.push(indent[1]!);
  writeStringList(parts, 'community-tag-list', 'community-tag', entry.communityTags);
  parts.push(indent[1]!, '<local-preference>', String(entry.localPreference), '</local-preference>', indent[1]!, '<med>', String(entry.med), '</med>', indent[1]!);
  const loadBalance = entry.loadBalance ?? DEFAULT_LOAD_BALANCE;
  parts.push('<load-balance>');
  writeStringList(parts, 'load-balance-fields', 'load-balance-field-list', loadBalance.fields);
  parts.push('<load-balance-decision>', escapeText(loadBalance.decision), '</load-balance-decision></load-balance>');
  parts.push(indent[1]!, '<sub-protocol>', escapeText(entry.subProtocol), '</sub-protocol>', indent[0]!, '</entry>');
}

function writeNextHop(parts: string[], nextHop: UnicastNextHop, layout: EntryLayout): void {
  const indent = layout.indent;
  parts.push(
    indent[2]!,
    '<next-hop>',
    indent[3]!,
    '<af>',
    String(nextHop.af),
    '</af><address>',
    escapeText(nextHop.address),
    '</address><mac>',
    escapeText(nextHop.mac),
    '</mac><label>',
    String(nextHop.label),
    '</label><vni>',
    String(nextHop.vni),
    '</vni>',
    indent[3]!,
  );
  writeStringList(parts, 'tunnel-encapsulation-list', 'tunnel-encapsulation', nextHop.encapsulations);
  parts.push(indent[3]!, '<virtual-network>', escapeText(nextHop.virtualNetwork), '</virtual-network>', indent[3]!);
  writeIntegerList(parts, 'tag-list', 'tag', nextHop.tags);
  if (layout.localSequenceNumber) parts.push(indent[3]!, '<local-sequence-number>', String(nextHop.localSequenceNumber), '</local-sequence-number>');
  parts.push(indent[2]!, '</next-hop>');
}

/** §3.2: the agent's default. */
export const DEFAULT_LOAD_BALANCE: LoadBalance = { fields: [], decision: 'field-hash' };
