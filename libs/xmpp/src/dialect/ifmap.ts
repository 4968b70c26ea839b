import { XmppCodecError } from '../errors.js';
import { childElement, type XmlElement } from '../xml/xml-element.js';
import { escapeAttribute, escapeText, serializeElement } from '../xml/xml-writer.js';
import { CONFIG_RESOURCE, CONTROL_NODE_JID, MAX_CONFIG_OBJECTS_PER_MESSAGE } from './constants.js';
import type { StanzaAddress } from './stanza-envelope.js';

// IF-MAP over XMPP (§6): `<iq type="set" to="<agent>/config"><config>` holding `<update>` and `<delete>` blocks of
// `<node>`s and `<link>`s, at most 16 objects per iq.

export interface IfmapIdentity {
  /** The vnc_cfg type: virtual-network, routing-instance … */
  type: string;
  /** The fq_name joined with ':' (`attr(<left>,<right>)` for a link-attribute node). */
  name: string;
}

/** A config object: its identity and its set properties, each an element named after the vnc_cfg property. */
export interface IfmapNode extends IfmapIdentity {
  kind: 'node';
  properties: XmlElement[];
}

/** A link between two nodes; `metadata` is the link's name (`virtual-network-routing-instance`). */
export interface IfmapLink {
  kind: 'link';
  left: IfmapIdentity;
  right: IfmapIdentity;
  metadata: string;
}

export type IfmapObject = IfmapNode | IfmapLink;

export interface IfmapOperation {
  op: 'update' | 'delete';
  object: IfmapObject;
}

/** A run of objects with the same operation. */
export interface ConfigBlock {
  op: 'update' | 'delete';
  objects: IfmapObject[];
}

export interface ConfigMessage extends StanzaAddress {
  kind: 'config';
  blocks: ConfigBlock[];
}

/**
 * The config iqs for `operations`, in order: at most `maxObjects` (16, kObjectsPerMessage) objects per iq, a new
 * `<update>`/`<delete>` block whenever the operation changes. Updates carry every property, deletes only type and
 * name (§6). Layout as §6: `<?xml version="1.0"?>` first, tab-indented, a property per line.
 */
export function encodeConfigMessages(agent: string, operations: readonly IfmapOperation[], maxObjects = MAX_CONFIG_OBJECTS_PER_MESSAGE): string[] {
  const messages: string[] = [];
  for (let i = 0; i < operations.length; i += maxObjects) messages.push(encodeConfigMessage(agent, operations.slice(i, i + maxObjects)));
  return messages;
}

/** One config iq holding all of `operations` (the caller keeps to the limit; encodeConfigMessages does). */
export function encodeConfigMessage(agent: string, operations: readonly IfmapOperation[]): string {
  const parts: string[] = [`<?xml version="1.0"?>\n<iq type="set" from="${CONTROL_NODE_JID}" to="${escapeAttribute(agent)}/${CONFIG_RESOURCE}">\n\t<config>`];
  let open: 'update' | 'delete' | undefined;
  for (const { op, object } of operations) {
    if (op !== open) {
      if (open !== undefined) parts.push('\n\t\t</', open, '>');
      parts.push('\n\t\t<', op, '>');
      open = op;
    }
    if (object.kind === 'link') writeLink(parts, object);
    else if (op === 'delete') parts.push('\n\t\t\t', identityLine(object));
    else writeNode(parts, object);
  }
  if (open !== undefined) parts.push('\n\t\t</', open, '>');
  parts.push('\n\t</config>\n</iq>');
  return parts.join('');
}

function identityLine(identity: IfmapIdentity): string {
  return `<node type="${escapeAttribute(identity.type)}"><name>${escapeText(identity.name)}</name></node>`;
}

function writeNode(parts: string[], node: IfmapNode): void {
  parts.push('\n\t\t\t<node type="', escapeAttribute(node.type), '">\n\t\t\t\t<name>', escapeText(node.name), '</name>');
  for (const property of node.properties) parts.push('\n\t\t\t\t', serializeElement(property));
  parts.push('\n\t\t\t</node>');
}

function writeLink(parts: string[], link: IfmapLink): void {
  parts.push('\n\t\t\t<link>\n\t\t\t\t', identityLine(link.left), '\n\t\t\t\t', identityLine(link.right));
  parts.push('\n\t\t\t\t<metadata type="', escapeAttribute(link.metadata), '" />\n\t\t\t</link>');
}

/** Decodes `<config>` of a config iq (the agent side of §6). */
export function decodeConfig(address: StanzaAddress, config: XmlElement): ConfigMessage {
  const blocks: ConfigBlock[] = [];
  for (const block of config.children) {
    if (block.name !== 'update' && block.name !== 'delete') throw new XmppCodecError(`config/${block.name}: expected update or delete`, `config/${block.name}`);
    const path = `config/${block.name}`;
    blocks.push({ op: block.name, objects: block.children.map((child) => decodeObject(child, path)) });
  }
  return { kind: 'config', ...address, blocks };
}

function decodeObject(element: XmlElement, path: string): IfmapObject {
  if (element.name === 'node') return { kind: 'node', ...decodeIdentity(element, `${path}/node`), properties: element.children.filter((child) => child.name !== 'name') };
  if (element.name === 'link') {
    const nodes = element.children.filter((child) => child.name === 'node');
    if (nodes.length !== 2) throw new XmppCodecError(`${path}/link: expected two nodes, got ${nodes.length}`, `${path}/link`);
    const metadata = childElement(element, 'metadata');
    return {
      kind: 'link',
      left: decodeIdentity(nodes[0]!, `${path}/link/node`),
      right: decodeIdentity(nodes[1]!, `${path}/link/node`),
      metadata: metadata?.attributes['type'] ?? '',
    };
  }
  throw new XmppCodecError(`${path}/${element.name}: expected node or link`, `${path}/${element.name}`);
}

function decodeIdentity(node: XmlElement, path: string): IfmapIdentity {
  const type = node.attributes['type'];
  if (type === undefined || type === '') throw new XmppCodecError(`${path}@type: missing`, `${path}@type`);
  const name = childElement(node, 'name');
  if (name === undefined || name.text.trim() === '') throw new XmppCodecError(`${path}/name: missing`, `${path}/name`);
  return { type, name: name.text.trim() };
}

/** Identity of an object for diffs: `node|type|name` or `link|metadata|left|right`. */
export function ifmapObjectKey(object: IfmapObject): string {
  if (object.kind === 'node') return `node|${object.type}|${object.name}`;
  return `link|${object.metadata}|${object.left.type}|${object.left.name}|${object.right.type}|${object.right.name}`;
}
