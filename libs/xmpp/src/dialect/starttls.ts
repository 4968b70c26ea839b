// §1.5 TLS (only with xmpp_auth_enable): the stream features, the agent's <starttls/>, the control node's
// <proceed/>, and what ends a negotiation that fails. Tungsten Fabric serializes the first three with pugixml and an
// XML declaration (`xmpp_proto.cc`; strings in `xmpp_str.h`); the refusals are RFC 6120's (§5.4.2.2 <failure/>,
// §4.9 stream errors), which the dialect does not define: a TF agent only sees the stream end.
import { XmlSyntaxError, XmppCodecError, XmppError } from '../errors.js';
import { childElement, type XmlElement } from '../xml/xml-element.js';
import { parseXml } from '../xml/xml-parser.js';
import { escapeText } from '../xml/xml-writer.js';

/** §1.5 the namespace of starttls, required, proceed and failure. */
export const TLS_NAMESPACE = 'urn:ietf:params:xml:ns:xmpp-tls';
/** RFC 6120 §4.9.1: the namespace of a stream error's condition and text. */
export const STREAM_ERROR_NAMESPACE = 'urn:ietf:params:xml:ns:xmpp-streams';

const XML_DECLARATION = '<?xml version="1.0"?>\n';

/**
 * §1.5 step 2, after the control node's header: the features offering STARTTLS. Tungsten Fabric always marks it
 * `<required/>` (its TLS is all or nothing); `required: false` offers it to agents that may also stay plain.
 */
export function encodeStreamFeatures(options: { required: boolean }): string {
  const starttls = options.required ? `<starttls xmlns="${TLS_NAMESPACE}"><required/></starttls>` : `<starttls xmlns="${TLS_NAMESPACE}"/>`;
  return `${XML_DECLARATION}<stream:features>${starttls}</stream:features>`;
}

/**
 * §1.5 step 3, the agent: self-closing, as TF's framing regex needs (`<starttls` … `/>`). Nothing may follow it
 * before the control node's answer: the next bytes on the socket are the TLS handshake.
 */
export function encodeStartTls(): string {
  return `${XML_DECLARATION}<starttls xmlns="${TLS_NAMESPACE}"/>`;
}

/** §1.5 step 4, the control node; the TLS handshake follows at once, so no byte may follow it either. */
export function encodeProceed(): string {
  return `${XML_DECLARATION}<proceed xmlns="${TLS_NAMESPACE}"/>`;
}

/** RFC 6120 §5.4.2.2: the server cannot go on with TLS (its stream then ends). */
export function encodeTlsFailure(): string {
  return `<failure xmlns="${TLS_NAMESPACE}"/>`;
}

/** RFC 6120 §4.9 conditions the bridge sends. */
export type StreamErrorCondition = 'policy-violation' | 'not-authorized' | 'invalid-namespace';

/** RFC 6120 §4.9: `<stream:error>` with a condition and a text saying why; `</stream:stream>` follows it. */
export function encodeStreamError(condition: StreamErrorCondition, text: string): string {
  return (
    `<stream:error><${condition} xmlns="${STREAM_ERROR_NAMESPACE}"/>` +
    `<text xmlns="${STREAM_ERROR_NAMESPACE}" xml:lang="en">${escapeText(text)}</text></stream:error>`
  );
}

/** What the control node's `<stream:features>` offers (§1.5 step 2). */
export interface StreamFeatures {
  starttls: boolean;
  /** `<starttls><required/></starttls>`: the control node serves no plain session. */
  required: boolean;
}

/** The agent reads the control node's features. */
export function decodeStreamFeatures(xml: string): StreamFeatures {
  const element = parse(xml, 'stream:features');
  const starttls = childElement(element, 'starttls');
  if (starttls === undefined) return { starttls: false, required: false };
  checkTlsNamespace(starttls, 'stream:features/starttls');
  return { starttls: true, required: childElement(starttls, 'required') !== undefined };
}

/** The control node reads the agent's `<starttls/>` (§1.5 step 3): the element, in the TLS namespace. */
export function decodeStartTls(xml: string): void {
  checkTlsNamespace(parse(xml, 'starttls'), 'starttls');
}

/** The agent reads the control node's answer to its `<starttls/>`: go on with the handshake, or not. */
export function decodeStartTlsAnswer(xml: string): 'proceed' | 'failure' {
  const element = parse(xml, undefined);
  if (element.name !== 'proceed' && element.name !== 'failure') {
    throw new XmppCodecError(`expected <proceed/> or <failure/> after <starttls/>, got <${element.name}>`, element.name);
  }
  checkTlsNamespace(element, element.name);
  return element.name;
}

/** A `<stream:error>` read back: its condition and text. */
export function decodeStreamError(xml: string): { condition: string; text: string } {
  const element = parse(xml, 'stream:error');
  const condition = element.children.find((child) => child.name !== 'text');
  return { condition: condition?.name ?? 'undefined-condition', text: childElement(element, 'text')?.text.trim() ?? '' };
}

function parse(xml: string, expected: string | undefined): XmlElement {
  let element: XmlElement;
  try {
    element = parseXml(xml);
  } catch (error) {
    if (error instanceof XmlSyntaxError) throw error;
    if (error instanceof XmppError) throw new XmppCodecError(error.message, expected);
    throw error;
  }
  if (expected !== undefined && element.name !== expected) throw new XmppCodecError(`expected <${expected}>, got <${element.name}>`, expected);
  return element;
}

function checkTlsNamespace(element: XmlElement, field: string): void {
  const namespace = element.attributes['xmlns'];
  if (namespace !== TLS_NAMESPACE) {
    throw new XmppCodecError(`<${element.name}> must be in ${TLS_NAMESPACE}, got ${JSON.stringify(namespace ?? null)}`, `${field}@xmlns`);
  }
}
