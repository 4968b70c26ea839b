import { XmppCodecError, XmppError } from '../errors.js';
import type { XmlElement } from '../xml/xml-element.js';
import { escapeAttribute } from '../xml/xml-writer.js';
import { makeIndent } from './entry-common.js';
import { familyNodePrefix, splitFamilyNode, type RouteFamily } from './families.js';
import { agentRouteOf, decodeItemEntry, routeKey, writeRouteEntry, type AgentRoute, type RouteEntry } from './route-entry.js';
import { AGENT_PUBSUB_CLOSE, agentPubsubOpen, CONTROL_BGP_PEER, type StanzaAddress } from './stanza-envelope.js';

/** `<publish node="…">` with its `<item>`s, kept undecoded until the collection iq says which VRF (§3.1). */
export interface PublishStanza extends StanzaAddress {
  kind: 'publish';
  /** '' for the empty publish of an end-of-RIB marker. */
  node: string;
  items: XmlElement[];
}

/** `<collection node="VRF"><associate|dissociate node="…"/></collection>`; operation undefined when empty (EoR). */
export interface CollectionStanza extends StanzaAddress {
  kind: 'collection';
  vrf: string;
  operation: { op: 'associate' | 'dissociate'; node: string } | undefined;
}

/** An item the codec refused: the rest of its publish is kept (granularity: one `<item>`, as TF's ProcessItem). */
export interface ItemRejection {
  /** Position of the item in its publish. */
  index: number;
  /** The field path (`entry/nlri/address`), or `node`/`item` for problems of the whole item. */
  field: string;
  reason: string;
}

/** What a publish + collection pair asks of the control plane. */
export type PublishOutcome =
  | { kind: 'publish'; vrf: string; family: RouteFamily; routes: AgentRoute[]; rejected: ItemRejection[] }
  | { kind: 'withdraw'; vrf: string; family: RouteFamily; prefixes: string[]; rejected: ItemRejection[] }
  | { kind: 'end-of-rib' }
  | { kind: 'dropped'; reason: string };

export function decodePublish(address: StanzaAddress, publish: XmlElement): PublishStanza {
  return { kind: 'publish', ...address, node: publish.attributes['node'] ?? '', items: publish.children.filter((child) => child.name === 'item') };
}

export function decodeCollection(address: StanzaAddress, collection: XmlElement): CollectionStanza {
  const child = collection.children.find((element) => element.name === 'associate' || element.name === 'dissociate');
  let operation: CollectionStanza['operation'];
  if (child !== undefined) {
    const node = child.attributes['node'];
    if (node === undefined) throw new XmppCodecError(`collection/${child.name}@node: missing`, `collection/${child.name}@node`);
    operation = { op: child.name as 'associate' | 'dissociate', node };
  }
  return { kind: 'collection', ...address, vrf: collection.attributes['node'] ?? '', operation };
}

/**
 * Decodes the items of a publish for a VRF and family; bad items are rejected one by one with the field they fail on
 * (what TF does: ProcessItem logs and skips a bad item, the others of the iq go on).
 */
export function decodePublishItems(
  items: readonly XmlElement[],
  family: RouteFamily,
  vrf: string,
  op: 'associate' | 'dissociate',
): { routes: RouteEntry[]; rejected: ItemRejection[] } {
  const routes: RouteEntry[] = [];
  const rejected: ItemRejection[] = [];
  const context = { family, vrf, purpose: op === 'associate' ? ('publish' as const) : ('withdraw' as const) };
  items.forEach((item, index) => {
    try {
      routes.push(decodeItemEntry(item, context));
    } catch (error) {
      if (!(error instanceof XmppError)) throw error;
      rejected.push({ index, field: error instanceof XmppCodecError ? (error.field ?? 'item') : 'item', reason: error.message });
    }
  });
  return { routes, rejected };
}

/**
 * Pairs each publish with the collection iq that follows it (§3.1, TF's XmppConnection::XmppDecode): only the last
 * unpaired publish is kept; the publish node must equal the associate/dissociate node byte for byte; the family comes
 * from that node and the VRF from the collection's node. An empty publish (no item) is the agent's end-of-RIB.
 */
export class PublishPairer {
  private pending: PublishStanza | undefined;

  /** Buffers a publish; returns why an earlier publish was dropped, if one was still waiting for its collection. */
  publish(publish: PublishStanza): string | undefined {
    const dropped = this.pending;
    this.pending = publish;
    return dropped === undefined ? undefined : `publish ${JSON.stringify(dropped.node)} dropped: not followed by its collection iq`;
  }

