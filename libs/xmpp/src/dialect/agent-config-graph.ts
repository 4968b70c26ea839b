import type { AgentConfig, InterfaceConfig, SecurityGroupConfig, VrfConfig } from '#libs/routing';
import { xmlElement, type XmlElement } from '../xml/xml-element.js';
import { serializeElement } from '../xml/xml-writer.js';
import { ipVersion } from './addresses.js';
import { GLOBAL_SYSTEM_CONFIG } from './constants.js';
import { ifmapObjectKey, type IfmapIdentity, type IfmapLink, type IfmapNode, type IfmapObject, type IfmapOperation } from './ifmap.js';

// What a TF agent is told over the config channel, built from the control plane's AgentConfig (routing-semantics §4):
// its virtual-router, its interfaces (VMIs with MAC, instance-ips, VN, VRF, security groups), their VNs and routing
// instances, and those security groups. Property and link names are vnc_cfg.xsd's. Choices where our model has no
// TF counterpart are noted at each builder.

/** The IF-MAP graph for one agent: nodes sorted by (type, name), then links sorted by key. */
export function agentConfigGraph(config: AgentConfig): IfmapObject[] {
  const nodes: IfmapNode[] = [];
  const links: IfmapLink[] = [];
  const router: IfmapIdentity = { type: 'virtual-router', name: `${GLOBAL_SYSTEM_CONFIG}:${config.virtualRouter.name}` };
  nodes.push(node(router, [...idPerms(config.virtualRouter.uuid), text('virtual-router-ip-address', config.virtualRouter.address)]));
  for (const vrf of config.vrfs) addVrf(vrf, nodes, links);
  const groups = new Map<number, SecurityGroupConfig>(config.securityGroups.map((group) => [group.id, group]));
  for (const group of config.securityGroups) {
    nodes.push(node({ type: 'security-group', name: group.name }, [...idPerms(group.uuid), text('security-group-id', String(group.id))]));
  }
  for (const iface of config.interfaces) addInterface(iface, router, groups, nodes, links);
  nodes.sort((a, b) => compare(a.type, b.type) || compare(a.name, b.name));
  const keyed = links.map((link) => [ifmapObjectKey(link), link] as const).sort((a, b) => compare(a[0], b[0]));
  return [...nodes, ...keyed.map(([, link]) => link)];
}

function addVrf(vrf: VrfConfig, nodes: IfmapNode[], links: IfmapLink[]): void {
  const network: IfmapIdentity = { type: 'virtual-network', name: vrf.virtualNetwork };
  const instance: IfmapIdentity = { type: 'routing-instance', name: vrf.name };
  nodes.push(
    node(network, [
      ...idPerms(vrf.virtualNetworkUuid),
      xmlElement('virtual-network-properties', {}, [text('vxlan-network-identifier', String(vrf.vxlanId))]),
      text('virtual-network-network-id', String(vrf.networkId)),
    ]),
  );
  // The VN's default instance; route targets stay with the control plane (agents do not import/export).
  nodes.push(node(instance, [text('routing-instance-is-default', 'true')]));
  links.push(link(network, instance, 'virtual-network-routing-instance'));
}

function addInterface(iface: InterfaceConfig, router: IfmapIdentity, groups: ReadonlyMap<number, SecurityGroupConfig>, nodes: IfmapNode[], links: IfmapLink[]): void {
  const vmi: IfmapIdentity = { type: 'virtual-machine-interface', name: iface.name };
  const properties = [...idPerms(iface.uuid)];
  if (iface.macAddress !== '') properties.push(xmlElement('virtual-machine-interface-mac-addresses', {}, [text('mac-address', iface.macAddress)]));
  properties.push(text('virtual-machine-interface-disable-policy', String(iface.policyDisabled)), text('port-security-enabled', String(iface.portSecurity)));
  nodes.push(node(vmi, properties));
  // Our model has no virtual-machine between router and interface: the VMI hangs off the router directly
  // (vnc_cfg's virtual-router-virtual-machine-interface link).
  links.push(link(router, vmi, 'virtual-router-virtual-machine-interface'));
  const network: IfmapIdentity = { type: 'virtual-network', name: iface.virtualNetwork };
  if (iface.virtualNetwork !== '') links.push(link(vmi, network, 'virtual-machine-interface-virtual-network'));
  if (iface.vrf !== '') {
    // A link with attributes travels as a node named attr(<left>,<right>) between its two ends (§6).
    const attribute: IfmapIdentity = { type: 'virtual-machine-interface-routing-instance', name: `attr(${iface.name},${iface.vrf})` };
    nodes.push(node(attribute, [xmlElement('value', {}, [text('direction', 'both')])]));
    links.push(link(vmi, attribute, 'virtual-machine-interface-routing-instance'));
    links.push(link(attribute, { type: 'routing-instance', name: iface.vrf }, 'virtual-machine-interface-routing-instance'));
  }
  for (const address of iface.ipAddresses) {
    // Instance-ips are named after the interface and the address (our model does not keep their own names).
    const instanceIp: IfmapIdentity = { type: 'instance-ip', name: `${iface.uuid}-${address}` };
    nodes.push(node(instanceIp, [text('instance-ip-address', address), text('instance-ip-family', ipVersion(address) === 6 ? 'v6' : 'v4')]));
    links.push(link(instanceIp, vmi, 'instance-ip-virtual-machine-interface'));
    if (iface.virtualNetwork !== '') links.push(link(instanceIp, network, 'instance-ip-virtual-network'));
  }
  for (const id of iface.securityGroups) {
    const group = groups.get(id);
    if (group !== undefined) links.push(link(vmi, { type: 'security-group', name: group.name }, 'virtual-machine-interface-security-group'));
  }
}

