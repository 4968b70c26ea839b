import { XmppCodecError } from '../errors.js';
import { childElement, type XmlElement } from '../xml/xml-element.js';
import { parseXml } from '../xml/xml-parser.js';
import { decodeConfig, type ConfigMessage } from './ifmap.js';
import { decodeCollection, decodePublish, type CollectionStanza, type PublishStanza } from './publish.js';
import { decodeEventMessage, type EndOfRibMessage, type RouteUpdateMessage } from './route-push.js';
import { channelOf, type StanzaAddress } from './stanza-envelope.js';
import { decodeConfigSubscription, decodeVrfSubscription, type ConfigSubscription, type VrfSubscription } from './subscribe.js';

/** Every stanza of the dialect, both directions (agent → control: the first four; control → agent: the rest). */
export type Stanza = VrfSubscription | ConfigSubscription | PublishStanza | CollectionStanza | EndOfRibMessage | RouteUpdateMessage | ConfigMessage;

/** Kinds an agent sends (a control node accepts these). */
export const AGENT_STANZA_KINDS: ReadonlySet<Stanza['kind']> = new Set([
  'vrf-subscribe',
  'vrf-unsubscribe',
  'config-subscribe',
  'config-unsubscribe',
  'publish',
  'collection',
  'end-of-rib',
]);

/** Parses and decodes a stanza as the framer cut it. Throws XmlSyntaxError or XmppCodecError. */
export function decodeStanzaText(xml: string): Stanza {
  return decodeStanza(parseXml(xml));
}

/**
 * Classifies and decodes one stanza (§1.3): an `iq type="set"` whose `<pubsub>` first child is the action
 * (subscribe, unsubscribe, publish, collection; the channel by substring of `to`) or which holds `<config>`; a
 * `<message>` whose `<event><items node>` is the end-of-RIB marker or a route message. Anything else is an
 * XmppCodecError naming what was not understood.
 */
export function decodeStanza(element: XmlElement): Stanza {
  const address: StanzaAddress = {
    from: element.attributes['from'] ?? '',
    to: element.attributes['to'] ?? '',
    id: element.attributes['id'] ?? '',
  };
  if (element.name === 'iq') return decodeIq(element, address);
  if (element.name === 'message') {
    const event = childElement(element, 'event');
    const items = event === undefined ? undefined : childElement(event, 'items');
    if (items === undefined) throw new XmppCodecError('unknown message: no <event><items>', 'message/event/items');
    return decodeEventMessage(address, items);
  }
  throw new XmppCodecError(`unknown stanza <${element.name}> (the dialect has only iq and message)`, element.name);
}

function decodeIq(iq: XmlElement, address: StanzaAddress): Stanza {
  const type = iq.attributes['type'];
  if (type !== 'set') throw new XmppCodecError(`iq@type: ${JSON.stringify(type ?? null)} is not part of the dialect (only "set"; iqs are fire-and-forget)`, 'iq@type');
  const config = childElement(iq, 'config');
  if (config !== undefined) return decodeConfig(address, config);
  const pubsub = childElement(iq, 'pubsub');
  if (pubsub === undefined) throw new XmppCodecError('unknown iq: neither <pubsub> nor <config>', 'iq');
  const action = pubsub.children[0];
  if (action === undefined) throw new XmppCodecError('iq/pubsub: empty (no action)', 'iq/pubsub');
  switch (action.name) {
    case 'subscribe':
    case 'unsubscribe': {
      const channel = channelOf(address.to);
      if (channel === 'config') return decodeConfigSubscription(address, action);
      if (channel === 'bgp-peer') return decodeVrfSubscription(address, pubsub, action);
      throw new XmppCodecError(`iq@to: ${JSON.stringify(address.to)} names neither the bgp-peer nor the config channel`, 'iq@to');
    }
    case 'publish':
      return decodePublish(address, action);
    case 'collection':
      return decodeCollection(address, action);
    default:
      throw new XmppCodecError(`unknown pubsub action <${action.name}>`, `iq/pubsub/${action.name}`);
  }
}
