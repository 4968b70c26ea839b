import { XmppCodecError, XmppError } from '../errors.js';
import type { XmlElement } from '../xml/xml-element.js';
import { escapeAttribute } from '../xml/xml-writer.js';
import { ipVersion } from './addresses.js';
import { BGP_PEER_RESOURCE, CONTROL_NODE_JID, END_OF_RIB_NODE, MAX_ITEMS_PER_MESSAGE, MAX_RETRACTS_PER_MESSAGE, PUBSUB_NAMESPACE } from './constants.js';
import { makeIndent } from './entry-common.js';
import { familyNodePrefix, splitFamilyNode, type RouteFamily } from './families.js';
import type { ItemRejection } from './publish.js';
import { decodeItemEntry, wireEncapsulations, writeRouteEntry, type RouteEntry } from './route-entry.js';
import type { StanzaAddress } from './stanza-envelope.js';
import { DEFAULT_LOAD_BALANCE, type UnicastEntry, type UnicastNextHop } from './unicast-entry.js';

// Control node → agent route messages (§4): `<message><event><items node="afi/safi/vrf">` holding either up to 32
// `<item id="prefix">` or up to 256 `<retract id="prefix" />`, never both; one VRF and family per message.

/** A route for the push: its item id and entry. */
export interface PushItem {
  id: string;
  route: RouteEntry;
}

const PUSH_INDENT = makeIndent(4, '\t');
const EVENT_OPEN = `">\n\t<event xmlns="${PUBSUB_NAMESPACE}">\n\t\t<items node="`;
const ITEMS_CLOSE = '\n\t\t</items>\n\t</event>\n</message>';

function messageHead(agent: string, node: string): string {
  return `<message from="${CONTROL_NODE_JID}" to="${escapeAttribute(agent)}/${BGP_PEER_RESOURCE}${EVENT_OPEN}${escapeAttribute(node)}">`;
}

/** The `items@node` of a family and VRF: `1/1/<vrf>`. */
export function itemsNode(family: RouteFamily, vrf: string): string {
  return `${familyNodePrefix(family)}/${vrf}`;
}

/** One message of at most 32 items (§4 kMaxReachCount), all of `family` in `vrf`. */
export function encodeRouteItemsMessage(agent: string, family: RouteFamily, vrf: string, items: readonly PushItem[]): string {
  if (items.length === 0 || items.length > MAX_ITEMS_PER_MESSAGE) {
    throw new RangeError(`a route message carries 1 to ${MAX_ITEMS_PER_MESSAGE} items, not ${items.length}`);
  }
  const parts: string[] = [messageHead(agent, itemsNode(family, vrf))];
  for (const item of items) {
    if (item.route.family !== family) throw new RangeError(`item ${item.id} is ${item.route.family}, the message is ${family}`);
    parts.push('\n\t\t\t<item id="', escapeAttribute(item.id), '">\n\t\t\t\t');
    writeRouteEntry(parts, item.route, PUSH_INDENT, false);
    parts.push('\n\t\t\t</item>');
  }
  parts.push(ITEMS_CLOSE);
  return parts.join('');
}

/** One message of at most 256 retracts (§4 kMaxUnreachCount); `id` is the retract's first attribute. */
export function encodeRouteRetractMessage(agent: string, family: RouteFamily, vrf: string, ids: readonly string[]): string {
  if (ids.length === 0 || ids.length > MAX_RETRACTS_PER_MESSAGE) {
    throw new RangeError(`a route message carries 1 to ${MAX_RETRACTS_PER_MESSAGE} retracts, not ${ids.length}`);
  }
  const parts: string[] = [messageHead(agent, itemsNode(family, vrf))];
  for (const id of ids) parts.push('\n\t\t\t<retract id="', escapeAttribute(id), '" />');
  parts.push(ITEMS_CLOSE);
  return parts.join('');
}

/** Items in messages of ≤32, then nothing else: the batching of §4 for one VRF and family. */
export function encodeRouteItems(agent: string, family: RouteFamily, vrf: string, items: readonly PushItem[]): string[] {
  const messages: string[] = [];
  for (let i = 0; i < items.length; i += MAX_ITEMS_PER_MESSAGE) messages.push(encodeRouteItemsMessage(agent, family, vrf, items.slice(i, i + MAX_ITEMS_PER_MESSAGE)));
  return messages;
}

