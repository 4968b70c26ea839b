import { escapeAttribute } from '../xml/xml-writer.js';
import { BGP_PEER_RESOURCE, CONFIG_RESOURCE, CONTROL_NODE_JID, PUBSUB_NAMESPACE } from './constants.js';

/** The addressing every stanza carries. */
export interface StanzaAddress {
  from: string;
  to: string;
  /** '' when the stanza has none (ids are never checked, §1.3). */
  id: string;
}

/** Which channel a stanza is for, by substring of `to` as TF's XmppChannelMux does (§0). */
export type Channel = 'bgp-peer' | 'config' | 'unknown';

export function channelOf(to: string): Channel {
  if (to.includes(BGP_PEER_RESOURCE)) return 'bgp-peer';
  if (to.includes(CONFIG_RESOURCE)) return 'config';
  return 'unknown';
}

export const CONTROL_BGP_PEER = `${CONTROL_NODE_JID}/${BGP_PEER_RESOURCE}`;
export const CONTROL_CONFIG = `${CONTROL_NODE_JID}/${CONFIG_RESOURCE}`;

/**
 * `<iq type="set" from=… to=… id=…>` + `<pubsub …>` lines of an agent iq (§2, §3.1: one element per line, no
 * indentation); the id is left out when empty, as in the config subscribe (§6).
 */
export function agentPubsubOpen(from: string, to: string, id: string): string {
  const idAttribute = id === '' ? '' : ` id="${escapeAttribute(id)}"`;
  return `<iq type="set" from="${escapeAttribute(from)}" to="${escapeAttribute(to)}"${idAttribute}>\n<pubsub xmlns="${PUBSUB_NAMESPACE}">\n`;
}

export const AGENT_PUBSUB_CLOSE = '\n</pubsub>\n</iq>';
