import { randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { RoutePath } from '#libs/routing';
import { MAX_CONFIG_OBJECTS_PER_MESSAGE, MAX_ITEMS_PER_MESSAGE, MAX_RETRACTS_PER_MESSAGE, encodeAgentStreamHeader, encodeRoutePublish, encodeVrfSubscribe } from '#libs/xmpp';
import { provisioned, vrfOf, type World } from '../../../../libs/routing/src/network/network-world.test.js';
import { ControlPlane, type AgentSession, type SessionTransport } from '../control-plane/control-plane.js';
import type { RouteInput } from '../control-plane/route-input.js';
import type { SessionMessage } from '../control-plane/session-messages.js';
import { XmppBridge, type XmppBridgeOptions } from './xmpp-bridge.js';
import { unicastRoute, XmppTestAgent, type TestAgentOptions } from './xmpp-test-agent.test.js';
import { WorldSource } from '../control-plane/world-source.test.js';

/** The desired state of a World, updated by `settle()` the way the projection does after each run of events. */
/** An agent on an in-memory transport (as a gRPC agent is to the control plane): applies routes, acks at once. */
class MemoryAgent implements SessionTransport {
  readonly tables = new Map<string, Map<string, RoutePath[]>>();
  session!: AgentSession;
  send(message: SessionMessage): boolean {
    if (message.kind === 'routes') {
      for (const update of message.updates) {
        let table = this.tables.get(update.vrf);
        if (!table) this.tables.set(update.vrf, (table = new Map()));
        if (update.paths.length === 0) table.delete(update.prefix);
        else table.set(update.prefix, update.paths);
      }
    }
    if (message.version > 0) queueMicrotask(() => this.session.ack(message.version));
    return true;
  }
  end(): void {}
  table(vrf: string): ReadonlyMap<string, RoutePath[]> {
    return this.tables.get(vrf) ?? new Map();
  }
}

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const route = (prefix: string, extra: Partial<RouteInput> = {}): RouteInput => ({
  prefix,
  nextHop: '10.0.0.9',
  label: 17,
  encapsulations: ['MPLSoUDP'],
  securityGroups: [],
  sequence: 0,
  localPreference: 0,
  ...extra,
});

const hostBinding = (host: string) => ({ virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: host }] } });

