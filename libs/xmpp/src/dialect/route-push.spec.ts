import { describe, expect, it } from '@jest/globals';
import type { RouteEntry as RibRouteEntry } from '#libs/routing';
import {
  controlEncapsulations,
  decodeStanzaText,
  encodeRouteItems,
  encodeRouteItemsMessage,
  encodeRouteRetractMessage,
  encodeRouteUpdates,
  MAX_ITEMS_PER_MESSAGE,
  MAX_RETRACTS_PER_MESSAGE,
  parseXml,
  routeKey,
  unicastEntryForPaths,
  virtualNetworkOfVrf,
  wireEncapsulations,
  type PushPath,
  type PushUpdate,
  type RouteUpdateMessage,
} from '#libs/xmpp';

const VRF = 'default-domain:admin:red:red';

function path(nextHop: string, overrides: Partial<PushPath> = {}): PushPath {
  return { nextHop, label: 17, encapsulations: ['MPLSoUDP', 'MPLSoGRE'], securityGroups: [8000001], sequence: 0, localPreference: 0, originVrf: VRF, agent: 'a', ...overrides };
}

describe('route push batching (§4)', () => {
  it('one VRF and family per message, ≤32 items or ≤256 retracts, never mixed, ids = prefixes', () => {
    const updates: PushUpdate[] = [];
    for (let i = 0; i < 100; i++) updates.push({ prefix: `10.0.${i >> 8}.${i & 255}/32`, paths: [path('192.168.0.1')] });
    for (let i = 0; i < 300; i++) updates.push({ prefix: `10.1.${i >> 8}.${i & 255}/32`, paths: [] });
    for (let i = 0; i < 40; i++) updates.push({ prefix: `fd00::${(i + 1).toString(16)}/128`, paths: [path('192.168.0.2')] });
    const messages = encodeRouteUpdates('worker-3', VRF, updates).map((text) => decodeStanzaText(text) as RouteUpdateMessage);
    expect(messages.map((message) => [message.node, message.items.length, message.retracts.length])).toEqual([
      [`1/1/${VRF}`, 0, 256],
      [`1/1/${VRF}`, 0, 44],
      [`1/1/${VRF}`, 32, 0],
      [`1/1/${VRF}`, 32, 0],
      [`1/1/${VRF}`, 32, 0],
      [`1/1/${VRF}`, 4, 0],
      [`2/1/${VRF}`, 32, 0],
      [`2/1/${VRF}`, 8, 0],
    ]);
    for (const message of messages) {
      expect(message.to).toBe('worker-3/bgp-peer');
      expect(message.rejected).toEqual([]);
      for (const item of message.items) expect(item.id).toBe(routeKey(item.route));
    }
    const sent = messages.flatMap((message) => [...message.items.map((item) => item.id), ...message.retracts]);
    expect(new Set(sent)).toEqual(new Set(updates.map((update) => update.prefix)));
  });

  it('keeps the last update of a prefix', () => {
    const messages = encodeRouteUpdates('w', VRF, [
      { prefix: '10.0.0.1/32', paths: [path('192.168.0.1')] },
      { prefix: '10.0.0.1/32', paths: [] },
      { prefix: '10.0.0.2/32', paths: [] },
      { prefix: '10.0.0.2/32', paths: [path('192.168.0.9')] },
    ]).map((text) => decodeStanzaText(text) as RouteUpdateMessage);
    expect(messages.map((message) => [message.retracts, message.items.map((item) => item.id)])).toEqual([
      [['10.0.0.1/32'], []],
      [[], ['10.0.0.2/32']],
    ]);
  });

  it("takes the control plane's route entries as they are (RoutePath fits PushPath)", () => {
    const entry: RibRouteEntry = {
      vrf: VRF,
      prefix: '10.0.0.1/32',
      paths: [{ nextHop: '192.168.0.1', label: 17, encapsulations: ['MPLSoUDP'], securityGroups: [], sequence: 0, localPreference: 0, agent: 'a', originVrf: VRF, stale: false }],
    };
    const [message] = encodeRouteUpdates('w', entry.vrf, [entry]).map((text) => decodeStanzaText(text) as RouteUpdateMessage);
    expect(message!.items.map((item) => item.id)).toEqual(['10.0.0.1/32']);
  });

  it('writes retract@id as the first (only) attribute', () => {
    const text = encodeRouteRetractMessage('w', 'inet', VRF, ['10.0.0.1/32']);
    expect(text).toContain('<retract id="10.0.0.1/32" />');
  });

  it('refuses an over-full single message and an empty one', () => {
    const item = { id: '10.0.0.1/32', route: { family: 'inet' as const, entry: unicastEntryForPaths('10.0.0.1/32', [path('1.1.1.1')], VRF) } };
    expect(() => encodeRouteItemsMessage('w', 'inet', VRF, Array(MAX_ITEMS_PER_MESSAGE + 1).fill(item))).toThrow(RangeError);
    expect(() => encodeRouteRetractMessage('w', 'inet', VRF, Array(MAX_RETRACTS_PER_MESSAGE + 1).fill('x'))).toThrow(RangeError);
    expect(() => encodeRouteItemsMessage('w', 'inet', VRF, [])).toThrow(RangeError);
    expect(() => encodeRouteItemsMessage('w', 'inet6', VRF, [item])).toThrow(/is inet, the message is inet6/);
    expect(encodeRouteItems('w', 'inet', VRF, Array(70).fill(item))).toHaveLength(3);
  });

  it('maps best paths: one next-hop each, best path attributes, local preference 0 sent as 100, med derived', () => {
    const entry = unicastEntryForPaths(
      '10.0.0.1/32',
      [path('192.168.0.1', { sequence: 4, securityGroups: [5, 6], tags: [65543] }), path('fd00::1', { originVrf: 'default-domain:admin:blue:blue', encapsulations: ['VXLAN'] })],
      VRF,
    );
    expect(entry.nextHops.map((nextHop) => [nextHop.af, nextHop.address, nextHop.encapsulations, nextHop.virtualNetwork, nextHop.tags])).toEqual([
      [1, '192.168.0.1', ['udp', 'gre'], 'default-domain:admin:red', [65543]],
      [2, 'fd00::1', ['vxlan'], 'default-domain:admin:blue', []],
    ]);
    expect(entry).toMatchObject({ version: 1, virtualNetwork: 'default-domain:admin:red', mobility: { seqno: 4, sticky: false }, sequenceNumber: 4, securityGroups: [5, 6], localPreference: 100, med: 200 });
    expect(unicastEntryForPaths('10.0.0.1/32', [path('1.1.1.1', { localPreference: 200 })], VRF).med).toBe(100);
    expect(unicastEntryForPaths('10.0.0.1/32', [path('1.1.1.1', { localPreference: 300 })], VRF).med).toBe(0xffffffff - 300);
  });

  it('escapes names that need it', () => {
    const [text] = encodeRouteUpdates('a&b', 'x:"<vn>":"<vn>"', [{ prefix: '10.0.0.1/32', paths: [path('1.1.1.1')] }]);
    const message = parseXml(text!);
    expect(message.attributes['to']).toBe('a&b/bgp-peer');
    expect(message.children[0]!.children[0]!.attributes['node']).toBe('1/1/x:"<vn>":"<vn>"');
  });
});

describe('encapsulation names', () => {
  it('maps wire names to the control plane and back', () => {
    expect(controlEncapsulations(['gre', 'udp', 'vxlan', 'native', 'mpls', 'GRE'])).toEqual(['MPLSoGRE', 'MPLSoUDP', 'VXLAN']);
    expect(wireEncapsulations(['MPLSoGRE', 'MPLSoUDP', 'VXLAN', 'gre'])).toEqual(['gre', 'udp', 'vxlan', 'gre']);
  });

  it("names a VRF's VN", () => {
    expect(virtualNetworkOfVrf('default-domain:admin:red:red')).toBe('default-domain:admin:red');
    expect(virtualNetworkOfVrf('plain')).toBe('plain');
  });
});