/** Retracts in messages of ≤256. */
export function encodeRouteRetracts(agent: string, family: RouteFamily, vrf: string, ids: readonly string[]): string[] {
  const messages: string[] = [];
  for (let i = 0; i < ids.length; i += MAX_RETRACTS_PER_MESSAGE) messages.push(encodeRouteRetractMessage(agent, family, vrf, ids.slice(i, i + MAX_RETRACTS_PER_MESSAGE)));
  return messages;
}

/** §4 the control node's end-of-RIB (verbatim layout of BgpXmppChannel::SendEndOfRIB). */
export function encodeControlEndOfRib(agent: string): string {
  return endOfRibMessage(CONTROL_NODE_JID, `${agent}/${BGP_PEER_RESOURCE}`);
}

/** §3.1 the agent's `<message>` end-of-RIB (ignored by the real control node; the bridge accepts it). */
export function encodeAgentEndOfRibMessage(agent: string): string {
  return endOfRibMessage(agent, `${CONTROL_NODE_JID}/${BGP_PEER_RESOURCE}`);
}

function endOfRibMessage(from: string, to: string): string {
  return `<message from="${escapeAttribute(from)}" to="${escapeAttribute(to)}">\n\t<event xmlns="${PUBSUB_NAMESPACE}">\n<items node="${END_OF_RIB_NODE}"></items>\n\t</event>\n</message>`;
}

// From the control plane's best paths to entries.

/** One best path as the control plane holds it (libs/routing RoutePath fits). */
export interface PushPath {
  nextHop: string;
  label: number;
  /** Control-plane names (MPLSoGRE, MPLSoUDP, VXLAN) or wire names. */
  encapsulations: readonly string[];
  securityGroups: readonly number[];
  sequence: number;
  /** 0 means the default, 100. */
  localPreference: number;
  /** The VRF the path was published in; its VN is the path's virtual-network. */
  originVrf?: string;
  agent?: string;
  /** Overrides the VN derived from originVrf. */
  virtualNetwork?: string;
  /** Firewall tags of the path. */
  tags?: readonly number[];
}

/** The best paths of one prefix of a VRF; no paths withdraws it (libs/routing RouteEntry fits). */
export interface PushUpdate {
  prefix: string;
  paths: readonly PushPath[];
}

/** A VRF's VN: the VRF name is fq(VN) + ':' + VN name (routing-semantics §1). */
export function virtualNetworkOfVrf(vrf: string): string {
  const colon = vrf.lastIndexOf(':');
  return colon < 0 ? vrf : vrf.slice(0, colon);
}

/**
 * The EntryType the control node sends for a prefix's best paths (§4): one next-hop per path (ECMP), the entry-level
 * attributes from the first (best) path. Local preference 0 is sent as 100 (what it ranks as); med follows the TF
 * derivation from local preference (§3.2: 100 → 200, 200 → 100, else 2^32−1−lp).
 */
export function unicastEntryForPaths(prefix: string, paths: readonly PushPath[], vrf: string): UnicastEntry {
  const v6 = prefix.includes(':');
  const best = paths[0];
  const localPreference = best === undefined || best.localPreference === 0 ? 100 : best.localPreference;
  const sequence = best?.sequence ?? 0;
  return {
    nlri: { af: v6 ? 2 : 1, safi: 1, address: prefix },
    nextHops: paths.map((path) => nextHopOfPath(path, vrf)),
    version: 1,
    virtualNetwork: best === undefined ? '' : pathVirtualNetwork(best, vrf),
    mobility: { seqno: sequence, sticky: false },
    sequenceNumber: sequence,
    securityGroups: best === undefined ? [] : [...best.securityGroups],
    communityTags: [],
    localPreference,
    med: localPreference === 100 ? 200 : localPreference === 200 ? 100 : 0xffffffff - localPreference,
    loadBalance: DEFAULT_LOAD_BALANCE,
    subProtocol: 'interface',
  };
}

