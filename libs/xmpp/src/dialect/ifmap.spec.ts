import { describe, expect, it } from '@jest/globals';
import type { AgentConfig } from '#libs/routing';
import {
  agentConfigGraph,
  decodeStanzaText,
  diffIfmapGraphs,
  encodeConfigMessages,
  ifmapObjectKey,
  MAX_CONFIG_OBJECTS_PER_MESSAGE,
  serializeElement,
  uuidOfIdPerms,
  type ConfigMessage,
  type IfmapNode,
  type IfmapObject,
  type IfmapOperation,
} from '#libs/xmpp';

const VN = 'default-domain:admin:red';
const VRF = `${VN}:red`;

function config(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    virtualRouter: { uuid: '6ba7b810-9dad-11d1-80b4-00c04fd430c8', name: 'worker-3', address: '192.168.1.11', cluster: 'default' },
    interfaces: [
      {
        uuid: '0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01',
        name: 'default-domain:admin:port1',
        macAddress: '02:0b:7a:5b:7e:1f',
        ipAddresses: ['10.1.1.3', 'fd00::3'],
        virtualNetwork: VN,
        vrf: VRF,
        securityGroups: [8000002],
        policyDisabled: false,
        portSecurity: true,
      },
    ],
    vrfs: [
      {
        name: VRF,
        virtualNetwork: VN,
        virtualNetworkUuid: '5078d8bd-be2e-50ed-8908-8ae9076a4fbf',
        networkId: 5,
        vxlanId: 5,
        systemTarget: 'target:64512:8000005',
        importTargets: ['target:64512:8000005'],
        exportTargets: ['target:64512:8000005'],
        connections: [],
        acl: '',
        clusters: [],
      },
    ],
    acls: [],
    securityGroups: [{ uuid: '9f6b1c1e-0000-4000-8000-000000000002', name: 'default-domain:admin:default', id: 8000002, rules: [] }],
    ...overrides,
  };
}

function describeObject(object: IfmapObject): string {
  return object.kind === 'node' ? `${object.type} ${object.name}` : `${object.metadata}: ${object.left.name} -> ${object.right.name}`;
}

function decodeAll(messages: readonly string[]): IfmapOperation[] {
  return messages.flatMap((text) => (decodeStanzaText(text) as ConfigMessage).blocks.flatMap((block) => block.objects.map((object) => ({ op: block.op, object }))));
}

describe('config messages (§6)', () => {
  it('≤16 objects per iq, a new block whenever the operation changes, in order', () => {
    const operations: IfmapOperation[] = [];
    for (let i = 0; i < 40; i++) {
      const op = i < 10 || i >= 30 ? 'update' : 'delete';
      operations.push({ op, object: { kind: 'node', type: 'virtual-network', name: `vn${i}`, properties: [] } });
    }
    const messages = encodeConfigMessages('worker-3', operations);
    expect(messages).toHaveLength(3);
    const decoded = messages.map((text) => decodeStanzaText(text) as ConfigMessage);
    expect(decoded.map((message) => message.blocks.map((block) => [block.op, block.objects.length]))).toEqual([
      [
        ['update', 10],
        ['delete', 6],
      ],
      [['delete', 14], ['update', 2]],
      [['update', 8]],
    ]);
    for (const message of decoded) {
      expect(message.to).toBe('worker-3/config');
      expect(message.blocks.reduce((sum, block) => sum + block.objects.length, 0)).toBeLessThanOrEqual(MAX_CONFIG_OBJECTS_PER_MESSAGE);
    }
    expect(messages.every((text) => text.startsWith('<?xml version="1.0"?>\n<iq type="set" from="network-control@contrailsystems.com" to="worker-3/config">'))).toBe(true);
  });

  it('deletes carry only type and name', () => {
    const node: IfmapNode = { kind: 'node', type: 'virtual-network', name: VN, properties: agentConfigGraph(config()).filter((object): object is IfmapNode => object.kind === 'node')[0]!.properties };
    const [text] = encodeConfigMessages('w', [{ op: 'delete', object: node }]);
    expect(text).toContain(`<delete>\n\t\t\t<node type="virtual-network"><name>${VN}</name></node>\n\t\t</delete>`);
  });
});

