import { provisioned, vrfOf, type World } from '../../../../libs/routing/src/network/network-world.test.js';
import { ControlPlane, HelloRefused, isLoopbackHost, type AgentSession, type ControlLimit, type ControlPlaneOptions, type SessionTransport } from './control-plane.js';
import type { RouteInput } from './route-input.js';
import type { SessionMessage } from './session-messages.js';
import { WorldSource } from './world-source.test.js';

// The control plane's limits (README, Configuration): AGENT_MAX_SESSIONS_PER_ADDRESS, AGENT_MAX_PENDING and
// AGENT_CONNECT_RATE / AGENT_CONNECT_BURST, each hit, its error read and everything else checked undisturbed.

/** An agent on an in-memory transport; it acks only when told to (a stuck agent by default). */
class Agent implements SessionTransport {
  readonly received: SessionMessage[] = [];
  ended: { code: string; message: string } | undefined;
  session!: AgentSession;
  sessionId = '';
  resumed = false;
  autoAck = false;
  send(message: SessionMessage): boolean {
    this.received.push(message);
    if (message.version > 0 && this.autoAck) queueMicrotask(() => this.session.ack(message.version));
    return true;
  }
  end(reason: { code: string; message: string }): void {
    this.ended = reason;
  }
  notices(): Array<Extract<SessionMessage, { kind: 'notice' }>> {
    return this.received.filter((m): m is Extract<SessionMessage, { kind: 'notice' }> => m.kind === 'notice');
  }
  prefixes(vrf: string): Set<string> {
    const held = new Set<string>();
    for (const m of this.received) {
      if (m.kind !== 'routes') continue;
      for (const u of m.updates) if (u.vrf === vrf) (u.paths.length > 0 ? held.add(u.prefix) : held.delete(u.prefix));
    }
    return held;
  }
}

const settled = async (): Promise<void> => {
  // Window 1: each message waits for the ack of the one before, a turn of the event loop each.
  for (let i = 0; i < 40; i++) await new Promise((resolve) => setImmediate(resolve));
};

const route = (prefix: string): RouteInput => ({ prefix, nextHop: '', label: 17, encapsulations: ['MPLSoUDP'], securityGroups: [], sequence: 0, localPreference: 0 });
const routes = (count: number, third = 9): RouteInput[] => Array.from({ length: count }, (_, i) => route(`10.${third}.${Math.floor(i / 250)}.${(i % 250) + 1}/32`));

