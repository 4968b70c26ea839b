import { encodeRoutePublish } from '#libs/xmpp';
import { provisioned, vrfOf } from '../../../../libs/routing/src/network/network-world.test.js';
import { ControlPlane, type ControlLimit, type ControlPlaneOptions } from '../control-plane/control-plane.js';
import { MAX_CONNECT_HOLD_MS, XmppBridge } from './xmpp-bridge.js';
import { unicastRoute, XmppTestAgent, type TestAgentOptions } from './xmpp-test-agent.test.js';
import { WorldSource } from '../control-plane/world-source.test.js';

// The XMPP bridge's side of the limits: XMPP_MAX_STANZA_BYTES, AGENT_MAX_SESSIONS_PER_ADDRESS and the pacing of new
// connections (AGENT_CONNECT_RATE), which the dialect cannot refuse with a "retry later" (§1.2): it holds them unread.

interface LogLine {
  level: string;
  msg: string;
  [field: string]: unknown;
}

const RED = vrfOf('red');

describe('XmppBridge limits', () => {
  let plane: ControlPlane;
  let bridge: XmppBridge;
  let logs: LogLine[];
  let hits: string[];
  let agents: XmppTestAgent[];

  async function start(planeOptions: Partial<ControlPlaneOptions>, maxStanzaBytes = 64 * 1024): Promise<void> {
    const world = provisioned();
    world.network('red');
    world.takeTouched();
    hits = [];
    logs = [];
    agents = [];
    plane = new ControlPlane(new WorldSource(world), { holdTimeMs: 60_000, window: 8, maxBatchRoutes: 64, onLimitHit: (l: ControlLimit) => hits.push(l), ...planeOptions });
    plane.start();
    bridge = new XmppBridge(plane, {
      port: 0,
      bindAddress: '127.0.0.1',
      maxStanzaBytes,
      closeGraceMs: 300,
      onLimitHit: (limit) => hits.push(limit),
      log: (level, msg, fields) => logs.push({ level, msg, ...fields }),
    });
    await bridge.listen();
  }

  function agent(name: string, options: Partial<TestAgentOptions> = {}): XmppTestAgent {
    const created = new XmppTestAgent(name, { port: bridge.port, ...options });
    agents.push(created);
    return created;
  }

  const closed = (category: string) => logs.filter((l) => l.msg === 'xmpp session closed' && l.category === category);

  afterEach(async () => {
    for (const a of agents) a.destroy();
    await bridge.stop();
    plane.shutdown();
  });

  describe('XMPP_MAX_STANZA_BYTES', () => {
    it('closes the session of a larger stanza with `</stream:stream>` and a reason naming the size and the setting', async () => {
      await start({}, 8192);
      const big = agent('big');
      const other = agent('other');
      await Promise.all([big.waitFor((a) => a.streamOpened), other.waitFor((a) => a.streamOpened)]);
      big.subscribe(RED, 1);
      other.subscribe(RED, 1);
      // A publish whose entry carries 10 kB of padding in an element the codec would not even read.
      const [publish] = encodeRoutePublish({ from: 'big', vrf: RED, route: unicastRoute({ prefix: '10.1.0.1/32', nextHop: '192.0.2.1' }), op: 'associate' });
      big.send(publish.replace('</item>', `<padding>${'x'.repeat(10_000)}</padding></item>`));
      await big.waitForClose();
      expect(big.streamClosed).toBe(true);
      expect(closed('unreadable')).toEqual([
        expect.objectContaining({
          agent: 'big',
          reason: expect.stringMatching(/^unreadable stream from agent big \(127\.0\.0\.1\): stanza of \d+ bytes or more exceeds the maximum stanza size of 8192 bytes \(XMPP_MAX_STANZA_BYTES\)$/),
        }),
      ]);
      expect(hits).toEqual(['xmpp_stanza_bytes']);
      // The other session goes on: a publish within the limit reaches the table.
      other.publish(RED, [{ prefix: '10.2.0.1/32', nextHop: '192.0.2.2' }]);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(plane.tables.bestPaths(RED, '10.2.0.1/32')).toHaveLength(1);
      expect(plane.tables.bestPaths(RED, '10.1.0.1/32')).toHaveLength(0);
      expect(other.closed).toBe(false);
    });
  });

  describe('AGENT_MAX_SESSIONS_PER_ADDRESS', () => {
    it('refuses a session over the limit from one address, unanswered, naming the limit; other addresses go on', async () => {
      await start({ maxSessionsPerAddress: 2 });
      const first = agent('a1', { localAddress: '127.0.0.2' });
      const second = agent('a2', { localAddress: '127.0.0.2' });
      await Promise.all([first.waitFor((a) => a.streamOpened), second.waitFor((a) => a.streamOpened)]);
      const third = agent('a3', { localAddress: '127.0.0.2' });
      await third.waitForClose();
      expect(third.streamOpened).toBe(false);
      expect(closed('refused')).toEqual([
        expect.objectContaining({
          address: '127.0.0.2',
          reason: 'agent a3 from 127.0.0.2 refused: too many agent sessions from 127.0.0.2: 2 are live, the limit is 2 (AGENT_MAX_SESSIONS_PER_ADDRESS)',
        }),
      ]);
      expect(hits).toEqual(['agent_sessions_per_address']);
      const elsewhere = agent('b1', { localAddress: '127.0.0.3' });
      await elsewhere.waitFor((a) => a.streamOpened);
      // The same agent reconnecting from its address replaces its session, limit or not.
      const again = agent('a1', { localAddress: '127.0.0.2' });
      await again.waitFor((a) => a.streamOpened);
      await first.waitForClose();
      expect(bridge.sessions).toBe(3);
    });
  });

  describe('AGENT_CONNECT_RATE', () => {
    it('holds new connections unread until their slot, then serves each: none is refused', async () => {
      await start({ connectRate: 20, connectBurst: 1 });
      const started = performance.now();
      const storm = ['s0', 's1', 's2', 's3'].map((name) => agent(name));
      const openedAt: number[] = [];
      await Promise.all(storm.map((a) => a.waitFor((x) => x.streamOpened).then(() => openedAt.push(performance.now() - started))));
      openedAt.sort((x, y) => x - y);
      // One at once, then one each 50 ms.
      expect(openedAt[0]!).toBeLessThan(100);
      expect(openedAt[3]!).toBeGreaterThanOrEqual(140);
      expect(bridge.sessions).toBe(4);
      expect(hits).toEqual(['agent_connect_rate', 'agent_connect_rate', 'agent_connect_rate']);
      expect(closed('paced')).toEqual([]);
      expect(bridge.closedByReason.get('paced')).toBeUndefined();
    });

    it(`closes unanswered a connection whose slot is more than ${MAX_CONNECT_HOLD_MS} ms away, and counts it`, async () => {
      await start({ connectRate: 1, connectBurst: 1 });
      const served = agent('first');
      await served.waitFor((a) => a.streamOpened);
      // Slots at 1 s, 2 s … 5 s are held; the sixth newcomer's is 6 s away.
      const held = ['h1', 'h2', 'h3', 'h4', 'h5'].map((name) => agent(name));
      await Promise.all(held.map((a) => a.connected));
      const late = agent('late');
      await late.waitForClose(2000);
      expect(late.streamOpened).toBe(false);
      expect(late.received).toEqual([]);
      expect(bridge.closedByReason.get('paced')).toBe(1);
      expect(held.every((a) => !a.closed && !a.streamOpened)).toBe(true);
      expect(bridge.connectionCount).toBe(1);
      // Stopping destroys the connections still held.
      await bridge.stop();
      await Promise.all(held.map((a) => a.waitForClose()));
    });
  });
});