describe('agent config as IF-MAP', () => {
  it('holds the virtual-router, VN and routing instance, VMI with MAC, instance-ips, VRF attribute and security group', () => {
    const graph = agentConfigGraph(config());
    expect(graph.map(describeObject)).toEqual([
      'instance-ip 0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01-10.1.1.3',
      'instance-ip 0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01-fd00::3',
      `routing-instance ${VRF}`,
      'security-group default-domain:admin:default',
      `virtual-machine-interface default-domain:admin:port1`,
      `virtual-machine-interface-routing-instance attr(default-domain:admin:port1,${VRF})`,
      `virtual-network ${VN}`,
      'virtual-router default-global-system-config:worker-3',
      `instance-ip-virtual-machine-interface: 0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01-10.1.1.3 -> default-domain:admin:port1`,
      `instance-ip-virtual-machine-interface: 0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01-fd00::3 -> default-domain:admin:port1`,
      `instance-ip-virtual-network: 0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01-10.1.1.3 -> ${VN}`,
      `instance-ip-virtual-network: 0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01-fd00::3 -> ${VN}`,
      `virtual-machine-interface-routing-instance: attr(default-domain:admin:port1,${VRF}) -> ${VRF}`,
      `virtual-machine-interface-routing-instance: default-domain:admin:port1 -> attr(default-domain:admin:port1,${VRF})`,
      'virtual-machine-interface-security-group: default-domain:admin:port1 -> default-domain:admin:default',
      `virtual-machine-interface-virtual-network: default-domain:admin:port1 -> ${VN}`,
      `virtual-network-routing-instance: ${VN} -> ${VRF}`,
      'virtual-router-virtual-machine-interface: default-global-system-config:worker-3 -> default-domain:admin:port1',
    ]);
    const properties = (type: string) => (graph.find((object) => object.kind === 'node' && object.type === type) as IfmapNode).properties;
    expect(properties('virtual-machine-interface').map(serializeElement).slice(1)).toEqual([
      '<virtual-machine-interface-mac-addresses><mac-address>02:0b:7a:5b:7e:1f</mac-address></virtual-machine-interface-mac-addresses>',
      '<virtual-machine-interface-disable-policy>false</virtual-machine-interface-disable-policy>',
      '<port-security-enabled>true</port-security-enabled>',
    ]);
    expect(uuidOfIdPerms(properties('virtual-machine-interface')[0]!)).toBe('0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01');
    expect(uuidOfIdPerms(properties('virtual-network')[0]!)).toBe('5078d8bd-be2e-50ed-8908-8ae9076a4fbf');
    expect(properties('virtual-router').map(serializeElement)[1]).toBe('<virtual-router-ip-address>192.168.1.11</virtual-router-ip-address>');
    expect(properties('instance-ip').map(serializeElement)).toEqual(['<instance-ip-address>10.1.1.3</instance-ip-address>', '<instance-ip-family>v4</instance-ip-family>']);
  });

  it('a first push is every object as updates, nodes before links, and decodes back to the same', () => {
    const graph = agentConfigGraph(config());
    const operations = diffIfmapGraphs(undefined, graph);
    expect(operations.every((operation) => operation.op === 'update')).toBe(true);
    const firstLink = operations.findIndex((operation) => operation.object.kind === 'link');
    expect(operations.slice(firstLink).every((operation) => operation.object.kind === 'link')).toBe(true);
    const decoded = decodeAll(encodeConfigMessages('worker-3', operations));
    expect(decoded.map((operation) => [operation.op, ifmapObjectKey(operation.object)])).toEqual(operations.map((operation) => [operation.op, ifmapObjectKey(operation.object)]));
    const node = decoded.find((operation) => operation.object.kind === 'node' && operation.object.type === 'virtual-network')!.object as IfmapNode;
    expect(node.properties.map(serializeElement)).toEqual((graph.find((object) => object.kind === 'node' && object.type === 'virtual-network') as IfmapNode).properties.map(serializeElement));
  });

  it('a change sends only what changed: link deletes, node updates, link updates, node deletes', () => {
    const before = agentConfigGraph(config());
    const base = config();
    const after = agentConfigGraph({ ...base, interfaces: [{ ...base.interfaces[0]!, ipAddresses: ['10.1.1.4', 'fd00::3'], portSecurity: false }] });
    const operations = diffIfmapGraphs(before, after).map((operation) => `${operation.op} ${describeObject(operation.object)}`);
    expect(operations).toEqual([
      'delete instance-ip-virtual-machine-interface: 0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01-10.1.1.3 -> default-domain:admin:port1',
      `delete instance-ip-virtual-network: 0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01-10.1.1.3 -> ${VN}`,
      'update instance-ip 0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01-10.1.1.4',
      'update virtual-machine-interface default-domain:admin:port1',
      'update instance-ip-virtual-machine-interface: 0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01-10.1.1.4 -> default-domain:admin:port1',
      `update instance-ip-virtual-network: 0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01-10.1.1.4 -> ${VN}`,
      'delete instance-ip 0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01-10.1.1.3',
    ]);
    expect(diffIfmapGraphs(after, after)).toEqual([]);
  });

  it('removing everything deletes links first, then nodes', () => {
    const before = agentConfigGraph(config());
    const after = agentConfigGraph(config({ interfaces: [], vrfs: [], securityGroups: [] }));
    const operations = diffIfmapGraphs(before, after);
    expect(operations.every((operation) => operation.op === 'delete')).toBe(true);
    const firstNode = operations.findIndex((operation) => operation.object.kind === 'node');
    expect(operations.slice(0, firstNode).every((operation) => operation.object.kind === 'link')).toBe(true);
    expect(operations.slice(firstNode).every((operation) => operation.object.kind === 'node')).toBe(true);
    expect(after.map(describeObject)).toEqual(['virtual-router default-global-system-config:worker-3']);
  });
});
