import { XmppCodecError, XmppError } from '../errors.js';
import { parseXml } from '../xml/xml-parser.js';
import { escapeAttribute } from '../xml/xml-writer.js';
import { CONTROL_NODE_JID, CONTROL_STREAM_ID, STREAM_NAMESPACE } from './constants.js';

/** A `<stream:stream …>` header (§1.2). */
export interface StreamHeader {
  from: string;
  to: string;
  /** '' when absent (the agent sends none; the control node sends `++123`). */
  id: string;
  version: string;
  lang: string;
  /** The default namespace: the agent's subcluster name ('' by default), `jabber:client` from the control node. */
  xmlns: string;
}

/**
 * Decodes the header start tag as the framer cut it. Stricter than needed on content (xmlns:stream must be the
 * streams namespace), more lenient than TF on form: any attribute order and quoting is accepted (TF needs
 * xmlns:stream last; §10.1 says to accept both `…streams"  >` and `…streams'>`).
 */
export function decodeStreamHeader(xml: string): StreamHeader {
  let element;
  try {
    element = parseXml(`${xml}</stream:stream>`);
  } catch (error) {
    if (error instanceof XmppError) throw new XmppCodecError(`malformed stream header: ${error.message}`, 'stream:stream');
    throw error;
  }
  if (element.name !== 'stream:stream') throw new XmppCodecError(`expected <stream:stream>, got <${element.name}>`, 'stream:stream');
  const attributes = element.attributes;
  if (attributes['xmlns:stream'] !== STREAM_NAMESPACE) {
    throw new XmppCodecError(`stream:stream@xmlns:stream: expected ${STREAM_NAMESPACE}, got ${JSON.stringify(attributes['xmlns:stream'] ?? null)}`, 'stream:stream@xmlns:stream');
  }
  return {
    from: attributes['from'] ?? '',
    to: attributes['to'] ?? '',
    id: attributes['id'] ?? '',
    version: attributes['version'] ?? '',
    lang: attributes['xml:lang'] ?? '',
    xmlns: attributes['xmlns'] ?? '',
  };
}

/**
 * The agent's header, byte for byte as TF's EncodeOpen writes it (§1.2): no XML declaration, `xmlns` (the
 * subcluster) last but one, `xmlns:stream` last, then two spaces and `>`.
 */
export function encodeAgentStreamHeader(agentName: string, options: { to?: string; subcluster?: string } = {}): string {
  return (
    `<stream:stream from="${escapeAttribute(agentName)}" to="${escapeAttribute(options.to ?? CONTROL_NODE_JID)}" version="1.0" xml:lang="en" ` +
    `xmlns="${escapeAttribute(options.subcluster ?? '')}" xmlns:stream="${STREAM_NAMESPACE}"  >`
  );
}

/** The control node's reply header (§1.2 EncodeOpenResp): `id="++123"`, `xmlns="jabber:client"`. */
export function encodeControlStreamHeader(agentName: string, from: string = CONTROL_NODE_JID): string {
  return (
    `<stream:stream from="${escapeAttribute(from)}" to="${escapeAttribute(agentName)}" id="${CONTROL_STREAM_ID}" version="1.0" xml:lang="en" ` +
    `xmlns="jabber:client" xmlns:stream="${STREAM_NAMESPACE}"  >`
  );
}
