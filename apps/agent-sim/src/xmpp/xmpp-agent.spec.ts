import { afterEach, describe, expect, it } from '@jest/globals';
import type { AgentConfig } from '#libs/routing';
import {
  agentConfigGraph,
  diffIfmapGraphs,
  encodeAgentEndOfRibIqs,
  encodeAgentStreamHeader,
  encodeConfigSubscribe,
  encodeControlEndOfRib,
  encodeRouteItemsMessage,
  encodeRouteUpdates,
  encodeRoutePublish,
  encodeVrfSubscribe,
  encodeVrfUnsubscribe,
  KEEPALIVE_BYTES,
  parseXml,
  PublishPairer,
  STREAM_CLOSE,
  type PushPath,
  type PushUpdate,
} from '#libs/xmpp';
import { FakeXmppControl, until, type FakeXmppSession } from './fake-xmpp-control.test.js';
import { XmppSimulatedAgent, parseTarget, type XmppSimulatedAgentOptions } from './xmpp-agent.js';
import { publishedEntry } from './xmpp-routes.js';

const VN = 'default-domain:admin:red';
const VRF = `${VN}:red`;
const BLUE = 'default-domain:admin:blue:blue';

const controls: FakeXmppControl[] = [];
const agents: XmppSimulatedAgent[] = [];

afterEach(async () => {
  for (const agent of agents.splice(0)) await agent.disconnect();
  for (const control of controls.splice(0)) await control.stop();
});

async function fake(options?: { autoReply?: boolean }): Promise<FakeXmppControl> {
  const control = await FakeXmppControl.start(options);
  controls.push(control);
  return control;
}

function agent(control: FakeXmppControl, options: Partial<XmppSimulatedAgentOptions> = {}): XmppSimulatedAgent {
  const a = new XmppSimulatedAgent({ target: control.target, name: 'worker-3', address: '192.168.1.11', ...options });
  agents.push(a);
  return a;
}

async function connected(options: Partial<XmppSimulatedAgentOptions> = {}): Promise<{ control: FakeXmppControl; a: XmppSimulatedAgent; s: FakeXmppSession }> {
  const control = await fake();
  const a = agent(control, options);
  await a.connect();
  const s = await control.session();
  return { control, a, s };
}

function path(nextHop: string, label: number, extra: Partial<PushPath> = {}): PushPath {
  return { nextHop, label, encapsulations: ['MPLSoUDP', 'MPLSoGRE'], securityGroups: [8000002], sequence: 3, localPreference: 200, originVrf: VRF, ...extra };
}

function hosts(count: number, first = 0): PushUpdate[] {
  return Array.from({ length: count }, (_, i) => ({ prefix: `10.1.${(first + i) >> 8}.${(first + i) & 255}/32`, paths: [path('192.168.1.20', 100 + i)] }));
}

/** Stanza texts the agent sent after its header and first keepalive, keepalive bytes left out. */
function requestTexts(s: FakeXmppSession): string[] {
  return s.stanzas.map((x) => x.xml);
}