function nextHopOfPath(path: PushPath, vrf: string): UnicastNextHop {
  return {
    af: ipVersion(path.nextHop) === 6 ? 2 : 1,
    address: path.nextHop,
    mac: '',
    label: path.label,
    vni: 0,
    encapsulations: wireEncapsulations(path.encapsulations),
    virtualNetwork: pathVirtualNetwork(path, vrf),
    tags: path.tags === undefined ? [] : [...path.tags],
    localSequenceNumber: 0,
  };
}

function pathVirtualNetwork(path: PushPath, vrf: string): string {
  return path.virtualNetwork ?? virtualNetworkOfVrf(path.originVrf ?? vrf);
}

/**
 * The control plane's route updates for one VRF as TF route messages (§4), split by family (a prefix with ':' is
 * inet6), items in messages of ≤32 and retracts (updates without paths) in messages of ≤256, never mixed; item and
 * retract ids are the prefixes as given. When a prefix appears more than once, its last update wins. Per family the
 * retracts come before the items.
 */
export function encodeRouteUpdates(agent: string, vrf: string, updates: Iterable<PushUpdate>): string[] {
  const latest = new Map<string, PushUpdate>();
  for (const update of updates) latest.set(update.prefix, update);
  const retracts: Record<'inet' | 'inet6', string[]> = { inet: [], inet6: [] };
  const items: Record<'inet' | 'inet6', PushItem[]> = { inet: [], inet6: [] };
  for (const update of latest.values()) {
    const family = update.prefix.includes(':') ? 'inet6' : 'inet';
    if (update.paths.length === 0) retracts[family].push(update.prefix);
    else items[family].push({ id: update.prefix, route: { family, entry: unicastEntryForPaths(update.prefix, update.paths, vrf) } });
  }
  const messages: string[] = [];
  for (const family of ['inet', 'inet6'] as const) {
    messages.push(...encodeRouteRetracts(agent, family, vrf, retracts[family]));
    messages.push(...encodeRouteItems(agent, family, vrf, items[family]));
  }
  return messages;
}

// Decoding what the control node sends (for the agent side: simulators, tests).

/** A control node route message: items or retracts of one VRF and family. */
export interface RouteUpdateMessage extends StanzaAddress {
  kind: 'route-update';
  node: string;
  family: RouteFamily;
  vrf: string;
  items: PushItem[];
  /** When there is any, a TF agent processes only these (§4). */
  retracts: string[];
  rejected: ItemRejection[];
}

export interface EndOfRibMessage extends StanzaAddress {
  kind: 'end-of-rib';
}

/** Decodes `<message><event><items …>`: the end-of-RIB marker or a route message. */
export function decodeEventMessage(address: StanzaAddress, items: XmlElement): RouteUpdateMessage | EndOfRibMessage {
  const node = items.attributes['node'];
  if (node === undefined) throw new XmppCodecError('event/items@node: missing', 'event/items@node');
  if (node === END_OF_RIB_NODE) return { kind: 'end-of-rib', ...address };
  const { family, rest: vrf } = splitFamilyNode(node, 'event/items@node');
  if (vrf === '') throw new XmppCodecError(`event/items@node: ${JSON.stringify(node)} names no routing instance`, 'event/items@node');
  const message: RouteUpdateMessage = { kind: 'route-update', ...address, node, family, vrf, items: [], retracts: [], rejected: [] };
  items.children.forEach((child, index) => {
    if (child.name === 'retract') {
      const id = child.attributes['id'];
      if (id === undefined) message.rejected.push({ index, field: 'retract@id', reason: 'retract@id: missing' });
      else message.retracts.push(id);
    } else if (child.name === 'item') {
      try {
        message.items.push({ id: child.attributes['id'] ?? '', route: decodeItemEntry(child, { family, vrf, purpose: 'push' }) });
      } catch (error) {
        if (!(error instanceof XmppError)) throw error;
        message.rejected.push({ index, field: error instanceof XmppCodecError ? (error.field ?? 'item') : 'item', reason: error.message });
      }
    }
  });
  return message;
}