describe('ControlPlane limits', () => {
  let world: World;
  let plane: ControlPlane;
  let hits: ControlLimit[];
  let logs: Array<{ level: string; message: string; fields?: Record<string, unknown> }>;
  let clock: number;
  const RED = vrfOf('red');

  function start(options: Partial<ControlPlaneOptions>): void {
    plane = new ControlPlane(new WorldSource(world), {
      holdTimeMs: 60_000,
      window: 1,
      maxBatchRoutes: 10,
      onLimitHit: (limit) => hits.push(limit),
      log: (level, message, fields) => logs.push({ level, message, fields }),
      now: () => clock,
      ...options,
    });
    plane.start();
  }

  function open(name: string, peerAddress: string | undefined, options: { resume?: Agent; agent?: Agent } = {}): Agent {
    const agent = options.agent ?? new Agent();
    const { session, welcome } = plane.open(
      {
        agentName: name,
        address: '10.0.0.1',
        cluster: '',
        resumeSessionId: options.resume?.sessionId ?? '',
        lastAckedVersion: 0,
        ...(peerAddress === undefined ? {} : { peerAddress }),
      },
      agent,
    );
    agent.session = session;
    agent.sessionId = welcome.sessionId;
    agent.resumed = welcome.resumed;
    return agent;
  }

  beforeEach(() => {
    world = provisioned();
    world.network('red');
    for (const name of ['a', 'b', 'c', 'd', 'pub', 'slow', 'fast']) world.virtualRouter(name);
    world.takeTouched();
    hits = [];
    logs = [];
    clock = 1_000_000;
  });

  afterEach(() => plane.shutdown());

  describe('sessions per source address (AGENT_MAX_SESSIONS_PER_ADDRESS)', () => {
    it('refuses one more live session from an address, naming the count, the limit and the setting', () => {
      start({ maxSessionsPerAddress: 2 });
      open('a', '192.0.2.7');
      open('b', '192.0.2.7');
      const refused = (): Agent => open('c', '192.0.2.7');
      expect(refused).toThrow(HelloRefused);
      expect(refused).toThrow('too many agent sessions from 192.0.2.7: 2 are live, the limit is 2 (AGENT_MAX_SESSIONS_PER_ADDRESS)');
      try {
        refused();
      } catch (error) {
        expect((error as HelloRefused).code).toBe('too-many-sessions');
      }
      expect(hits).toEqual(['agent_sessions_per_address', 'agent_sessions_per_address', 'agent_sessions_per_address']);
      expect(logs).toContainEqual({ level: 'warn', message: 'agent session refused: too many sessions from one address', fields: { address: '192.0.2.7', live: 2, limit: 2 } });
      // Nothing of the refused agent was kept; the others are as they were.
      expect(plane.agents().map((a) => [a.name, a.state])).toEqual([['a', 'connected'], ['b', 'connected']]);
    });

    it('counts per address: another address is not held back', () => {
      start({ maxSessionsPerAddress: 1 });
      open('a', '192.0.2.7');
      expect(() => open('b', '192.0.2.8')).not.toThrow();
      expect(() => open('c', '2001:db8::8')).not.toThrow();
      expect(hits).toEqual([]);
    });

    it('lets an agent at the limit replace its own session from the same address', () => {
      start({ maxSessionsPerAddress: 1 });
      const first = open('a', '192.0.2.7');
      const second = open('a', '192.0.2.7');
      expect(first.ended?.code).toBe('replaced');
      expect(second.ended).toBeUndefined();
      expect(plane.stats().agents).toBe(1);
      // From another address at its limit, the same name is one more session there.
      open('b', '192.0.2.9');
      expect(() => open('a', '192.0.2.9')).toThrow('too many agent sessions from 192.0.2.9');
    });

    it('frees a place when a session drops or ends, and counts a held session no more', () => {
      start({ maxSessionsPerAddress: 1 });
      const a = open('a', '192.0.2.7');
      a.session.closed();
      const b = open('b', '192.0.2.7');
      expect(plane.agents().find((x) => x.name === 'a')?.state).toBe('held');
      b.session.ended();
      expect(() => open('c', '192.0.2.7')).not.toThrow();
    });

    it('does not count 127.0.0.1 and ::1, where simulators and tests run their agents', () => {
      start({ maxSessionsPerAddress: 1 });
      for (const name of ['a', 'b', 'c']) open(name, '127.0.0.1');
      open('d', '::1');
      open('pub', '::1');
      expect(plane.stats().agents).toBe(5);
      expect(['127.0.0.1', '::1', '::ffff:127.0.0.1'].map(isLoopbackHost)).toEqual([true, true, true]);
      expect(['127.0.0.2', '10.0.0.1', '::2'].map(isLoopbackHost)).toEqual([false, false, false]);
    });

    it('counts loopback too when told to, and a session with no source address never', () => {
      start({ maxSessionsPerAddress: 1, exemptFromAddressLimit: () => false });
      open('a', '127.0.0.1');
      expect(() => open('b', '127.0.0.1')).toThrow('too many agent sessions from 127.0.0.1');
      open('c', undefined);
      open('d', undefined);
      expect(plane.stats().agents).toBe(3);
    });

    it('is checked by admit() too, before a connect token is spent; 0 means no limit', () => {
      start({ maxSessionsPerAddress: 1, connectRate: 1, connectBurst: 5 });
      open('a', '192.0.2.7');
      expect(() => plane.admit({ agentName: 'b', peerAddress: '192.0.2.7' })).toThrow('too many agent sessions from 192.0.2.7');
      expect(plane.connectTokens()).toBe(5);
      plane.shutdown();
      start({ maxSessionsPerAddress: 0 });
      for (const name of ['a', 'b', 'c', 'd']) open(name, '192.0.2.7');
      expect(plane.stats().agents).toBe(4);
    });
  });

  describe('route updates waiting for one agent (AGENT_MAX_PENDING)', () => {
    it('cuts off an agent that falls too far behind: a notice, the end of its session, and no resume', async () => {
      start({ maxPendingRoutes: 50 });
      const slow = open('slow', '192.0.2.1');
      const fast = open('fast', '192.0.2.2');
      fast.autoAck = true;
      const pub = open('pub', '192.0.2.3');
      slow.session.subscribe(RED);
      fast.session.subscribe(RED);
      await settled();
      pub.session.publish(RED, routes(40));
      await settled();
      expect(slow.ended).toBeUndefined();
      expect(plane.stats().maxPendingRoutes).toBe(40);
      pub.session.publish(RED, routes(20, 8));
      await settled();

      const message =
        'agent slow is too far behind: 51 route updates wait for it, more than the 50 allowed (AGENT_MAX_PENDING); ' +
        'its session ends, and its next one starts with a full resync';
      expect(slow.notices()).toEqual([{ version: 0, kind: 'notice', code: 'too-far-behind', message }]);
      expect(slow.ended).toEqual({ code: 'too-far-behind', message });
      expect(hits).toEqual(['agent_pending_routes']);
      expect(logs).toContainEqual({ level: 'warn', message: 'agent too far behind: session ended for a full resync', fields: { agent: 'slow', pending: 51, limit: 50 } });
      // Its queue is gone with the memory it held; the agent that keeps up has every route.
      expect(plane.stats().maxPendingRoutes).toBe(0);
      expect(fast.ended).toBeUndefined();
      expect(fast.prefixes(RED).size).toBe(60);
      // Held like any dropped agent (its routes stay, stale), but its session cannot be resumed: a full resync, which
      // goes through although the VRF is larger than the limit, because the agent takes it.
      expect(plane.agents().find((a) => a.name === 'slow')).toMatchObject({ state: 'held', subscriptions: [], pendingRoutes: 0 });
      const again = open('slow', '192.0.2.1', { resume: slow });
      expect(again.resumed).toBe(false);
      again.autoAck = true;
      again.session.subscribe(RED);
      await settled();
      expect(again.ended).toBeUndefined();
      expect(again.prefixes(RED).size).toBe(60);
      expect(again.received.find((m) => m.kind === 'config')).toMatchObject({ update: { full: true } });
    });

    it('keeps a cut-off agent\'s own routes for the hold time, as for any drop', async () => {
      start({ maxPendingRoutes: 5 });
      const slow = open('slow', '192.0.2.1');
      const fast = open('fast', '192.0.2.2');
      fast.autoAck = true;
      slow.session.publish(RED, [route('10.7.0.1/32')]);
      slow.session.subscribe(RED);
      fast.session.subscribe(RED);
      await settled();
      open('pub', '192.0.2.3').session.publish(RED, routes(10));
      await settled();
      expect(slow.ended?.code).toBe('too-far-behind');
      expect(fast.prefixes(RED).has('10.7.0.1/32')).toBe(true);
      expect(plane.tables.bestPaths(RED, '10.7.0.1/32').map((p) => p.stale)).toEqual([true]);
    });

    it('forgets the session of a held agent whose queue grows past the limit while it is away', async () => {
      start({ maxPendingRoutes: 30 });
      const away = open('slow', '192.0.2.1');
      away.session.subscribe(RED);
      await settled();
      away.session.closed();
      open('pub', '192.0.2.3').session.publish(RED, routes(31));
      await settled();
      expect(hits).toEqual(['agent_pending_routes']);
      expect(plane.agents().find((a) => a.name === 'slow')).toMatchObject({ state: 'held', pendingRoutes: 0, subscriptions: [] });
      expect(open('slow', '192.0.2.1', { resume: away }).resumed).toBe(false);
    });

    it('lets an agent that keeps taking have more waiting than the limit: a big full sync, a burst', async () => {
      start({ maxPendingRoutes: 10, window: 4 });
      open('pub', '192.0.2.3').session.publish(RED, routes(100));
      await settled();
      const late = open('slow', '192.0.2.1');
      late.autoAck = true;
      late.session.subscribe(RED);
      expect(plane.stats().maxPendingRoutes).toBe(100);
      await settled();
      expect(late.prefixes(RED).size).toBe(100);
      open('pub', '192.0.2.3').session.publish(RED, routes(50, 7));
      await settled();
      expect(late.prefixes(RED).size).toBe(150);
      expect(late.ended).toBeUndefined();
      expect(hits).toEqual([]);
    });

    it('cuts off an agent whose transport is full as one whose window is', async () => {
      start({ maxPendingRoutes: 10, window: 32 });
      const blocked = open('slow', '192.0.2.1');
      blocked.session.subscribe(RED);
      await settled();
      // The transport reports full and never drains.
      blocked.send = (message) => (blocked.received.push(message), false);
      const pub = open('pub', '192.0.2.3');
      pub.session.publish(RED, [route('10.6.0.1/32')]);
      await settled();
      pub.session.publish(RED, routes(11));
      await settled();
      expect(blocked.ended?.code).toBe('too-far-behind');
    });

    it('never cuts off with 0 (no limit)', async () => {
      start({ maxPendingRoutes: 0 });
      const agent = open('slow', '192.0.2.1');
      agent.session.subscribe(RED);
      open('pub', '192.0.2.3').session.publish(RED, routes(500));
      await settled();
      expect(agent.ended).toBeUndefined();
      // Nothing acked: its config is the one message out, every route waits.
      expect(plane.stats().maxPendingRoutes).toBe(500);
      expect(hits).toEqual([]);
    });
  });

  describe('new sessions a second (AGENT_CONNECT_RATE, AGENT_CONNECT_BURST)', () => {
    it('admits a burst, then tells newcomers when to come back, each its own slot, and counts them', () => {
      start({ connectRate: 10, connectBurst: 2 });
      expect([plane.admit({ agentName: 'a' }), plane.admit({ agentName: 'b' })]).toEqual([{ kind: 'now' }, { kind: 'now' }]);
      const c = plane.admit({ agentName: 'c' });
      expect(c).toEqual({
        kind: 'later',
        retryAfterMs: 100,
        message: 'new agent sessions are paced at 10 a second (AGENT_CONNECT_RATE, bursts of 2: AGENT_CONNECT_BURST): retry after 100 ms',
      });
      expect(plane.admit({ agentName: 'd' })).toMatchObject({ kind: 'later', retryAfterMs: 200 });
      expect(hits).toEqual(['agent_connect_rate', 'agent_connect_rate']);
      expect(plane.connectTokens()).toBeCloseTo(-2);
      clock += 100;
      expect(plane.admit({ agentName: 'c' })).toEqual({ kind: 'now' });
      clock += 100;
      expect(plane.admit({ agentName: 'd' })).toEqual({ kind: 'now' });
      expect(hits).toHaveLength(2);
    });

    it('holds when the edge can, and writes one log line a second at most while it paces', () => {
      start({ connectRate: 100, connectBurst: 1 });
      plane.admit({});
      expect(plane.admit({}, { holdUpToMs: 5000 })).toEqual({ kind: 'hold', waitMs: 10 });
      expect(plane.admit({}, { holdUpToMs: 5000 })).toEqual({ kind: 'hold', waitMs: 20 });
      clock += 1000;
      plane.admit({}, { holdUpToMs: 0 });
      plane.admit({}, { holdUpToMs: 0 });
      const lines = logs.filter((l) => l.message.startsWith('agent sessions paced'));
      expect(lines.map((l) => [l.level, l.fields?.paced])).toEqual([['info', 1], ['info', 2]]);
      expect(lines[0]!.message).toBe('agent sessions paced: new sessions come faster than AGENT_CONNECT_RATE');
    });

    it('does not pace with rate 0, and refuses every newcomer once shutting down', () => {
      start({});
      for (let i = 0; i < 100; i++) expect(plane.admit({ agentName: `x${i}` })).toEqual({ kind: 'now' });
      expect(plane.connectTokens()).toBeUndefined();
      plane.shutdown();
      expect(() => plane.admit({ agentName: 'late' })).toThrow('the control service is shutting down');
    });
  });
});
