import { XmppCodecError } from '../errors.js';
import { childElement, type XmlElement } from '../xml/xml-element.js';
import { decodeEnetEntry, enetItemId, writeEnetEntry, type EnetEntry } from './enet-entry.js';
import type { EntryContext, Indent } from './entry-common.js';
import { codecError } from './fields.js';
import type { RouteFamily } from './families.js';
import { decodeMcastEntry, mcastItemId, writeMcastEntry, type McastEntry } from './mcast-entry.js';
import { decodeUnicastEntry, writeUnicastEntry, type UnicastEntry } from './unicast-entry.js';

/** An `<entry>` of any family the codec knows, tagged with its family. */
export type RouteEntry =
  | { family: 'inet' | 'inet6' | 'inet-labeled'; entry: UnicastEntry }
  | { family: 'evpn'; entry: EnetEntry }
  | { family: 'ermvpn'; entry: McastEntry };

/** Decodes the `<entry>` of an `<item>` for `context.family`; throws an XmppCodecError naming the bad field. */
export function decodeItemEntry(item: XmlElement, context: EntryContext): RouteEntry {
  const entry = childElement(item, 'entry');
  if (entry === undefined) throw codecError('entry', 'the item has no <entry>');
  switch (context.family) {
    case 'inet':
    case 'inet6':
    case 'inet-labeled':
      return { family: context.family, entry: decodeUnicastEntry(entry, context) };
    case 'evpn':
      return { family: 'evpn', entry: decodeEnetEntry(entry, context) };
    case 'ermvpn':
      return { family: 'ermvpn', entry: decodeMcastEntry(entry, context) };
    case 'mvpn':
      throw new XmppCodecError('family mvpn (1/5) is not supported', 'node');
  }
}

/** The route's key, which is also its item / retract id (§4 ToXmppIdString). */
export function routeKey(route: RouteEntry): string {
  switch (route.family) {
    case 'evpn':
      return enetItemId(route.entry.nlri);
    case 'ermvpn':
      return mcastItemId(route.entry.nlri);
    default:
      return route.entry.nlri.address;
  }
}

export function writeRouteEntry(parts: string[], route: RouteEntry, indent: Indent, localSequenceNumber: boolean): void {
  switch (route.family) {
    case 'evpn':
      writeEnetEntry(parts, route.entry, { indent, localSequenceNumber });
      return;
    case 'ermvpn':
      writeMcastEntry(parts, route.entry, indent);
      return;
    default:
      writeUnicastEntry(parts, route.entry, { indent, localSequenceNumber });
  }
}

/** What a route published by an agent means to the control plane: the fields of agent.proto's Route, and more. */
export interface AgentRoute {
  family: RouteFamily;
  /** The route key: `10.1.1.3/32` for inet/inet6 (as sent, not canonicalised), the EVPN id, `group,source`. */
  prefix: string;
  nextHop: string;
  /** MPLS label or VXLAN id; 0 for multicast (its label block is in `entry`). */
  label: number;
  /** Wire names (gre, udp, vxlan …); controlEncapsulations() maps them to the control plane's. */
  encapsulations: string[];
  securityGroups: number[];
  /** mobility@seqno when present, else the deprecated sequence-number (§3.2). */
  sequence: number;
  /** 0 means not set (§3.2). */
  localPreference: number;
  /** The VN the next-hop names (ignored by the TF control node). */
  virtualNetwork: string;
  tags: number[];
  /** Everything the agent sent. */
  entry: RouteEntry;
}

export function agentRouteOf(route: RouteEntry): AgentRoute {
  const key = routeKey(route);
  switch (route.family) {
    case 'ermvpn': {
      const nextHop = route.entry.nextHops[0];
      return {
        family: route.family,
        prefix: key,
        nextHop: nextHop?.address ?? '',
        label: 0,
        encapsulations: nextHop?.encapsulations ?? [],
        securityGroups: [],
        sequence: 0,
        localPreference: 0,
        virtualNetwork: '',
        tags: [],
        entry: route,
      };
    }
    case 'evpn': {
      const entry = route.entry;
      const nextHop = entry.nextHops[0];
      return {
        family: route.family,
        prefix: key,
        nextHop: nextHop?.address ?? '',
        label: nextHop?.label ?? 0,
        encapsulations: nextHop?.encapsulations ?? [],
        securityGroups: entry.securityGroups,
        sequence: entry.mobility?.seqno ?? entry.sequenceNumber,
        localPreference: entry.localPreference,
        virtualNetwork: entry.virtualNetwork,
        tags: nextHop?.tags ?? [],
        entry: route,
      };
    }
    default: {
      const entry = route.entry;
      const nextHop = entry.nextHops[0];
      return {
        family: route.family,
        prefix: key,
        nextHop: nextHop?.address ?? '',
        label: nextHop?.label ?? 0,
        encapsulations: nextHop?.encapsulations ?? [],
        securityGroups: entry.securityGroups,
        sequence: entry.mobility?.seqno ?? entry.sequenceNumber,
        localPreference: entry.localPreference,
        virtualNetwork: nextHop?.virtualNetwork ?? '',
        tags: nextHop?.tags ?? [],
        entry: route,
      };
    }
  }
}

const TO_CONTROL: Readonly<Record<string, string>> = { gre: 'MPLSoGRE', udp: 'MPLSoUDP', vxlan: 'VXLAN' };
const TO_WIRE: Readonly<Record<string, string>> = { MPLSoGRE: 'gre', MPLSoUDP: 'udp', VXLAN: 'vxlan' };

/**
 * Wire encapsulation names → the control plane's (agent.proto: MPLSoGRE, MPLSoUDP, VXLAN). `native` and `mpls` have
 * no counterpart there and are left out, as are unknown names (TF ignores invalid ones, §3.2).
 */
export function controlEncapsulations(wire: readonly string[]): string[] {
  const out: string[] = [];
  for (const name of wire) {
    const mapped = TO_CONTROL[name.toLowerCase()];
    if (mapped !== undefined && !out.includes(mapped)) out.push(mapped);
  }
  return out;
}

/** The control plane's encapsulation names → wire names; a name that is already a wire name passes unchanged. */
export function wireEncapsulations(control: readonly string[]): string[] {
  return control.map((name) => TO_WIRE[name] ?? name);
}