/**
 * The operations that take an agent from the graph it was sent (`before`; undefined = nothing) to `after`: deleted
 * links, then new or changed nodes, then new links, then deleted nodes — so no link ever names a node the agent
 * does not have.
 */
export function diffIfmapGraphs(before: readonly IfmapObject[] | undefined, after: readonly IfmapObject[]): IfmapOperation[] {
  const old = new Map<string, IfmapObject>();
  for (const object of before ?? []) old.set(ifmapObjectKey(object), object);
  const kept = new Set<string>();
  const nodeUpdates: IfmapOperation[] = [];
  const linkUpdates: IfmapOperation[] = [];
  for (const object of after) {
    const key = ifmapObjectKey(object);
    kept.add(key);
    const previous = old.get(key);
    if (object.kind === 'link') {
      if (previous === undefined) linkUpdates.push({ op: 'update', object });
    } else if (previous === undefined || !sameProperties(previous as IfmapNode, object)) {
      nodeUpdates.push({ op: 'update', object });
    }
  }
  const linkDeletes: IfmapOperation[] = [];
  const nodeDeletes: IfmapOperation[] = [];
  for (const [key, object] of old) {
    if (kept.has(key)) continue;
    (object.kind === 'link' ? linkDeletes : nodeDeletes).push({ op: 'delete', object });
  }
  return [...linkDeletes, ...nodeUpdates, ...linkUpdates, ...nodeDeletes];
}

function sameProperties(a: IfmapNode, b: IfmapNode): boolean {
  if (a.properties.length !== b.properties.length) return false;
  return a.properties.every((property, i) => serializeElement(property) === serializeElement(b.properties[i]!));
}

function node(identity: IfmapIdentity, properties: XmlElement[]): IfmapNode {
  return { kind: 'node', type: identity.type, name: identity.name, properties };
}

function link(left: IfmapIdentity, right: IfmapIdentity, metadata: string): IfmapLink {
  return { kind: 'link', left: { type: left.type, name: left.name }, right: { type: right.type, name: right.name }, metadata };
}

function text(name: string, value: string): XmlElement {
  return xmlElement(name, {}, [], value);
}

/** id-perms with the object's uuid split into two unsigned 64-bit halves (UuidType); none for a non-uuid. */
function idPerms(uuid: string): XmlElement[] {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return [];
  const permissions = xmlElement('permissions', {}, [
    text('owner', 'cloud-admin'),
    text('owner-access', '7'),
    text('group', 'cloud-admin-group'),
    text('group-access', '7'),
    text('other-access', '7'),
  ]);
  const halves = xmlElement('uuid', {}, [text('uuid-mslong', BigInt(`0x${hex.slice(0, 16)}`).toString()), text('uuid-lslong', BigInt(`0x${hex.slice(16)}`).toString())]);
  return [xmlElement('id-perms', {}, [permissions, halves, text('enable', 'true')])];
}

/** The uuid an id-perms property carries (the inverse of the split above), or undefined. */
export function uuidOfIdPerms(idPermsElement: XmlElement): string | undefined {
  const halves = idPermsElement.children.find((child) => child.name === 'uuid');
  const ms = halves?.children.find((child) => child.name === 'uuid-mslong')?.text.trim();
  const ls = halves?.children.find((child) => child.name === 'uuid-lslong')?.text.trim();
  if (ms === undefined || ls === undefined || !/^\d+$/.test(ms) || !/^\d+$/.test(ls)) return undefined;
  const hex = BigInt(ms).toString(16).padStart(16, '0') + BigInt(ls).toString(16).padStart(16, '0');
  if (hex.length !== 32) return undefined;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