describe('XmppSimulatedAgent: session', () => {
  it('sends its header first, waits for control\'s, answers with a keepalive and subscribes to its config', async () => {
    const control = await fake({ autoReply: false });
    const a = agent(control);
    const connecting = a.connect();
    const s = await control.session();
    // nothing but the header until control answers
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.text).toBe(encodeAgentStreamHeader('worker-3'));
    expect(a.connected).toBe(false);
    s.replyHeader();
    const header = await connecting;
    expect(header).toMatchObject({ from: 'network-control@contrailsystems.com', to: 'worker-3', id: '++123', xmlns: 'jabber:client' });
    expect(a.connected).toBe(true);
    await until(() => s.stanzas.length === 1);
    const header0 = encodeAgentStreamHeader('worker-3');
    expect(s.bytes.subarray(header0.length, header0.length + 2)).toEqual(KEEPALIVE_BYTES);
    expect(s.stanzas[0]!.xml).toBe(encodeConfigSubscribe('worker-3', { type: 'virtual-router', fqName: 'default-global-system-config:worker-3' }));
  });

  it('puts its subcluster in the header, and can leave out the config subscribe', async () => {
    const control = await fake();
    const a = agent(control, { subcluster: 'edge-1', configSubscribe: false });
    await a.connect();
    const s = await control.session();
    expect(s.header).toMatchObject({ from: 'worker-3', to: 'network-control@contrailsystems.com', xmlns: 'edge-1' });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(s.stanzas).toHaveLength(0);
  });

  it('gives up when control does not answer the header in time, or is not there', async () => {
    const control = await fake({ autoReply: false });
    await expect(agent(control, { connectTimeoutMs: 100 }).connect()).rejects.toThrow('worker-3: no stream header from control within 100 ms');
    const gone = await fake();
    const target = gone.target;
    await gone.stop();
    controls.splice(controls.indexOf(gone), 1);
    const lonely = new XmppSimulatedAgent({ target, name: 'w', address: '192.168.1.1' });
    await expect(lonely.connect()).rejects.toThrow(/ECONNREFUSED/);
    expect(lonely.connected).toBe(false);
  });

  it('sends a keepalive every hold/3 when idle and stays up while control keeps alive', async () => {
    const { a, s } = await connected({ holdTimeSeconds: 0.3 });
    const ticker = setInterval(() => s.keepalive(), 60);
    try {
      await new Promise((resolve) => setTimeout(resolve, 700));
    } finally {
      clearInterval(ticker);
    }
    expect(a.connected).toBe(true);
    // the first right after the header, then one per 100 ms of silence
    expect(a.stats.keepalivesSent).toBeGreaterThanOrEqual(5);
    expect(s.keepalives).toBeGreaterThanOrEqual(4);
    expect(a.stats.keepalivesReceived).toBeGreaterThanOrEqual(8);
  });

  it('sends no keepalive while it has other things to say', async () => {
    const { a } = await connected({ holdTimeSeconds: 0.3 });
    const sent = a.stats.keepalivesSent;
    const start = Date.now();
    let n = 0;
    while (Date.now() - start < 250) {
      a.subscribe(`default-domain:admin:vn${n}:vn${n++}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(a.stats.keepalivesSent).toBe(sent);
  });

  it('drops the session when control is silent beyond the hold time', async () => {
    const { a, s } = await connected({ holdTimeSeconds: 0.2 });
    const reasons: string[] = [];
    a.on('disconnected', (reason) => reasons.push(reason));
    await a.waitFor((x) => !x.connected, 2000, 'the drop');
    expect(reasons).toEqual(['hold time expired: nothing from control for 0.2 s']);
    await until(() => s.closed);
    expect(s.streamClosed).toBe(false);
  });

  it('close() sends </stream:stream> and ends; disconnect() just cuts', async () => {
    const { control, a, s } = await connected();
    await a.close();
    expect(s.text.endsWith(STREAM_CLOSE)).toBe(true);
    expect(s.streamClosed).toBe(true);
    expect(a.lastDisconnectReason).toBe('closed');

    const b = agent(control, { name: 'worker-4' });
    await b.connect();
    const t = await control.session(2);
    await b.disconnect();
    await until(() => t.closed);
    expect(t.streamClosed).toBe(false);
    expect(b.connected).toBe(false);
    expect(b.lastDisconnectReason).toBe('disconnected');
  });

  it('answers control\'s </stream:stream> with its own and ends the session', async () => {
    const { a, s } = await connected();
    s.closeStream();
    await a.waitFor((x) => !x.connected, 2000, 'the end');
    expect(a.lastDisconnectReason).toBe('control closed the stream');
    await until(() => s.streamClosed);
  });

  it('drops the session on bytes that are not the dialect, saying why', async () => {
    const { a, s } = await connected();
    s.send('hello there');
    await a.waitFor((x) => !x.connected, 2000, 'the drop');
    expect(a.lastDisconnectReason).toMatch(/^unreadable bytes from control: unexpected byte 0x68 \('h'\) between stanzas/);
    expect(a.anomalies).toHaveLength(1);
  });

  it('keeps a bad stanza out and goes on', async () => {
    const { a, s } = await connected();
    a.subscribe(VRF);
    s.send('<message from="x" to="worker-3/bgp-peer"><event xmlns="http://jabber.org/protocol/pubsub"><items node="9/9/x"></items></event></message>');
    s.pushRoutes(VRF, hosts(1));
    await a.waitFor((x) => x.table(VRF).size === 1);
    expect(a.connected).toBe(true);
    expect(a.anomalies).toEqual([expect.stringContaining('a stanza from control was dropped: event/items@node: "9/9/x" does not start with a known <afi>/<safi>')]);
  });
});

describe('XmppSimulatedAgent: what it sends', () => {
  it('subscribes with an instance-id, once per VRF, and unsubscribes with the same', async () => {
    const { a, s } = await connected({ configSubscribe: false });
    a.subscribe(VRF);
    a.subscribe(BLUE);
    a.subscribe(VRF); // a real agent never repeats a subscribe
    a.subscribe('default-domain:default-project:ip-fabric:__default__');
    a.unsubscribe(BLUE);
    await until(() => s.stanzas.length === 4);
    expect(requestTexts(s)).toEqual([
      encodeVrfSubscribe({ from: 'worker-3', vrf: VRF, instanceId: 1 }),
      encodeVrfSubscribe({ from: 'worker-3', vrf: BLUE, instanceId: 2 }),
      encodeVrfSubscribe({ from: 'worker-3', vrf: 'default-domain:default-project:ip-fabric:__default__', instanceId: 0 }),
      encodeVrfUnsubscribe({ from: 'worker-3', vrf: BLUE, instanceId: 2 }),
    ]);
    expect(s.ofKind('vrf-subscribe').map((x) => [x.vrf, x.instanceId])).toEqual([
      [VRF, 1],
      [BLUE, 2],
      ['default-domain:default-project:ip-fabric:__default__', 0],
    ]);
    expect(a.subscriptions).toEqual(new Set([VRF, 'default-domain:default-project:ip-fabric:__default__']));
  });

  it('publishes a publish + collection pair per route, as §3.1 lays it out', async () => {
    const { a, s } = await connected({ configSubscribe: false });
    a.subscribe(VRF);
    a.publish(VRF, [{ prefix: '10.1.1.3/32', label: 25, encapsulations: ['MPLSoGRE', 'MPLSoUDP'], securityGroups: [8000002], localPreference: 200 }]);
    await until(() => s.stanzas.length === 3);
    const [publish, collection] = [s.stanzas[1]!.xml, s.stanzas[2]!.xml];
    // the bytes: libs/xmpp's encoder for the entry below, back to back
    const route = { prefix: '10.1.1.3/32', nextHop: '', label: 25, encapsulations: ['MPLSoGRE', 'MPLSoUDP'], securityGroups: [8000002], sequence: 0, localPreference: 200, interface: '' };
    expect([publish, collection]).toEqual(encodeRoutePublish({ from: 'worker-3', vrf: VRF, route: publishedEntry(route, VRF, '192.168.1.11'), op: 'associate', sequence: 0 }));
    expect(s.text).toContain(`${publish}\n${collection}`);
    // the layout, element by element
    const iq = parseXml(publish);
    expect(iq.attributes).toEqual({ type: 'set', from: 'worker-3', to: 'network-control@contrailsystems.com/bgp-peer', id: 'pubsub0' });
    const publishElement = iq.children[0]!.children[0]!;
    expect(publishElement.name).toBe('publish');
    expect(publishElement.attributes['node']).toBe(`1/1/${VRF}/10.1.1.3/32`);
    const entry = publishElement.children[0]!.children[0]!;
    expect(entry.children.map((c) => c.name)).toEqual([
      'nlri', 'next-hops', 'version', 'virtual-network', 'mobility', 'sequence-number', 'security-group-list', 'community-tag-list', 'local-preference', 'med', 'load-balance', 'sub-protocol',
    ]);
    const nextHops = entry.children[1]!.children;
    expect(nextHops).toHaveLength(1);
    expect(nextHops[0]!.children.map((c) => [c.name, c.text])).toEqual([
      ['af', '1'], ['address', '192.168.1.11'], ['mac', ''], ['label', '25'], ['vni', '0'], ['tunnel-encapsulation-list', ''], ['virtual-network', VN], ['tag-list', ''], ['local-sequence-number', '0'],
    ]);
    expect(nextHops[0]!.children[5]!.children.map((c) => c.text)).toEqual(['gre', 'udp']);
    const collectionIq = parseXml(collection);
    expect(collectionIq.attributes['id']).toBe('collection0');
    const collectionElement = collectionIq.children[0]!.children[0]!;
    expect(collectionElement.attributes).toEqual({ node: VRF });
    expect(collectionElement.children.map((c) => [c.name, c.attributes['node']])).toEqual([['associate', `1/1/${VRF}/10.1.1.3/32`]]);
    // what a control node makes of the pair
    const pairer = new PublishPairer();
    expect(pairer.publish(s.ofKind('publish')[0]!)).toBeUndefined();
    expect(pairer.collection(s.ofKind('collection')[0]!)).toMatchObject({
      kind: 'publish',
      vrf: VRF,
      family: 'inet',
      routes: [{ prefix: '10.1.1.3/32', nextHop: '192.168.1.11', label: 25, encapsulations: ['gre', 'udp'], securityGroups: [8000002], localPreference: 200 }],
      rejected: [],
    });
    expect(a.stats.publishedRoutes).toBe(1);
  });

  it('publishes IPv6 prefixes as inet6 (2/1) with the IPv4 vhost next hop, and withdraws with dissociate', async () => {
    const { a, s } = await connected({ configSubscribe: false });
    a.subscribe(VRF);
    a.publish(VRF, [{ prefix: 'fd00::3/128', label: 30 }, { prefix: '10.1.1.4/32', label: 31, nextHop: '192.168.1.99' }]);
    a.withdraw(VRF, ['fd00::3/128', '10.1.1.9/32']);
    a.endOfRib();
    await until(() => s.stanzas.length === 11);
    const pairer = new PublishPairer();
    const outcomes = s.stanzas.slice(1).flatMap(({ stanza }) => {
      if (stanza?.kind === 'publish') return (pairer.publish(stanza), []);
      if (stanza?.kind === 'collection') return [pairer.collection(stanza)];
      return [];
    });
    expect(outcomes).toEqual([
      expect.objectContaining({ kind: 'publish', family: 'inet6', routes: [expect.objectContaining({ prefix: 'fd00::3/128', nextHop: '192.168.1.11', label: 30 })] }),
      expect.objectContaining({ kind: 'publish', family: 'inet', routes: [expect.objectContaining({ prefix: '10.1.1.4/32', nextHop: '192.168.1.99', label: 31 })] }),
      { kind: 'withdraw', vrf: VRF, family: 'inet6', prefixes: ['fd00::3/128'], rejected: [] },
      { kind: 'withdraw', vrf: VRF, family: 'inet', prefixes: ['10.1.1.9/32'], rejected: [] },
      { kind: 'end-of-rib' },
    ]);
    expect(s.stanzas[1]!.xml).toContain(`<publish node="2/1/${VRF}/fd00::3/128">`);
    expect(s.stanzas[6]!.xml).toContain(`<dissociate node="2/1/${VRF}/fd00::3/128" />`);
    expect(s.stanzas.slice(9).map((x) => x.xml)).toEqual(encodeAgentEndOfRibIqs('worker-3', 4));
    expect(a.published.get(VRF)?.size).toBe(1);
    expect(a.stats).toMatchObject({ publishedRoutes: 2, withdrawnRoutes: 2 });
  });

  it('subscribes with no-ribout to only publish: no end-of-RIB awaited, kept on resubscribe', async () => {
    const { control, a, s } = await connected({ configSubscribe: false });
    a.subscribe(VRF, undefined, true);
    await until(() => s.stanzas.length === 1);
    expect(s.stanzas[0]!.xml).toBe(encodeVrfSubscribe({ from: 'worker-3', vrf: VRF, instanceId: 1, noRibOut: true }));
    expect(s.ofKind('vrf-subscribe')[0]).toMatchObject({ vrf: VRF, instanceId: 1, noRibOut: true });
    expect(a.synced).toBe(true);
    await a.disconnect();
    await a.connect();
    const t = await control.session(2);
    await until(() => t.stanzas.length === 1);
    expect(t.ofKind('vrf-subscribe')[0]).toMatchObject({ vrf: VRF, noRibOut: true });
  });

  it('refuses to send when not connected', async () => {
    const control = await fake();
    expect(() => agent(control).subscribe(VRF)).toThrow('worker-3 is not connected');
  });
});

describe('XmppSimulatedAgent: what control pushes', () => {
  it('keeps a table per subscribed VRF: items add or replace by id, retracts delete', async () => {
    const { a, s } = await connected();
    a.subscribe(VRF);
    const messages = s.pushRoutes(VRF, hosts(40));
    expect(messages).toHaveLength(2); // 32 + 8 items
    await a.waitFor((x) => x.table(VRF).size === 40);
    expect(a.table(VRF).get('10.1.0.0/32')).toEqual([
      { nextHop: '192.168.1.20', label: 100, encapsulations: ['MPLSoUDP', 'MPLSoGRE'], securityGroups: [8000002], sequence: 3, localPreference: 200, originVrf: VRF, agent: '' },
    ]);
    // ECMP replaces the paths of a prefix
    s.pushRoutes(VRF, [{ prefix: '10.1.0.0/32', paths: [path('192.168.1.20', 100), path('192.168.1.21', 7, { localPreference: 200 })] }]);
    await a.waitFor((x) => x.table(VRF).get('10.1.0.0/32')!.length === 2);
    expect(a.table(VRF).get('10.1.0.0/32')!.map((p) => p.nextHop)).toEqual(['192.168.1.20', '192.168.1.21']);
    // retracts (a message of them only)
    s.pushRoutes(VRF, hosts(10).map((u) => ({ prefix: u.prefix, paths: [] })));
    await a.waitFor((x) => x.table(VRF).size === 30);
    expect(a.table(VRF).has('10.1.0.9/32')).toBe(false);
    expect(a.stats).toMatchObject({ messages: 4, routeUpdates: 51, withdrawals: 10, ignoredUpdates: 0 });
    expect(a.routeCount).toBe(30);
    expect(a.lastMessageAt).toBeGreaterThan(0);
  });

  it("emits each stanza's text while someone listens", async () => {
    const { a, s } = await connected();
    a.subscribe(VRF);
    const texts: string[] = [];
    a.on('stanza', (xml) => texts.push(xml));
    const messages = s.pushRoutes(VRF, hosts(2));
    s.endOfRib();
    await a.waitForSynced();
    expect(texts).toEqual([...messages, encodeControlEndOfRib('worker-3')]);
  });

  it('holds inet6 routes in the same VRF table, and ignores VRFs it does not subscribe to', async () => {
    const { a, s } = await connected();
    a.subscribe(VRF);
    s.pushRoutes(VRF, [{ prefix: 'fd00::3/128', paths: [path('192.168.1.20', 9)] }, ...hosts(1)]);
    s.pushRoutes(BLUE, hosts(3));
    s.pushRoutes(VRF, hosts(1, 1));
    await a.waitFor((x) => x.table(VRF).size === 3);
    expect([...a.table(VRF).keys()].sort()).toEqual(['10.1.0.0/32', '10.1.0.1/32', 'fd00::3/128']);
    expect(a.table(BLUE).size).toBe(0);
    expect(a.stats.ignoredUpdates).toBe(3);
    expect([...a.tables().keys()]).toEqual([VRF]);
  });

  it('processes only the retracts of a message that mixes them with items (§4)', async () => {
    const { a, s } = await connected();
    a.subscribe(VRF);
    s.pushRoutes(VRF, hosts(2));
    const item = encodeRouteItemsMessage('worker-3', 'inet', VRF, [{ id: '10.9.9.9/32', route: publishedEntry({ prefix: '10.9.9.9/32', nextHop: '', label: 5, encapsulations: [], securityGroups: [], sequence: 0, localPreference: 0, interface: '' }, VRF, '192.168.1.20') }]);
    s.send(item.replace('\n\t\t</items>', '\n\t\t\t<retract id="10.1.0.0/32" />\n\t\t</items>'));
    await a.waitFor((x) => x.stats.messages === 2);
    expect([...a.table(VRF).keys()]).toEqual(['10.1.0.1/32']);
  });

  it('reads stanzas split across many reads, and many stanzas in one read', async () => {
    const { a, s } = await connected();
    a.subscribe(VRF);
    a.subscribe(BLUE);
    const stanzas = [...encodeRouteUpdates('worker-3', VRF, hosts(70)), encodeControlEndOfRib('worker-3'), ...encodeRouteUpdates('worker-3', BLUE, hosts(5)), encodeControlEndOfRib('worker-3')];
    // between stanzas a keepalive (§1.4), the whole stream cut into 7-byte reads: stanzas, and the keepalive's two
    // bytes, split across reads
    const bytes = Buffer.concat(stanzas.flatMap((text) => [Buffer.from(text), KEEPALIVE_BYTES, Buffer.from('\n')]));
    for (let i = 0; i < bytes.length; i += 7) {
      s.send(bytes.subarray(i, i + 7));
      if (i % 91 === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    // and several stanzas in one read
    s.pushRoutes(VRF, hosts(64, 100));
    await a.waitFor((x) => x.synced && x.table(VRF).size === 134, 5000);
    expect(a.stats.messages).toBe(3 + 1 + 1 + 1 + 2);
    expect(a.table(BLUE).size).toBe(5);
    expect(a.anomalies).toEqual([]);
  });

  it('matches end-of-RIB markers to subscriptions in order (per-subscribe)', async () => {
    const { a, s } = await connected({ endOfRibMode: 'per-subscribe' });
    a.subscribe(VRF);
    a.subscribe(BLUE);
    expect(a.synced).toBe(false);
    s.endOfRib();
    await a.waitForEndOfRib(VRF);
    expect(a.hasEndOfRib(BLUE)).toBe(false);
    expect(a.synced).toBe(false);
    s.endOfRib();
    await a.waitForSynced();
    s.endOfRib();
    await a.waitFor((x) => x.stats.endOfRibs === 3);
    expect(a.stats.unmatchedEndOfRibs).toBe(1);
    // a new subscription waits for its own
    a.subscribe('default-domain:admin:green:green');
    expect(a.synced).toBe(false);
  });

  it('lets one end-of-RIB settle every waiting subscription (per-session, the default)', async () => {
    const { a, s } = await connected();
    a.subscribe(VRF);
    a.subscribe(BLUE);
    s.endOfRib();
    await a.waitForSynced();
    expect(a.hasEndOfRib(VRF) && a.hasEndOfRib(BLUE)).toBe(true);
    // a later subscription waits for another marker (which TF and our bridge do not send)
    a.subscribe('default-domain:admin:green:green');
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(a.synced).toBe(false);
    s.endOfRib();
    await a.waitFor((x) => x.stats.endOfRibs === 2);
    expect(a.synced).toBe(true);
  });

  it("with tables: 'ids' scans pushes for ids only and ends up with the same keys", async () => {
    const { a, s } = await connected({ tables: 'ids' });
    a.subscribe(VRF);
    s.pushRoutes(VRF, [...hosts(40), { prefix: 'fd00::1/128', paths: [path('192.168.1.20', 1)] }]);
    s.pushRoutes(BLUE, hosts(2));
    s.pushRoutes(VRF, hosts(5).map((u) => ({ prefix: u.prefix, paths: [] })));
    s.endOfRib();
    await a.waitForSynced();
    expect(a.table(VRF).size).toBe(36);
    expect(a.table(VRF).has('fd00::1/128')).toBe(true);
    expect(a.table(VRF).get('10.1.0.5/32')).toEqual([]);
    expect(a.stats).toMatchObject({ routeUpdates: 46, withdrawals: 5, ignoredUpdates: 2, endOfRibs: 1 });
  });
});

const ROUTER_UUID = '6ba7b810-9dad-11d1-80b4-00c04fd430c8';
const PORT_UUID = '0b7a5b7e-1f0e-4c5a-9a55-2b1f7f0d1a01';

function routingConfig(overrides: Partial<AgentConfig> = {}): AgentConfig {
  return {
    virtualRouter: { uuid: ROUTER_UUID, name: 'worker-3', address: '192.168.1.11', cluster: 'default' },
    interfaces: [
      {
        uuid: PORT_UUID,
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
        vxlanId: 6,
        systemTarget: 'target:64512:8000005',
        importTargets: [],
        exportTargets: [],
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

describe('XmppSimulatedAgent: config', () => {
  it('applies IF-MAP updates and deletes, and reads them back as an AgentConfig', async () => {
    const { a, s } = await connected();
    const first = agentConfigGraph(routingConfig());
    s.config(diffIfmapGraphs(undefined, first));
    await a.waitFor((x) => x.config.complete && x.config.interfaces.size === 1);
    expect(a.stats.configUpdates).toBeGreaterThan(1); // more than 16 objects: several iqs
    expect(a.config.virtualRouter).toEqual({ uuid: ROUTER_UUID, name: 'worker-3', address: '192.168.1.11', cluster: '' });
    expect([...a.config.vrfs.values()]).toEqual([{ name: VRF, virtualNetwork: VN, networkId: 5, vxlanId: 6, importTargets: [], exportTargets: [], acl: '' }]);
    expect([...a.config.interfaces.values()]).toEqual([
      {
        uuid: PORT_UUID,
        name: 'default-domain:admin:port1',
        macAddress: '02:0b:7a:5b:7e:1f',
        ipAddresses: ['10.1.1.3', 'fd00::3'],
        virtualNetwork: VN,
        vrf: VRF,
        securityGroups: [8000002],
        policyDisabled: false,
        portSecurity: true,
      },
    ]);
    expect([...a.config.securityGroups.values()]).toEqual([{ uuid: '9f6b1c1e-0000-4000-8000-000000000002', name: 'default-domain:admin:default', id: 8000002, rules: [] }]);

    // the interface goes: deletes of its links and nodes
    const second = agentConfigGraph(routingConfig({ interfaces: [] }));
    const before = a.stats.configUpdates;
    s.config(diffIfmapGraphs(first, second));
    await a.waitFor((x) => x.stats.configUpdates > before && x.config.interfaces.size === 0);
    expect(a.ifmap.nodes.size).toBe(second.filter((o) => o.kind === 'node').length);
    expect(a.ifmap.links.size).toBe(second.filter((o) => o.kind === 'link').length);
    expect(a.config.vrfs.size).toBe(1);
  });

  it('with followConfig subscribes to its interfaces\' VRFs, publishes their host routes and its end-of-RIB', async () => {
    const { a, s } = await connected({ followConfig: true });
    s.config(diffIfmapGraphs(undefined, agentConfigGraph(routingConfig())));
    await until(() => s.ofKind('collection').length === 3);
    expect(s.ofKind('vrf-subscribe').map((x) => [x.vrf, x.instanceId])).toEqual([[VRF, 1]]);
    const pairer = new PublishPairer();
    const outcomes = s.stanzas.flatMap(({ stanza }) => {
      if (stanza?.kind === 'publish') return (pairer.publish(stanza), []);
      if (stanza?.kind === 'collection') return [pairer.collection(stanza)];
      return [];
    });
    expect(outcomes).toEqual([
      expect.objectContaining({ kind: 'publish', family: 'inet', routes: [expect.objectContaining({ prefix: '10.1.1.3/32', label: 16, nextHop: '192.168.1.11', securityGroups: [8000002] })] }),
      expect.objectContaining({ kind: 'publish', family: 'inet6', routes: [expect.objectContaining({ prefix: 'fd00::3/128', label: 16 })] }),
      { kind: 'end-of-rib' },
    ]);
  });
});

describe('XmppSimulatedAgent: sessions after the first', () => {
  it('starts over on reconnect: same instance-ids, tables cleared, routes republished with autoRepublish', async () => {
    const control = await fake();
    const a = agent(control, { autoRepublish: true, configSubscribe: false });
    await a.connect();
    const s = await control.session();
    a.subscribe(BLUE);
    a.subscribe(VRF);
    a.publish(VRF, [{ prefix: '10.1.1.3/32', label: 20 }]);
    s.pushRoutes(VRF, hosts(3));
    await a.waitFor((x) => x.table(VRF).size === 3);
    await a.disconnect();
    expect(a.table(VRF).size).toBe(3); // kept until the next session
    await a.connect();
    const t = await control.session(2);
    expect(a.table(VRF).size).toBe(0);
    await until(() => t.stanzas.length === 6);
    expect(t.ofKind('vrf-subscribe').map((x) => [x.vrf, x.instanceId])).toEqual([
      [BLUE, 1],
      [VRF, 2],
    ]);
    expect(t.ofKind('publish')[0]!.node).toBe(`1/1/${VRF}/10.1.1.3/32`);
    expect(t.ofKind('publish')[1]!.node).toBe(''); // the end-of-RIB
    expect(a.stalePublished.size).toBe(0);
  });
});

describe('parseTarget', () => {
  it('reads host:port and [v6]:port', () => {
    expect(parseTarget('127.0.0.1:5269')).toEqual({ host: '127.0.0.1', port: 5269 });
    expect(parseTarget('[::1]:5269')).toEqual({ host: '::1', port: 5269 });
    expect(() => parseTarget('localhost')).toThrow('target must be host:port');
  });
});