describe('XmppBridge', () => {
  let world: World;
  let source: WorldSource;
  let plane: ControlPlane;
  let bridge: XmppBridge;
  let logs: LogLine[];
  let red: string;
  let blue: string;
  let agents: XmppTestAgent[];
  let memory: MemoryAgent;
  const RED = vrfOf('red');
  const BLUE = vrfOf('blue');

  async function startBridge(options: Partial<XmppBridgeOptions> = {}): Promise<XmppBridge> {
    const started = new XmppBridge(plane, {
      port: 0,
      bindAddress: '127.0.0.1',
      maxStanzaBytes: 64 * 1024,
      closeGraceMs: 300,
      log: (level, msg, fields) => logs.push({ level, msg, ...fields }),
      ...options,
    });
    await started.listen();
    return started;
  }

  function agent(name: string, options: Partial<TestAgentOptions> = {}, on = bridge): XmppTestAgent {
    const created = new XmppTestAgent(name, { port: on.port, ...options });
    agents.push(created);
    return created;
  }

  /** An agent whose header was answered. */
  async function established(name: string, options: Partial<TestAgentOptions> = {}, on = bridge): Promise<XmppTestAgent> {
    const created = agent(name, options, on);
    await created.waitFor((a) => a.streamOpened, 5000, 'the control header');
    return created;
  }

  const closedLines = (pattern: RegExp) => logs.filter((line) => line.msg === 'xmpp session closed' && pattern.test(String(line.reason)));
  const info = (name: string) => plane.agents().find((a) => a.name === name);

  beforeEach(async () => {
    world = provisioned();
    red = world.network('red');
    blue = world.network('blue');
    for (const [name, address] of [['xa', '192.168.0.11'], ['xb', '192.168.0.12'], ['mem', '10.0.0.9']]) {
      world.virtualRouter(name, { virtual_router_ip_address: address });
    }
    world.takeTouched();
    source = new WorldSource(world);
    plane = new ControlPlane(source, { holdTimeMs: 60_000, window: 8, maxBatchRoutes: 512 });
    plane.start();
    logs = [];
    agents = [];
    bridge = await startBridge();
    memory = new MemoryAgent();
    memory.session = plane.open({ agentName: 'mem', address: '10.0.0.9', cluster: '', resumeSessionId: '', lastAckedVersion: 0 }, memory).session;
  });

  afterEach(async () => {
    for (const a of agents) a.destroy();
    await bridge.stop();
    plane.shutdown();
  });

  describe('sessions', () => {
    it('answers the header, opens an xmpp session on the control plane and lists it', async () => {
      const xa = await established('xa');
      expect(info('xa')).toMatchObject({ name: 'xa', protocol: 'xmpp', address: '127.0.0.1', cluster: '', state: 'connected' });
      expect(info('mem')).toMatchObject({ protocol: 'grpc' });
      expect(bridge.sessions).toBe(1);
      expect(logs).toContainEqual(expect.objectContaining({ msg: 'xmpp session established', agent: 'xa', address: '127.0.0.1' }));
      expect(xa.problems).toEqual([]);
    });

    it('refuses the same agent name from another address, and replaces the session from the same address', async () => {
      const first = await established('xd');
      first.subscribe(RED);
      const impostor = agent('xd', { localAddress: '127.0.0.2' });
      await impostor.waitForClose();
      expect(impostor.streamOpened).toBe(false);
      expect(closedLines(/xd is connected from 127\.0\.0\.1; refusing a second session from 127\.0\.0\.2/)).toEqual([
        expect.objectContaining({ category: 'refused', address: '127.0.0.2' }),
      ]);
      // The first session goes on.
      memory.session.publish(RED, [route('10.9.0.1/32')]);
      await first.waitFor((a) => a.table(RED).has('10.9.0.1/32'), 5000, 'a route after the refusal');
      expect(first.closed).toBe(false);

      const successor = await established('xd');
      await first.waitForClose();
      expect(first.streamClosed).toBe(true);
      expect(closedLines(/./).filter((l) => l.agent === 'xd' && l.category === 'replaced')).toHaveLength(1);
      successor.subscribe(RED);
      await successor.waitFor((a) => a.table(RED).has('10.9.0.1/32'), 5000, 'the table on the new session');
      expect(info('xd')).toMatchObject({ state: 'connected', subscriptions: [RED] });
      expect(bridge.sessions).toBe(1);
    });

    it('closes a silent session at the hold time, keeps one that sends keepalives, and sends its own', async () => {
      const quick = await startBridge({ holdTimeSeconds: 0.6 });
      try {
        const lively = await established('xa', { keepaliveMs: 100 }, quick);
        const silent = await established('xb', {}, quick);
        const start = Date.now();
        await silent.waitForClose(3000);
        expect(Date.now() - start).toBeGreaterThanOrEqual(450);
        expect(silent.streamClosed).toBe(true);
        expect(closedLines(/hold time expired: nothing received from agent xb \(127\.0\.0\.1\) for 0\.6 s/)).toEqual([
          expect.objectContaining({ category: 'hold-time', agent: 'xb' }),
        ]);
        // Held by graceful restart: a drop, not a goodbye.
        expect(info('xb')).toMatchObject({ state: 'held' });
        await sleep(1500);
        expect(lively.closed).toBe(false);
        // Control's keepalives every hold/3 = 200 ms on an idle stream.
        expect(lively.keepalives).toBeGreaterThanOrEqual(4);
        expect(quick.sessions).toBe(1);
      } finally {
        await quick.stop();
      }
    });

    it('closes every session with </stream:stream> on stop, and stops listening', async () => {
      const xa = await established('xa');
      const before = agent('xb', { header: false });
      await before.connected;
      await bridge.stop();
      await xa.waitForClose();
      await before.waitForClose();
      expect(xa.streamClosed).toBe(true);
      expect(closedLines(/shutting down/).map((l) => l.category)).toEqual(['shutdown', 'shutdown']);
      const refused = await new Promise<string>((resolve) => {
        const socket = connect({ port: bridge.port, host: '127.0.0.1' });
        socket.on('connect', () => resolve('connected'));
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
      });
      expect(refused).toBe('ECONNREFUSED');
    });
  });

  describe('routes', () => {
    it('pushes routes as TF messages: one VRF and family each, ≤32 items or ≤256 retracts, never mixed, id = prefix', async () => {
      const xa = await established('xa');
      xa.subscribe(RED);
      await xa.waitFor((a) => a.endOfRibs === 1, 5000, 'the end-of-RIB of an empty VRF');
      const v4 = Array.from({ length: 300 }, (_, i) => `10.20.${i >> 8}.${i & 255}/32`);
      const v6 = ['2001:db8::1/128', '2001:db8::2/128', '2001:db8::3/128'];
      memory.session.publish(RED, [...v4, ...v6].map((p) => route(p, { label: 40, encapsulations: ['MPLSoGRE', 'MPLSoUDP'], securityGroups: [8000002], localPreference: 200 })));
      await xa.waitFor((a) => a.table(RED).size === 303, 5000, 'all routes');
      const pushed = xa.table(RED).get('10.20.0.7/32')!;
      expect(pushed.route.family).toBe('inet');
      if (pushed.route.family === 'inet') {
        expect(pushed.route.entry.nextHops).toEqual([expect.objectContaining({ address: '10.0.0.9', label: 40, encapsulations: ['gre', 'udp'] })]);
        expect(pushed.route.entry).toMatchObject({ securityGroups: [8000002], localPreference: 200, med: 100, virtualNetwork: 'default-domain:default-project:red' });
      }
      expect(xa.table(RED).get('2001:db8::2/128')!.route.family).toBe('inet6');

      memory.session.withdraw(RED, [...v4, ...v6]);
      await xa.waitFor((a) => a.table(RED).size === 0, 5000, 'all withdrawn');
      for (const message of xa.routeMessages) {
        expect(message.vrf).toBe(RED);
        expect(message.items.length === 0 || message.retracts.length === 0).toBe(true);
        expect(message.items.length).toBeLessThanOrEqual(MAX_ITEMS_PER_MESSAGE);
        expect(message.retracts.length).toBeLessThanOrEqual(MAX_RETRACTS_PER_MESSAGE);
        for (const item of message.items) expect(item.id).toBe(item.route.family === 'inet' || item.route.family === 'inet6' ? item.route.entry.nlri.address : '');
        const family = message.family;
        for (const id of [...message.items.map((i) => i.id), ...message.retracts]) expect(id.includes(':') ? 'inet6' : 'inet').toBe(family);
      }
      const retractSizes = xa.routeMessages.filter((m) => m.retracts.length > 0).map((m) => [m.family, m.retracts.length]);
      expect(retractSizes).toEqual([
        ['inet', 256],
        ['inet', 44],
        ['inet6', 3],
      ]);
      expect(xa.routeMessages.filter((m) => m.items.length > 0 && m.family === 'inet').map((m) => m.items.length)).toEqual([...Array(9).fill(32), 12]);
      expect(xa.endOfRibs).toBe(1);
      expect(xa.problems).toEqual([]);
    });

    it('takes routes published as publish + collection pairs, with their attributes, and their withdrawals', async () => {
      const xa = await established('xa');
      memory.session.subscribe(RED);
      xa.subscribe(RED, 3);
      xa.publish(RED, [
        { prefix: '10.1.0.5/32', nextHop: '192.168.0.11', label: 25, encapsulations: ['gre', 'udp', 'native'], securityGroups: [8000001], sequence: 4, localPreference: 200 },
        { prefix: '2001:db8:1::5/128', nextHop: '192.168.0.11', label: 26 },
      ]);
      await until(() => memory.table(RED).size === 2, 'the routes at the other agent');
      expect(memory.table(RED).get('10.1.0.5/32')).toEqual([
        expect.objectContaining({
          agent: 'xa',
          nextHop: '192.168.0.11',
          label: 25,
          encapsulations: ['MPLSoGRE', 'MPLSoUDP'],
          securityGroups: [8000001],
          sequence: 4,
          localPreference: 200,
          originVrf: RED,
        }),
      ]);
      xa.withdraw(RED, ['10.1.0.5/32']);
      await until(() => !memory.table(RED).has('10.1.0.5/32'), 'the withdrawal');
      // Unsubscribing drops what the agent published there (§2).
      xa.unsubscribe(RED);
      await until(() => memory.table(RED).size === 0, 'the unsubscribe to drop its routes');
      expect(info('xa')!.subscriptions).toEqual([]);
    });

    it('acks each version once written, and under back-pressure holds control, which coalesces, until the socket drains', async () => {
      const xa = await established('xa');
      xa.subscribe(RED);
      await xa.waitFor((a) => a.endOfRibs === 1, 5000, 'the end-of-RIB');
      let view = info('xa')!;
      expect(view.lastSentVersion).toBeGreaterThan(0);
      expect(view.lastAckedVersion).toBe(view.lastSentVersion);

      const COUNT = 20_000;
      const prefixes = Array.from({ length: COUNT }, (_, i) => `10.${100 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}/32`);
      xa.socket.pause();
      memory.session.publish(RED, prefixes.map((p) => route(p, { label: 100 })));
      // The agent reads nothing: the socket buffers fill, writes report back-pressure, control stops sending.
      let last = -1;
      for (let polls = 0; polls < 100; polls++) {
        await sleep(150);
        const pending = info('xa')!.pendingRoutes;
        if (pending > 0 && pending === last) break;
        last = pending;
      }
      const heldBack = info('xa')!.pendingRoutes;
      expect(heldBack).toBeGreaterThan(0);
      memory.session.publish(RED, prefixes.map((p) => route(p, { label: 200 })));
      xa.socket.resume();
      await xa.waitFor((a) => a.table(RED).size === COUNT && [...a.table(RED).values()].every((i) => i.route.family === 'inet' && i.route.entry.nextHops[0]!.label === 200), 30_000, 'the latest labels');
      const itemsReceived = xa.routeMessages.reduce((sum, m) => sum + m.items.length, 0);
      // Coalesced: what waited went once, with its latest paths.
      expect(itemsReceived).toBeLessThan(2 * COUNT);
      view = info('xa')!;
      expect(view.lastAckedVersion).toBe(view.lastSentVersion);
      expect(view.pendingRoutes).toBe(0);
    }, 60_000);

    it('a dropped connection is held by graceful restart; the new session\'s end-of-RIB sweeps what it did not republish', async () => {
      const xa = await established('xa');
      memory.session.subscribe(RED);
      xa.subscribe(RED);
      xa.publish(RED, [
        { prefix: '10.1.0.5/32', nextHop: '192.168.0.11' },
        { prefix: '10.1.0.6/32', nextHop: '192.168.0.11' },
      ]);
      await until(() => memory.table(RED).size === 2, 'both routes');
      xa.destroy();
      await until(() => info('xa')?.state === 'held', 'the session to be held');
      await sleep(50);
      expect(memory.table(RED).size).toBe(2);
      expect(closedLines(/closed/).filter((l) => l.agent === 'xa').map((l) => l.category)).toEqual(['disconnected']);

      const again = await established('xa');
      again.subscribe(RED);
      again.publish(RED, [{ prefix: '10.1.0.5/32', nextHop: '192.168.0.11' }]);
      await sleep(50);
      expect(memory.table(RED).size).toBe(2);
      again.endOfRib();
      await until(() => memory.table(RED).size === 1, 'the sweep');
      expect([...memory.table(RED).keys()]).toEqual(['10.1.0.5/32']);
      expect(info('xa')).toMatchObject({ state: 'connected', protocol: 'xmpp' });
    });

    it('treats the agent\'s </stream:stream> as a drop (routes held), and takes the <message> end-of-RIB too', async () => {
      const xa = await established('xa');
      memory.session.subscribe(RED);
      xa.subscribe(RED);
      xa.publish(RED, [{ prefix: '10.1.0.7/32', nextHop: '192.168.0.11' }]);
      await until(() => memory.table(RED).size === 1, 'the route');
      xa.end();
      await xa.waitForClose();
      expect(closedLines(/closed the stream/)).toEqual([expect.objectContaining({ category: 'stream-closed', agent: 'xa' })]);
      await until(() => info('xa')?.state === 'held', 'the session to be held');
      expect(memory.table(RED).size).toBe(1);
      const again = await established('xa');
      again.subscribe(RED);
      again.endOfRib('message');
      await until(() => memory.table(RED).size === 0, 'the sweep after the <message> end-of-RIB');
    });
  });

  describe('config', () => {
    it('sends nothing before the config subscribe, then everything in blocks of ≤16 objects, then only what changed', async () => {
      const ports = ['pa1', 'pa2', 'pa3'].map((name, i) => {
        const port = world.port(name, red, hostBinding('xa'));
        world.instanceIp(`${name}-ip`, red, port, { instance_ip_address: `10.1.0.${10 + i}` });
        return port;
      });
      source.settle();
      const xa = await established('xa');
      xa.subscribe(RED);
      await xa.waitFor((a) => a.endOfRibs === 1, 5000, 'the end-of-RIB');
      await sleep(50);
      expect(xa.configMessages).toEqual([]);

      xa.configSubscribe();
      await xa.waitFor((a) => a.configOf('virtual-machine-interface').length === 3, 5000, 'the config');
      expect(xa.configOf('virtual-router').map((o) => o.kind === 'node' && o.name)).toEqual(['default-global-system-config:xa']);
      expect(xa.configOf('virtual-network').map((o) => o.kind === 'node' && o.name)).toEqual(['default-domain:default-project:red']);
      expect(xa.configOf('routing-instance').map((o) => o.kind === 'node' && o.name)).toEqual([RED]);
      expect(xa.configOf('instance-ip')).toHaveLength(3);
      expect(xa.configOf('link:virtual-router-virtual-machine-interface')).toHaveLength(3);
      expect(xa.configMessages.length).toBeGreaterThan(1);
      for (const message of xa.configMessages) {
        expect(message.blocks.reduce((n, b) => n + b.objects.length, 0)).toBeLessThanOrEqual(MAX_CONFIG_OBJECTS_PER_MESSAGE);
      }
      const sentAtStart = xa.configMessages.length;

      // A port on another network: only its objects travel.
      const extra = world.port('pb1', blue, hostBinding('xa'));
      world.instanceIp('pb1-ip', blue, extra, { instance_ip_address: '10.2.0.10' });
      source.settle();
      await xa.waitFor((a) => a.configOf('virtual-machine-interface').length === 4, 5000, 'the new port');
      const delta = xa.configMessages.slice(sentAtStart).flatMap((m) => m.blocks.flatMap((b) => b.objects.map((o) => (o.kind === 'node' ? `${b.op} ${o.type}` : `${b.op} link`))));
      expect(delta).not.toContain('update virtual-router');
      expect(delta).toEqual(expect.arrayContaining(['update virtual-machine-interface', 'update virtual-network', 'update routing-instance', 'update instance-ip']));
      expect(xa.configOf('routing-instance').map((o) => o.kind === 'node' && o.name).sort()).toEqual([BLUE, RED]);

      // Gone again: deletes.
      const beforeDelete = xa.configMessages.length;
      world.delete('instance-ip', world.state.uuidOf('instance-ip', ['pb1-ip'])!);
      world.delete('virtual-machine-interface', extra);
      source.settle();
      await xa.waitFor((a) => a.configOf('virtual-machine-interface').length === 3, 5000, 'the port to go');
      const deletes = xa.configMessages.slice(beforeDelete).flatMap((m) => m.blocks.filter((b) => b.op === 'delete'));
      expect(deletes.length).toBeGreaterThan(0);
      expect(xa.configOf('routing-instance').map((o) => o.kind === 'node' && o.name)).toEqual([RED]);

      // A second subscribe is ignored (§6), with a log line.
      xa.configSubscribe();
      await until(() => logs.some((l) => l.msg === 'xmpp config subscribe ignored: duplicate'), 'the duplicate to be logged');
      expect(ports).toHaveLength(3);
      expect(xa.problems).toEqual([]);
    });
  });

  describe('bad input: the bad session is closed or the bad item dropped, a healthy session goes on', () => {
    let healthy: XmppTestAgent;
    let round = 0;

    beforeEach(async () => {
      round = 0;
      healthy = await established('xb');
      healthy.subscribe(RED);
      await healthy.waitFor((a) => a.endOfRibs === 1, 5000, 'the healthy end-of-RIB');
    });

    afterEach(async () => {
      await stillHealthy();
    });

    async function stillHealthy(): Promise<void> {
      const prefix = `10.77.0.${++round}/32`;
      memory.session.publish(RED, [route(prefix)]);
      await healthy.waitFor((a) => a.table(RED).has(prefix), 5000, `${prefix} at the healthy agent`);
      expect(healthy.closed).toBe(false);
      expect(healthy.problems).toEqual([]);
    }

    it('malformed XML closes the session, saying why', async () => {
      const bad = await established('xa');
      bad.send('<iq type="set" from="xa" to="network-control@contrailsystems.com/bgp-peer"><pubsub></subscribe></iq>');
      await bad.waitForClose();
      expect(bad.streamClosed).toBe(true);
      expect(closedLines(/^malformed XML in <iq> from agent xa/)).toEqual([expect.objectContaining({ category: 'unreadable', level: 'warn' })]);
      await stillHealthy();
    });

    it('an unknown stanza is dropped with a log line, and the session goes on', async () => {
      const odd = await established('xa');
      odd.send('<iq type="set" from="xa" to="network-control@contrailsystems.com/bgp-peer"><pubsub xmlns="http://jabber.org/protocol/pubsub"><frobnicate node="x"/></pubsub></iq>');
      odd.send('<message from="xa" to="network-control@contrailsystems.com/bgp-peer"><body>hello</body></message>');
      odd.send('<iq type="get" from="xa" to="network-control@contrailsystems.com/bgp-peer"><ping/></iq>');
      await until(() => logs.filter((l) => l.msg === 'xmpp stanza dropped' && l.agent === 'xa').length === 3, 'three drops');
      const reasons = logs.filter((l) => l.msg === 'xmpp stanza dropped').map((l) => l.reason);
      expect(reasons).toEqual([
        expect.stringContaining('unknown pubsub action <frobnicate>'),
        expect.stringContaining('unknown message: no <event><items>'),
        expect.stringContaining('iq@type: "get" is not part of the dialect'),
      ]);
      odd.subscribe(RED);
      await odd.waitFor((a) => a.endOfRibs === 1, 5000, 'the end-of-RIB after the drops');
      expect(odd.closed).toBe(false);
    });

    it('a bad item is dropped naming its field; the rest of its publish is applied', async () => {
      const xa = await established('xa');
      memory.session.subscribe(RED);
      xa.subscribe(RED);
      const [goodPublish, collection] = encodeRoutePublish({ from: 'xa', vrf: RED, route: unicastRoute({ prefix: '10.1.0.8/32', nextHop: '192.168.0.11' }), op: 'associate' });
      const [badPublish] = encodeRoutePublish({ from: 'xa', vrf: RED, route: unicastRoute({ prefix: '10.1.0.9/32', nextHop: '192.168.0.11', label: 99 }), op: 'associate' });
      const badItem = /<item>[\s\S]*<\/item>/.exec(badPublish)![0].replace('<address>192.168.0.11</address>', '<address>192.168.0.300</address>');
      const both = goodPublish.replace('</publish>', `${badItem}\n</publish>`);
      xa.send(`${both}\n${collection}`);
      await until(() => memory.table(RED).has('10.1.0.8/32'), 'the good route');
      expect(memory.table(RED).has('10.1.0.9/32')).toBe(false);
      const dropped = logs.filter((l) => l.msg === 'xmpp stanza dropped' && l.agent === 'xa');
      expect(dropped).toEqual([expect.objectContaining({ reason: expect.stringMatching(/route item 1 in .*red:red \(inet\) dropped: .*entry\/next-hops\/next-hop\/address/) })]);
      expect(xa.closed).toBe(false);
    });

    it('an oversized stanza closes the session, saying why', async () => {
      const big = await established('xa');
      big.send(`<iq type="set" from="xa" to="network-control@contrailsystems.com/bgp-peer"><pubsub xmlns="http://jabber.org/protocol/pubsub">${'<x>y</x>'.repeat(10_000)}`);
      await big.waitForClose();
      expect(closedLines(/exceeds the maximum stanza size of 65536 bytes/)).toEqual([expect.objectContaining({ category: 'unreadable', agent: 'xa' })]);
    });

    it('a session whose every byte comes in its own read works', async () => {
      const slow = agent('xa', { header: false });
      await slow.connected;
      memory.session.subscribe(RED);
      const text = [
        encodeAgentStreamHeader('xa'),
        encodeVrfSubscribe({ from: 'xa', vrf: RED, instanceId: 2 }),
        ...encodeRoutePublish({ from: 'xa', vrf: RED, route: unicastRoute({ prefix: '10.1.0.20/32', nextHop: '192.168.0.11' }), op: 'associate' }),
      ].join('\n');
      const bytes = Buffer.from(text);
      for (let i = 0; i < bytes.length; i++) {
        slow.send(bytes.subarray(i, i + 1));
        await new Promise((resolve) => setImmediate(resolve));
      }
      await until(() => memory.table(RED).has('10.1.0.20/32'), 'the route sent byte by byte');
      await slow.waitFor((a) => a.endOfRibs === 1, 5000, 'the end-of-RIB');
      expect(slow.streamOpened).toBe(true);
      expect(bridge.counters.stanzasIn).toBeGreaterThanOrEqual(3);
    });

    it('random bytes close the session, before or after the header', async () => {
      const noisy = await established('xa');
      noisy.send(Buffer.concat([Buffer.from([0x01]), randomBytes(512)]));
      await noisy.waitForClose();
      expect(noisy.streamClosed).toBe(true);
      const early = agent('xc', { header: false });
      await early.connected;
      early.send(Buffer.concat([Buffer.from('x'), randomBytes(512)]));
      await early.waitForClose();
      expect(early.streamOpened).toBe(false);
      const unreadable = closedLines(/^unreadable stream from/);
      expect(unreadable.map((l) => [l.category, l.agent ?? l.address])).toEqual([
        ['unreadable', 'xa'],
        ['unreadable', '127.0.0.1'],
      ]);
      expect(unreadable[0]!.reason).toMatch(/unexpected byte 0x01 between stanzas|unexpected .* between stanzas/);
    });

    it('a subscribe to an unknown VRF is a logged notice, and the session goes on', async () => {
      const xa = await established('xa');
      xa.subscribe('no:such:vrf:here');
      xa.subscribe(RED);
      await until(() => logs.some((l) => l.msg === 'control notice for an xmpp agent' && l.code === 'unknown-vrf'), 'the notice');
      await xa.waitFor((a) => a.endOfRibs === 1, 5000, 'the end-of-RIB of the VRF that exists');
      expect(xa.closed).toBe(false);
    });

    it('a route in a VRF not subscribed closes the session, as TF does (§2)', async () => {
      const xa = await established('xa');
      xa.publish(RED, [{ prefix: '10.1.0.30/32', nextHop: '192.168.0.11' }]);
      await xa.waitForClose();
      expect(closedLines(/sent a route in .* without subscribing to it/)).toEqual([expect.objectContaining({ category: 'protocol', agent: 'xa' })]);
      expect(memory.table(RED).has('10.1.0.30/32')).toBe(false);
    });
  });
});
