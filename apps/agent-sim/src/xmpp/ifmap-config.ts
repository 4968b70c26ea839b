// The config an XMPP agent holds: the IF-MAP nodes and links control pushed (§6), and the same config read back as
// the gRPC agent's AgentConfig, so that followConfig, run-sim and tests treat both kinds of agent alike.
import type { agentProto } from '#libs/proto';
import { childElement, GLOBAL_SYSTEM_CONFIG, ifmapObjectKey, uuidOfIdPerms, type ConfigBlock, type IfmapIdentity, type IfmapLink, type IfmapNode, type XmlElement } from '#libs/xmpp';
import { emptyConfig, type AgentConfig } from '../agent-config.js';

const nodeKey = (identity: IfmapIdentity): string => `${identity.type}|${identity.name}`;

/** IF-MAP update/delete blocks applied in order: an update replaces a node (all its properties) or adds a link. */
export class IfmapGraph {
  readonly nodes = new Map<string, IfmapNode>();
  readonly links = new Map<string, IfmapLink>();
  /** Config iqs applied. */
  messages = 0;

  apply(blocks: readonly ConfigBlock[]): void {
    this.messages += 1;
    for (const block of blocks) {
      for (const object of block.objects) {
        if (object.kind === 'node') {
          if (block.op === 'update') this.nodes.set(nodeKey(object), object);
          else this.nodes.delete(nodeKey(object));
        } else if (block.op === 'update') {
          this.links.set(ifmapObjectKey(object), object);
        } else {
          this.links.delete(ifmapObjectKey(object));
        }
      }
    }
  }

  clear(): void {
    this.nodes.clear();
    this.links.clear();
    this.messages = 0;
  }

  node(type: string, name: string): IfmapNode | undefined {
    return this.nodes.get(`${type}|${name}`);
  }

  nodesOf(type: string): IfmapNode[] {
    return [...this.nodes.values()].filter((node) => node.type === type);
  }

  /** The nodes of `type` linked to `identity` (either end of the link). */
  linked(identity: IfmapIdentity, type: string, metadata?: string): IfmapIdentity[] {
    const out: IfmapIdentity[] = [];
    for (const link of this.links.values()) {
      if (metadata !== undefined && link.metadata !== metadata) continue;
      if (same(link.left, identity) && link.right.type === type) out.push(link.right);
      else if (same(link.right, identity) && link.left.type === type) out.push(link.left);
    }
    return out;
  }

  /**
   * The graph as the gRPC agent's AgentConfig (the inverse of libs/xmpp agentConfigGraph): the virtual-router
   * `default-global-system-config:<agent>`, its VRFs (routing instances with their VN's network and VXLAN ids),
   * interfaces (VMIs with MAC, instance-ip addresses, VN, VRF through the attribute node, security group ids) and
   * security groups. `complete` once the virtual-router has arrived (the dialect has no end-of-config marker);
   * `position` counts config iqs. ACLs and route targets are not sent to XMPP agents.
   */
  toAgentConfig(agentName: string): AgentConfig {
    const config = emptyConfig();
    config.position = this.messages;
    const router = this.node('virtual-router', `${GLOBAL_SYSTEM_CONFIG}:${agentName}`);
    if (router !== undefined) {
      config.complete = true;
      config.virtualRouter = { uuid: uuidOf(router) ?? '', name: agentName, address: property(router, 'virtual-router-ip-address'), cluster: '' };
    }
    for (const instance of this.nodesOf('routing-instance')) {
      const network = this.linked(instance, 'virtual-network', 'virtual-network-routing-instance')[0];
      const networkNode = network === undefined ? undefined : this.nodes.get(nodeKey(network));
      const properties = networkNode === undefined ? undefined : childOf(networkNode, 'virtual-network-properties');
      const vrf: agentProto.Vrf = {
        name: instance.name,
        virtualNetwork: network?.name ?? '',
        networkId: networkNode === undefined ? 0 : integer(property(networkNode, 'virtual-network-network-id')),
        vxlanId: properties === undefined ? 0 : integer(childElement(properties, 'vxlan-network-identifier')?.text ?? ''),
        importTargets: [],
        exportTargets: [],
        acl: '',
      };
      config.vrfs.set(vrf.name, vrf);
    }
    const groups = new Map<string, IfmapNode>();
    for (const group of this.nodesOf('security-group')) {
      groups.set(group.name, group);
      const uuid = uuidOf(group) ?? group.name;
      config.securityGroups.set(uuid, { uuid, name: group.name, id: integer(property(group, 'security-group-id')), rules: [] });
    }
    for (const vmi of this.nodesOf('virtual-machine-interface')) {
      const uuid = uuidOf(vmi) ?? vmi.name;
      const attribute = this.linked(vmi, 'virtual-machine-interface-routing-instance', 'virtual-machine-interface-routing-instance')[0];
      const vrf = attribute === undefined ? undefined : this.linked(attribute, 'routing-instance', 'virtual-machine-interface-routing-instance')[0];
      const macs = childOf(vmi, 'virtual-machine-interface-mac-addresses');
      const ipAddresses = this.linked(vmi, 'instance-ip', 'instance-ip-virtual-machine-interface')
        .map((ip) => this.nodes.get(nodeKey(ip)))
        .flatMap((ip) => (ip === undefined ? [] : [property(ip, 'instance-ip-address')]))
        .filter((address) => address !== '')
        .sort();
      const securityGroups = this.linked(vmi, 'security-group', 'virtual-machine-interface-security-group')
        .map((group) => groups.get(group.name))
        .flatMap((group) => (group === undefined ? [] : [integer(property(group, 'security-group-id'))]));
      config.interfaces.set(uuid, {
        uuid,
        name: vmi.name,
        macAddress: macs === undefined ? '' : (childElement(macs, 'mac-address')?.text.trim() ?? ''),
        ipAddresses,
        virtualNetwork: this.linked(vmi, 'virtual-network', 'virtual-machine-interface-virtual-network')[0]?.name ?? '',
        vrf: vrf?.name ?? '',
        securityGroups,
        policyDisabled: property(vmi, 'virtual-machine-interface-disable-policy') === 'true',
        portSecurity: property(vmi, 'port-security-enabled') === 'true',
      });
    }
    return config;
  }
}

function same(a: IfmapIdentity, b: IfmapIdentity): boolean {
  return a.type === b.type && a.name === b.name;
}

function childOf(node: IfmapNode, name: string): XmlElement | undefined {
  return node.properties.find((p) => p.name === name);
}

function property(node: IfmapNode, name: string): string {
  return childOf(node, name)?.text.trim() ?? '';
}

function uuidOf(node: IfmapNode): string | undefined {
  const idPerms = childOf(node, 'id-perms');
  return idPerms === undefined ? undefined : uuidOfIdPerms(idPerms);
}

function integer(text: string): number {
  const value = Number(text.trim());
  return Number.isFinite(value) ? value : 0;
}