  collection(collection: CollectionStanza): PublishOutcome {
    const publish = this.pending;
    this.pending = undefined;
    if (publish === undefined) return { kind: 'dropped', reason: `collection ${JSON.stringify(collection.vrf)} without a publish before it` };
    if (publish.items.length === 0) return { kind: 'end-of-rib' };
    const operation = collection.operation;
    if (operation === undefined) return { kind: 'dropped', reason: `collection ${JSON.stringify(collection.vrf)} has neither associate nor dissociate` };
    if (operation.node !== publish.node) {
      return { kind: 'dropped', reason: `publish node ${JSON.stringify(publish.node)} differs from ${operation.op} node ${JSON.stringify(operation.node)}` };
    }
    if (collection.vrf === '') return { kind: 'dropped', reason: 'collection without a node (the routing instance)' };
    let family: RouteFamily;
    try {
      family = splitFamilyNode(operation.node, `collection/${operation.op}@node`).family;
    } catch (error) {
      if (error instanceof XmppError) return { kind: 'dropped', reason: error.message };
      throw error;
    }
    if (family === 'mvpn') return { kind: 'dropped', reason: `family mvpn (${operation.node}) is not supported` };
    const { routes, rejected } = decodePublishItems(publish.items, family, collection.vrf, operation.op);
    if (operation.op === 'dissociate') return { kind: 'withdraw', vrf: collection.vrf, family, prefixes: routes.map(routeKey), rejected };
    return { kind: 'publish', vrf: collection.vrf, family, routes: routes.map(agentRouteOf), rejected };
  }
}

/**
 * The publish node of a route (§3.1, §3.3): `<afi>/<safi>/<vrf>/<prefix>` for inet, inet6 and labeled inet,
 * `1/241/<vrf>/<group>` for multicast, `25/242/<mac>,<ip>/<plen>` (no VRF) for EVPN.
 */
export function publishNode(route: RouteEntry, vrf: string): string {
  switch (route.family) {
    case 'evpn':
      return `${familyNodePrefix('evpn')}/${routeKey(route)}`;
    case 'ermvpn':
      return `${familyNodePrefix('ermvpn')}/${vrf}/${route.entry.nlri.group}`;
    default:
      return `${familyNodePrefix(route.family)}/${vrf}/${route.entry.nlri.address}`;
  }
}

const AGENT_INDENT = makeIndent(0, '');

export interface RoutePublishInput {
  /** The agent name. */
  from: string;
  vrf: string;
  route: RouteEntry;
  op: 'associate' | 'dissociate';
  /** Numbers the iq ids `pubsub<n>` / `collection<n>`. */
  sequence?: number;
}

/**
 * The agent's two iqs for one route (§3.1): the publish with its entry, then the collection that associates
 * (add/change) or dissociates (withdraw) it. Send them back to back.
 */
export function encodeRoutePublish(input: RoutePublishInput): [publish: string, collection: string] {
  const node = publishNode(input.route, input.vrf);
  const n = input.sequence ?? 0;
  const parts: string[] = [agentPubsubOpen(input.from, CONTROL_BGP_PEER, `pubsub${n}`), '<publish node="', escapeAttribute(node), '">\n<item>\n'];
  writeRouteEntry(parts, input.route, AGENT_INDENT, true);
  parts.push('\n</item>\n</publish>', AGENT_PUBSUB_CLOSE);
  const collection = [
    agentPubsubOpen(input.from, CONTROL_BGP_PEER, `collection${n}`),
    '<collection node="',
    escapeAttribute(input.vrf),
    '">\n<',
    input.op,
    ' node="',
    escapeAttribute(node),
    '" />\n</collection>',
    AGENT_PUBSUB_CLOSE,
  ].join('');
  return [parts.join(''), collection];
}

/** The agent's end-of-RIB as the control node recognises it (§3.1): an empty publish, then an empty collection. */
export function encodeAgentEndOfRibIqs(from: string, sequence = 0): [publish: string, collection: string] {
  return [
    `${agentPubsubOpen(from, CONTROL_BGP_PEER, `pubsub${sequence}`)}<publish />${AGENT_PUBSUB_CLOSE}`,
    `${agentPubsubOpen(from, CONTROL_BGP_PEER, `collection${sequence}`)}<collection />${AGENT_PUBSUB_CLOSE}`,
  ];
}
