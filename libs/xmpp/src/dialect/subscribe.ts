import { XmppCodecError } from '../errors.js';
import { childElement, findDescendant, type XmlElement } from '../xml/xml-element.js';
import { escapeAttribute } from '../xml/xml-writer.js';
import { GLOBAL_SYSTEM_CONFIG } from './constants.js';
import { parseBoolean, parseInteger } from './fields.js';
import { AGENT_PUBSUB_CLOSE, agentPubsubOpen, CONTROL_BGP_PEER, CONTROL_CONFIG, type StanzaAddress } from './stanza-envelope.js';

/** §2 routing-instance subscribe / unsubscribe. */
export interface VrfSubscription extends StanzaAddress {
  kind: 'vrf-subscribe' | 'vrf-unsubscribe';
  vrf: string;
  /** The agent's VRF index (the RD's assigned number); undefined when the agent sent none (TF: −1). */
  instanceId: number | undefined;
  /** `<no-ribout>true</no-ribout>`: the agent only publishes. */
  noRibOut: boolean;
}

/** §6 what a config subscribe names. */
export type ConfigSubject = { type: 'virtual-router'; fqName: string } | { type: 'virtual-machine'; uuid: string };

/** §6 config-channel subscribe / unsubscribe. */
export interface ConfigSubscription extends StanzaAddress {
  kind: 'config-subscribe' | 'config-unsubscribe';
  node: string;
  subject: ConfigSubject;
}

/**
 * Decodes a routing-instance subscribe/unsubscribe. `<options>` is found anywhere below `<pubsub>`: the real agent
 * nests it in `<subscribe>`, TF's test mock puts it beside (§2).
 */
export function decodeVrfSubscription(address: StanzaAddress, pubsub: XmlElement, action: XmlElement): VrfSubscription {
  const vrf = action.attributes['node'] ?? '';
  if (vrf === '') throw new XmppCodecError(`${action.name}@node: missing (the routing instance)`, `${action.name}@node`);
  const options = findDescendant(pubsub, 'options');
  let instanceId: number | undefined;
  let noRibOut = false;
  if (options !== undefined) {
    const instance = childElement(options, 'instance-id');
    if (instance !== undefined && instance.text.trim() !== '') instanceId = parseInteger(instance.text.trim(), 'options/instance-id', 0, 0x7fffffff);
    const noRibOutElement = childElement(options, 'no-ribout');
    if (noRibOutElement !== undefined) noRibOut = parseBoolean(noRibOutElement.text.trim(), 'options/no-ribout');
  }
  return { kind: action.name === 'subscribe' ? 'vrf-subscribe' : 'vrf-unsubscribe', ...address, vrf, instanceId, noRibOut };
}

/** Decodes a config subscribe: the node starts with `virtual-router:` or `virtual-machine:` (§6 ReceiveUpdate). */
export function decodeConfigSubscription(address: StanzaAddress, action: XmlElement): ConfigSubscription {
  const node = action.attributes['node'] ?? '';
  const field = `${action.name}@node`;
  let subject: ConfigSubject;
  if (node.startsWith('virtual-router:') && node.length > 'virtual-router:'.length) {
    subject = { type: 'virtual-router', fqName: node.slice('virtual-router:'.length) };
  } else if (node.startsWith('virtual-machine:') && node.length > 'virtual-machine:'.length) {
    subject = { type: 'virtual-machine', uuid: node.slice('virtual-machine:'.length) };
  } else {
    throw new XmppCodecError(`${field}: ${JSON.stringify(node)} names neither virtual-router:<fq_name> nor virtual-machine:<uuid>`, field);
  }
  return { kind: action.name === 'subscribe' ? 'config-subscribe' : 'config-unsubscribe', ...address, node, subject };
}

export interface VrfSubscribeInput {
  from: string;
  vrf: string;
  /** Left out when undefined (the agent then cannot publish into the VRF, §2). */
  instanceId?: number;
  noRibOut?: boolean;
  id?: string;
}

/** §2 subscribe, as the real agent writes it (`<options>` nested in `<subscribe>`). */
export function encodeVrfSubscribe(input: VrfSubscribeInput): string {
  return encodeVrfSubscription('subscribe', input);
}

/** §2 unsubscribe: the same stanza with `<unsubscribe>`; the agent still adds its instance-id. */
export function encodeVrfUnsubscribe(input: VrfSubscribeInput): string {
  return encodeVrfSubscription('unsubscribe', input);
}

function encodeVrfSubscription(action: 'subscribe' | 'unsubscribe', input: VrfSubscribeInput): string {
  const parts = [agentPubsubOpen(input.from, CONTROL_BGP_PEER, input.id ?? `${action}${input.instanceId ?? 0}`), '<', action, ' node="', escapeAttribute(input.vrf), '">'];
  if (input.instanceId !== undefined || input.noRibOut) {
    parts.push('\n<options>');
    if (input.instanceId !== undefined) parts.push('\n<instance-id>', String(input.instanceId), '</instance-id>');
    if (input.noRibOut) parts.push('\n<no-ribout>true</no-ribout>');
    parts.push('\n</options>');
  }
  parts.push('\n</', action, '>', AGENT_PUBSUB_CLOSE);
  return parts.join('');
}

/** The config node an agent subscribes to: `virtual-router:default-global-system-config:<agent>` (§6, §10.7). */
export function virtualRouterNode(agentName: string): string {
  return `virtual-router:${GLOBAL_SYSTEM_CONFIG}:${agentName}`;
}

export function configSubjectNode(subject: ConfigSubject): string {
  return subject.type === 'virtual-router' ? `virtual-router:${subject.fqName}` : `virtual-machine:${subject.uuid}`;
}

/** §6 config subscribe (no id, self-closing `<subscribe … />`). */
export function encodeConfigSubscribe(from: string, subject: ConfigSubject): string {
  return `${agentPubsubOpen(from, CONTROL_CONFIG, '')}<subscribe node="${escapeAttribute(configSubjectNode(subject))}" />${AGENT_PUBSUB_CLOSE}`;
}

/** §6 config unsubscribe (VM ports leaving the compute). */
export function encodeConfigUnsubscribe(from: string, subject: ConfigSubject): string {
  return `${agentPubsubOpen(from, CONTROL_CONFIG, '')}<unsubscribe node="${escapeAttribute(configSubjectNode(subject))}" />${AGENT_PUBSUB_CLOSE}`;
}
