import { childElement, type XmlElement } from '../xml/xml-element.js';
import { escapeText } from '../xml/xml-writer.js';
import { ipVersion, isBroadcastMac, isMacAddress, isUnspecifiedAddress, isZeroMac, parsePrefix } from './addresses.js';
import {
  checkCode,
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
import { codecError, fieldPath, readBoolean, readInteger, readIntegerList, readList, readString, readStringList } from './fields.js';

/** EnetNextHopType of xmpp_enet.xsd. */
export interface EnetNextHop {
  af: number;
  address: string;
  mac: string;
  label: number;
  l3Label: number;
  encapsulations: string[];
  tags: number[];
  localSequenceNumber: number;
}

/** EnetEntryType of xmpp_enet.xsd (EVPN, 25/242). */
export interface EnetEntry {
  nlri: { af: number; safi: number; ethernetTag: number; mac: string; address: string; group: string; source: string; flags: number };
  nextHops: EnetNextHop[];
  olist: EnetNextHop[];
  virtualNetwork: string;
  mobility: Mobility | undefined;
  sequenceNumber: number;
  securityGroups: number[];
  localPreference: number;
  med: number;
  edgeReplicationNotSupported: boolean;
  assistedReplicationSupported: boolean;
  leafOlist: EnetNextHop[];
  replicatorAddress: string;
  etreeLeaf: boolean;
}

/**
 * Decodes an EVPN `<entry>` with the control node's checks (§3.3 ProcessEnetItem): mac required; a type-2 route
 * (MAC neither zero nor broadcast) carries a /32 or /128 address or 0.0.0.0/0; exactly one next-hop when published;
 * a replicator-address, when given, is a plain usable address.
 */
export function decodeEnetEntry(entry: XmlElement, context: EntryContext, path = 'entry'): EnetEntry {
  const code = FAMILY_CODES.evpn;
  const nlriPath = fieldPath(path, 'nlri');
  const nlri = childElement(entry, 'nlri');
  if (nlri === undefined) throw codecError(nlriPath, 'missing');
  const af = readInteger(nlri, 'af', nlriPath);
  checkCode(af, code.afi, fieldPath(nlriPath, 'af'), 'evpn');
  const safi = readInteger(nlri, 'safi', nlriPath);
  checkCode(safi, code.safi, fieldPath(nlriPath, 'safi'), 'evpn');
  const ethernetTag = readInteger(nlri, 'ethernet-tag', nlriPath);
  const mac = readString(nlri, 'mac');
  if (!isMacAddress(mac)) throw codecError(fieldPath(nlriPath, 'mac'), mac === '' ? 'missing (an EVPN route needs a MAC)' : `${JSON.stringify(mac)} is not a MAC address`);
  const address = readString(nlri, 'address');
  const addressPath = fieldPath(nlriPath, 'address');
  const prefix = parsePrefix(address);
  if (typeof prefix === 'string') throw codecError(addressPath, prefix);
  const type2 = !isZeroMac(mac) && !isBroadcastMac(mac);
  if (type2 && prefix.length !== (prefix.version === 4 ? 32 : 128) && address !== '0.0.0.0/0') {
    throw codecError(addressPath, `${address}: a MAC route carries a /32 or /128 address (or 0.0.0.0/0)`);
  }
  const group = readString(nlri, 'group');
  if (group !== '' && ipVersion(group) === 0) throw codecError(fieldPath(nlriPath, 'group'), `${JSON.stringify(group)} is not an IP address`);
  const source = readString(nlri, 'source');
  if (source !== '' && ipVersion(source) === 0) throw codecError(fieldPath(nlriPath, 'source'), `${JSON.stringify(source)} is not an IP address`);

  const decoded: EnetEntry = {
    nlri: { af, safi, ethernetTag, mac, address, group, source, flags: readInteger(nlri, 'flags', nlriPath) },
    nextHops: [],
    olist: [],
    virtualNetwork: '',
    mobility: undefined,
    sequenceNumber: 0,
    securityGroups: [],
    localPreference: 0,
    med: 0,
    edgeReplicationNotSupported: false,
    assistedReplicationSupported: false,
    leafOlist: [],
    replicatorAddress: '',
    etreeLeaf: false,
  };
  if (context.purpose === 'withdraw') return decoded;

  const nextHopsPath = fieldPath(path, 'next-hops');
  const nextHops = readList(entry, 'next-hops', 'next-hop');
  if (context.purpose === 'publish' && nextHops.length !== 1) {
    throw codecError(nextHopsPath, nextHops.length === 0 ? 'no next-hop' : `more than one next-hop (${nextHops.length}); an agent publishes exactly one`);
  }
  decoded.nextHops = nextHops.map((nextHop) => decodeEnetNextHop(nextHop, fieldPath(nextHopsPath, 'next-hop')));
  decoded.olist = readList(entry, 'olist', 'next-hop').map((nextHop) => decodeEnetNextHop(nextHop, fieldPath(fieldPath(path, 'olist'), 'next-hop')));
  decoded.virtualNetwork = readString(entry, 'virtual-network');
  decoded.mobility = readMobility(entry, path);
  decoded.sequenceNumber = readInteger(entry, 'sequence-number', path);
  decoded.securityGroups = readIntegerList(entry, 'security-group-list', 'security-group', path);
  decoded.localPreference = readInteger(entry, 'local-preference', path);
  decoded.med = readInteger(entry, 'med', path);
  decoded.edgeReplicationNotSupported = readBoolean(entry, 'edge-replication-not-supported', path);
  decoded.assistedReplicationSupported = readBoolean(entry, 'assisted-replication-supported', path);
  decoded.leafOlist = readList(entry, 'leaf-olist', 'next-hop').map((nextHop) => decodeEnetNextHop(nextHop, fieldPath(fieldPath(path, 'leaf-olist'), 'next-hop')));
  const replicator = readString(entry, 'replicator-address');
  if (replicator !== '' && (ipVersion(replicator) === 0 || isUnspecifiedAddress(replicator))) {
    throw codecError(fieldPath(path, 'replicator-address'), `${JSON.stringify(replicator)} is not a usable IP address`);
  }
  decoded.replicatorAddress = replicator;
  decoded.etreeLeaf = readBoolean(entry, 'etree-leaf', path);
  return decoded;
}

function decodeEnetNextHop(nextHop: XmlElement, path: string): EnetNextHop {
  const { af, address } = readNextHopAddress(nextHop, path);
  return {
    af,
    address,
    mac: readString(nextHop, 'mac'),
    label: readInteger(nextHop, 'label', path, 0, MAX_LABEL),
    l3Label: readInteger(nextHop, 'l3-label', path, 0, MAX_LABEL),
    encapsulations: readStringList(nextHop, 'tunnel-encapsulation-list', 'tunnel-encapsulation'),
    tags: readIntegerList(nextHop, 'tag-list', 'tag', path),
    localSequenceNumber: readInteger(nextHop, 'local-sequence-number', path),
  };
}

/** The EVPN item id (§4 ToXmppIdString): `[<ethernet-tag>-]<mac>,<ip>/<plen>[,<group>,<source>]`. */
export function enetItemId(nlri: EnetEntry['nlri']): string {
  const tag = nlri.ethernetTag !== 0 ? `${nlri.ethernetTag}-` : '';
  const multicast = nlri.group !== '' ? `,${nlri.group},${nlri.source === '' ? '0.0.0.0' : nlri.source}` : '';
  return `${tag}${nlri.mac},${nlri.address}${multicast}`;
}

/** Writes `<entry>…</entry>` in xmpp_enet.xsd order (§3.3 "Entry order"). */
export function writeEnetEntry(parts: string[], entry: EnetEntry, layout: { indent: Indent; localSequenceNumber: boolean }): void {
  const indent = layout.indent;
  const nlri = entry.nlri;
  parts.push(
    '<entry>',
    indent[1]!,
    '<nlri><af>',
    String(nlri.af),
    '</af><safi>',
    String(nlri.safi),
    '</safi><ethernet-tag>',
    String(nlri.ethernetTag),
    '</ethernet-tag><mac>',
    escapeText(nlri.mac),
    '</mac><address>',
    escapeText(nlri.address),
    '</address><group>',
    escapeText(nlri.group),
    '</group><source>',
    escapeText(nlri.source),
    '</source><flags>',
    String(nlri.flags),
    '</flags></nlri>',
    indent[1]!,
  );
  writeNextHopList(parts, 'next-hops', entry.nextHops, layout);
  parts.push(indent[1]!);
  writeNextHopList(parts, 'olist', entry.olist, layout);
  parts.push(indent[1]!, '<virtual-network>', escapeText(entry.virtualNetwork), '</virtual-network>', indent[1]!);
  writeMobility(parts, entry.mobility, entry.sequenceNumber);
  parts.push(indent[1]!, '<sequence-number>', String(entry.sequenceNumber), '</sequence-number>', indent[1]!);
  writeIntegerList(parts, 'security-group-list', 'security-group', entry.securityGroups);
  parts.push(
    indent[1]!,
    '<local-preference>',
    String(entry.localPreference),
    '</local-preference>',
    indent[1]!,
    '<med>',
    String(entry.med),
    '</med>',
    indent[1]!,
    '<edge-replication-not-supported>',
    String(entry.edgeReplicationNotSupported),
    '</edge-replication-not-supported>',
    indent[1]!,
    '<assisted-replication-supported>',
    String(entry.assistedReplicationSupported),
    '</assisted-replication-supported>',
    indent[1]!,
  );
  writeNextHopList(parts, 'leaf-olist', entry.leafOlist, layout);
  parts.push(
    indent[1]!,
    '<replicator-address>',
    escapeText(entry.replicatorAddress),
    '</replicator-address>',
    indent[1]!,
    '<etree-leaf>',
    String(entry.etreeLeaf),
    '</etree-leaf>',
    indent[0]!,
    '</entry>',
  );
}

function writeNextHopList(parts: string[], listName: string, nextHops: readonly EnetNextHop[], layout: { indent: Indent; localSequenceNumber: boolean }): void {
  const indent = layout.indent;
  if (nextHops.length === 0) {
    parts.push('<', listName, ' />');
    return;
  }
  parts.push('<', listName, '>');
  for (const nextHop of nextHops) {
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
      '</label><l3-label>',
      String(nextHop.l3Label),
      '</l3-label>',
      indent[3]!,
    );
    writeStringList(parts, 'tunnel-encapsulation-list', 'tunnel-encapsulation', nextHop.encapsulations);
    parts.push(indent[3]!);
    writeIntegerList(parts, 'tag-list', 'tag', nextHop.tags);
    if (layout.localSequenceNumber) parts.push(indent[3]!, '<local-sequence-number>', String(nextHop.localSequenceNumber), '</local-sequence-number>');
    parts.push(indent[2]!, '</next-hop>');
  }
  parts.push(indent[1]!, '</', listName, '>');
}
