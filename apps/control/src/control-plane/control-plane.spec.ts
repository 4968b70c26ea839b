import type { RoutePath } from '#libs/routing';
import { provisioned, rule, vrfOf, type World } from '../../../../libs/routing/src/network/network-world.test.js';
import { ControlPlane, HelloRefused, type AgentSession, type SessionTransport } from './control-plane.js';
import type { RouteInput } from './route-input.js';
import type { SessionMessage } from './session-messages.js';
import { WorldSource } from './world-source.test.js';

/** The desired state of a World, updated by `settle()` the way the projection does after each run of events. */
/** An agent at the end of an in-memory transport: applies what control sends, acks when told to. */
class TestAgent implements SessionTransport {
  readonly received: SessionMessage[] = [];
  readonly tables = new Map<string, Map<string, RoutePath[]>>();
  ended: { code: string; message: string } | undefined;
  autoAck = true;
  session!: AgentSession;
  sessionId = '';
  lastAcked = 0;
  full = true;

  send(message: SessionMessage): boolean {
    this.received.push(message);
    if (message.kind === 'routes') {
      for (const update of message.updates) {
        let table = this.tables.get(update.vrf);
        if (!table) this.tables.set(update.vrf, (table = new Map()));
        if (update.paths.length === 0) table.delete(update.prefix);
        else table.set(update.prefix, update.paths.map((p) => ({ ...p })));
      }
    }
    if (message.version > 0 && this.autoAck) queueMicrotask(() => this.ack(message.version));
    return true;
  }

  end(reason: { code: 'replaced' | 'shutdown'; message: string }): void {
    this.ended = reason;
  }

  ack(version: number): void {
    this.lastAcked = Math.max(this.lastAcked, version);
    this.session.ack(version);
  }

  nextHops(vrf: string, prefix: string): string[] {
    return (this.tables.get(vrf)?.get(prefix) ?? []).map((p) => p.nextHop);
  }

  of<K extends SessionMessage['kind']>(kind: K): Array<Extract<SessionMessage, { kind: K }>> {
    return this.received.filter((m): m is Extract<SessionMessage, { kind: K }> => m.kind === kind);
  }
}

const settled = async (): Promise<void> => {
  for (let i = 0; i < 6; i++) await new Promise((resolve) => setImmediate(resolve));
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function route(prefix: string, extra: Partial<RouteInput> = {}): RouteInput {
  return { prefix, nextHop: '', label: 17, encapsulations: ['MPLSoUDP'], securityGroups: [], sequence: 0, localPreference: 0, ...extra };
}

function connect(plane: ControlPlane, name: string, address: string, options: { cluster?: string; resume?: TestAgent; agent?: TestAgent } = {}): TestAgent {
  const agent = options.agent ?? new TestAgent();
  const { session, welcome } = plane.open(
    {
      agentName: name,
      address,
      cluster: options.cluster ?? '',
      resumeSessionId: options.resume?.sessionId ?? '',
      lastAckedVersion: options.resume?.lastAcked ?? 0,
    },
    agent,
  );
  agent.session = session;
  agent.sessionId = welcome.sessionId;
  agent.full = !welcome.resumed;
  return agent;
}

describe('ControlPlane', () => {
  let world: World;
  let source: WorldSource;
  let plane: ControlPlane;
  let red: string;
  let blue: string;

  beforeEach(() => {
    world = provisioned();
    red = world.network('red');
    blue = world.network('blue');
    world.virtualRouter('vr-a');
    world.virtualRouter('vr-b');
    world.takeTouched();
    source = new WorldSource(world);
    plane = new ControlPlane(source, { holdTimeMs: 60_000, window: 4, maxBatchRoutes: 2 });
    plane.start();
  });

  afterEach(() => plane.shutdown());

  describe('hello', () => {
    it.each([
      [{ agentName: '', address: '10.0.0.1' }, 'hello.agent_name is empty'],
      [{ agentName: 'a b', address: '10.0.0.1' }, /not a virtual-router name/],
      [{ agentName: 'vr-a', address: 'not-an-ip' }, 'hello.address must be the vRouter\'s IP address, got "not-an-ip"'],
      [{ agentName: 'vr-a', address: '10.0.0.1', cluster: 'x'.repeat(64) }, /longer than 63 characters/],
    ])('refuses %j', (hello, message) => {
      const open = () => plane.open({ cluster: '', resumeSessionId: '', lastAckedVersion: 0, ...hello }, new TestAgent());
      expect(open).toThrow(HelloRefused);
      expect(open).toThrow(message);
      expect(plane.stats().agents).toBe(0);
    });

    it('refuses an agent whose cluster contradicts its virtual-router', () => {
      const cluster = world.create('cluster', { fq_name: ['default-global-system-config', 'east'], parent_type: 'global-system-config' });
      world.virtualRouter('vr-east', { cluster_refs: [{ uuid: cluster }] });
      source.settle();
      expect(() => connect(plane, 'vr-east', '10.0.0.9', { cluster: 'west' })).toThrow(
        'virtual-router vr-east belongs to cluster east, but the agent says it runs in west',
      );
      expect(() => connect(plane, 'vr-east', '10.0.0.9', { cluster: 'east' })).not.toThrow();
    });

    it('welcomes a new agent with a full config first', async () => {
      const port = world.port('p1', red, { virtual_machine_interface_bindings: { key_value_pair: [{ key: 'host_id', value: 'vr-a' }] } });
      world.instanceIp('ip1', red, port);
      source.settle();
      const agent = connect(plane, 'vr-a', '10.0.0.1');
      await settled();
      const [config] = agent.of('config');
      expect(config.version).toBe(1);
      expect(config.update.full).toBe(true);
      expect(config.update.virtualRouter?.name).toBe('vr-a');
      expect(config.update.interfaces.map((i) => [i.uuid, i.vrf, i.ipAddresses])).toEqual([[port, vrfOf('red'), ['10.1.0.252']]]);
      expect(config.update.vrfs.map((v) => v.name)).toEqual([vrfOf('red')]);
    });
  });

  describe('routes', () => {
    it('sends a subscriber its VRF, then end-of-RIB, and what other agents publish', async () => {
      const a = connect(plane, 'vr-a', '10.0.0.1');
      const b = connect(plane, 'vr-b', '10.0.0.2');
      a.session.publish(vrfOf('red'), [route('10.1.0.3/32'), route('10.1.0.4/32')]);
      await settled();
      b.session.subscribe(vrfOf('red'));
      await settled();
      expect([...b.tables.get(vrfOf('red'))!.keys()].sort()).toEqual(['10.1.0.3/32', '10.1.0.4/32']);
      const eor = b.received.findIndex((m) => m.kind === 'end-of-rib');
      expect(eor).toBeGreaterThan(b.received.findLastIndex((m) => m.kind === 'routes'));
      a.session.publish(vrfOf('red'), [route('10.1.0.5/32', { nextHop: '10.0.0.11' })]);
      await settled();
      expect(b.nextHops(vrfOf('red'), '10.1.0.5/32')).toEqual(['10.0.0.11']);
      a.session.withdraw(vrfOf('red'), ['10.1.0.3/32']);
      await settled();
      expect(b.tables.get(vrfOf('red'))!.has('10.1.0.3/32')).toBe(false);
      expect(b.tables.has(vrfOf('blue'))).toBe(false);
    });

    it('leaks routes both ways once a policy is on both networks, and withdraws them when one lets go', async () => {
      const a = connect(plane, 'vr-a', '10.0.0.1');
      const b = connect(plane, 'vr-b', '10.0.0.2');
      a.session.subscribe(vrfOf('red'));
      b.session.subscribe(vrfOf('blue'));
      a.session.publish(vrfOf('red'), [route('10.1.0.3/32')]);
      b.session.publish(vrfOf('blue'), [route('10.2.0.3/32')]);
      await settled();
      expect(a.tables.get(vrfOf('red'))!.has('10.2.0.3/32')).toBe(false);

      const policy = world.policy('red-blue', [rule('default-domain:default-project:red', 'default-domain:default-project:blue')]);
      world.update('virtual-network', red, { network_policy_refs: [{ uuid: policy, attr: { sequence: { major: 0, minor: 0 } } }] });
      source.settle();
      await settled();
      expect(a.tables.get(vrfOf('red'))!.has('10.2.0.3/32')).toBe(false);

      world.update('virtual-network', blue, { network_policy_refs: [{ uuid: policy, attr: { sequence: { major: 0, minor: 0 } } }] });
      source.settle();
      await settled();
      expect(a.nextHops(vrfOf('red'), '10.2.0.3/32')).toEqual(['10.0.0.2']);
      expect(b.nextHops(vrfOf('blue'), '10.1.0.3/32')).toEqual(['10.0.0.1']);
      expect(a.tables.get(vrfOf('red'))!.get('10.2.0.3/32')![0].originVrf).toBe(vrfOf('blue'));

      world.update('virtual-network', blue, { network_policy_refs: [] });
      source.settle();
      await settled();
      expect(a.tables.get(vrfOf('red'))!.has('10.2.0.3/32')).toBe(false);
      expect(b.tables.get(vrfOf('blue'))!.has('10.1.0.3/32')).toBe(false);
    });

    it('withdraws a VRF whose network is deleted', async () => {
      const a = connect(plane, 'vr-a', '10.0.0.1');
      a.session.subscribe(vrfOf('blue'));
      a.session.publish(vrfOf('blue'), [route('10.2.0.3/32')]);
      await settled();
      expect(a.tables.get(vrfOf('blue'))!.size).toBe(1);
      world.delete('virtual-network', blue);
      source.settle();
      await settled();
      expect(a.tables.get(vrfOf('blue'))!.size).toBe(0);
      expect(plane.tables.hasVrf(vrfOf('blue'))).toBe(false);
    });

    it('answers bad requests with a notice and applies nothing of them', async () => {
      const a = connect(plane, 'vr-a', '10.0.0.1');
      const b = connect(plane, 'vr-b', '10.0.0.2');
      b.session.subscribe(vrfOf('red'));
      await settled();
      a.session.subscribe('no:such:vrf');
      a.session.publish('no:such:vrf', [route('10.9.0.1/32')]);
      a.session.publish(vrfOf('red'), [route('10.1.0.3/32'), route('10.1.0.300/32')]);
      a.session.publish(vrfOf('red'), [route('10.1.0.4/32', { encapsulations: ['MPLSoCarrierPigeon'] })]);
      a.session.publish(vrfOf('red'), [route('10.1.0.4/32', { label: 2 ** 24 })]);
      a.session.publish(vrfOf('red'), [route('10.1.0.4/32', { nextHop: 'gateway' })]);
      a.session.withdraw(vrfOf('red'), ['10.1.0/33']);
      a.session.unsubscribe(vrfOf('blue'));
      a.session.ack(999);
      await settled();
      expect(a.of('notice').map((n) => [n.code, n.message])).toEqual([
        ['unknown-vrf', 'subscribe: no VRF named "no:such:vrf"'],
        ['unknown-vrf', 'publish: no VRF named "no:such:vrf"; nothing was published'],
        ['bad-route', expect.stringMatching(/^publish to default-domain:default-project:red:red: route 1 \("10\.1\.0\.300\/32"\): .+; nothing was published$/)],
        ['bad-route', expect.stringContaining('unknown encapsulation "MPLSoCarrierPigeon" (known: MPLSoUDP, MPLSoGRE, VXLAN)')],
        ['bad-route', expect.stringContaining('label must be an integer from 0 to 16777215, got 16777216')],
        ['bad-route', expect.stringContaining('next_hop must be an IP address, got "gateway"')],
        ['bad-route', expect.stringMatching(/^withdraw from .+: .+; nothing was withdrawn$/)],
        ['not-subscribed', `unsubscribe: not subscribed to "${vrfOf('blue')}"`],
        ['bad-ack', expect.stringContaining('999')],
      ]);
      expect(b.tables.get(vrfOf('red'))?.size ?? 0).toBe(0);
      expect(plane.tables.pathCount()).toBe(0);
    });
  });

  describe('sessions', () => {
    it('holds a dropped agent\'s routes as stale and withdraws them when the hold time ends', async () => {
      plane.shutdown();
      plane = new ControlPlane(source, { holdTimeMs: 150, window: 4, maxBatchRoutes: 64 });
      plane.start();
      const a = connect(plane, 'vr-a', '10.0.0.1');
      const b = connect(plane, 'vr-b', '10.0.0.2');
      b.session.subscribe(vrfOf('red'));
      a.session.publish(vrfOf('red'), [route('10.1.0.3/32')]);
      await settled();
      a.session.closed();
      await sleep(60);
      expect(b.nextHops(vrfOf('red'), '10.1.0.3/32')).toEqual(['10.0.0.1']);
      expect(plane.stats()).toMatchObject({ agents: 1, held: 1 });
      await sleep(200);
      await settled();
      expect(b.tables.get(vrfOf('red'))!.has('10.1.0.3/32')).toBe(false);
      expect(plane.stats()).toMatchObject({ agents: 1, held: 0, paths: 0 });
    });

    it('resumes within the hold time: nothing withdrawn, only what changed meanwhile is sent', async () => {
      const a = connect(plane, 'vr-a', '10.0.0.1');
      const b = connect(plane, 'vr-b', '10.0.0.2');
      a.session.subscribe(vrfOf('red'));
      b.session.subscribe(vrfOf('red'));
      a.session.publish(vrfOf('red'), [route('10.1.0.3/32')]);
      b.session.publish(vrfOf('red'), [route('10.1.0.4/32')]);
      await settled();
      const before = b.received.length;
      a.session.closed();
      b.session.publish(vrfOf('red'), [route('10.1.0.5/32')]);
      await settled();
      const again = connect(plane, 'vr-a', '10.0.0.1', { resume: a, agent: a });
      await settled();
      expect(again.full).toBe(false);
      // Only the route published while it was away; no config, no end-of-RIB, no resync of the rest.
      const afterResume = a.received.slice(a.received.findIndex((m) => m.version > a.lastAcked && m.kind === 'routes'));
      expect(afterResume.flatMap((m) => (m.kind === 'routes' ? m.updates.map((u) => u.prefix) : [m.kind]))).toEqual(['10.1.0.5/32']);
      expect([...a.tables.get(vrfOf('red'))!.keys()].sort()).toEqual(['10.1.0.3/32', '10.1.0.4/32', '10.1.0.5/32']);
      // B saw nothing of A's routes move.
      expect(b.received.slice(before).flatMap((m) => (m.kind === 'routes' ? m.updates.map((u) => u.prefix) : []))).toEqual(['10.1.0.5/32']);
      expect(plane.counters.sessionsResumed).toBe(1);
    });

    it('a new session after a drop republishes, and its end-of-RIB sweeps only what it did not republish', async () => {
      const a = connect(plane, 'vr-a', '10.0.0.1');
      const b = connect(plane, 'vr-b', '10.0.0.2');
      b.session.subscribe(vrfOf('red'));
      a.session.publish(vrfOf('red'), [route('10.1.0.3/32'), route('10.1.0.4/32')]);
      await settled();
      a.session.closed();
      const restarted = connect(plane, 'vr-a', '10.0.0.1');
      expect(restarted.full).toBe(true);
      restarted.session.publish(vrfOf('red'), [route('10.1.0.3/32')]);
      await settled();
      const before = b.received.length;
      expect([...b.tables.get(vrfOf('red'))!.keys()].sort()).toEqual(['10.1.0.3/32', '10.1.0.4/32']);
      restarted.session.endOfRib();
      await settled();
      expect([...b.tables.get(vrfOf('red'))!.keys()]).toEqual(['10.1.0.3/32']);
      expect(b.received.slice(before).flatMap((m) => (m.kind === 'routes' ? m.updates.map((u) => [u.prefix, u.paths.length]) : []))).toEqual([['10.1.0.4/32', 0]]);
    });

    it('a restart interrupted by a drop and a resume still sweeps what it did not republish', async () => {
      const a = connect(plane, 'vr-a', '10.0.0.1');
      const b = connect(plane, 'vr-b', '10.0.0.2');
      b.session.subscribe(vrfOf('red'));
      a.session.publish(vrfOf('red'), [route('10.1.0.3/32'), route('10.1.0.4/32')]);
      await settled();
      a.session.closed();
      const restarted = connect(plane, 'vr-a', '10.0.0.1');
      restarted.session.publish(vrfOf('red'), [route('10.1.0.3/32')]);
      await settled();
      restarted.session.closed();
      const resumed = connect(plane, 'vr-a', '10.0.0.1', { resume: restarted, agent: restarted });
      expect(resumed.full).toBe(false);
      resumed.session.endOfRib();
      await settled();
      expect([...b.tables.get(vrfOf('red'))!.keys()]).toEqual(['10.1.0.3/32']);
      expect(plane.tables.pathCount()).toBe(1);
    });

    it('a new session of a connected agent replaces the old one', async () => {
      const first = connect(plane, 'vr-a', '10.0.0.1');
      const second = connect(plane, 'vr-a', '10.0.0.1');
      expect(first.ended).toEqual({ code: 'replaced', message: 'a new session of vr-a from 10.0.0.1 took over' });
      first.session.publish(vrfOf('red'), [route('10.1.0.3/32')]);
      expect(plane.tables.pathCount()).toBe(0);
      second.session.publish(vrfOf('red'), [route('10.1.0.3/32')]);
      expect(plane.tables.pathCount()).toBe(1);
      expect(plane.stats().agents).toBe(1);
    });

    it('pushes config changes as deltas', async () => {
      const a = connect(plane, 'vr-a', '10.0.0.1');
      await settled();
      const machine = world.machine('vm-1');
      world.update('virtual-router', world.state.uuidOf('virtual-router', ['default-global-system-config', 'vr-a'])!, { virtual_machine_refs: [{ uuid: machine }] });
      const port = world.port('p1', blue, { virtual_machine_refs: [{ uuid: machine }] });
      source.settle();
      await settled();
      const delta = a.of('config').at(-1)!.update;
      expect(delta.full).toBe(false);
      expect(delta.interfaces.map((i) => i.uuid)).toEqual([port]);
      expect(delta.vrfs.map((v) => v.name)).toEqual([vrfOf('blue')]);
      world.delete('virtual-machine-interface', port);
      source.settle();
      await settled();
      expect(a.of('config').at(-1)!.update).toMatchObject({ full: false, interfaces: [], removedInterfaces: [port], removedVrfs: [vrfOf('blue')] });
    });

    it('a slow agent holds at most a window of messages and one entry per prefix; the others keep up', async () => {
      const slow = connect(plane, 'vr-a', '10.0.0.1');
      slow.autoAck = false;
      const fast = connect(plane, 'vr-b', '10.0.0.2');
      slow.session.subscribe(vrfOf('red'));
      fast.session.subscribe(vrfOf('red'));
      const publisher = connect(plane, 'vr-c', '10.0.0.3');
      await settled();
      for (let round = 0; round < 50; round++) {
        publisher.session.publish(vrfOf('red'), Array.from({ length: 20 }, (_, i) => route(`10.1.0.${i + 1}/32`, { label: 100 + round })));
        await settled();
      }
      expect(plane.agents().find((a) => a.name === 'vr-a')).toMatchObject({ pendingRoutes: 20 });
      expect(slow.received.filter((m) => m.version > 0)).toHaveLength(4);
      expect(fast.tables.get(vrfOf('red'))!.get('10.1.0.7/32')![0].label).toBe(149);
      slow.autoAck = true;
      slow.ack(slow.received.at(-1)!.version);
      for (let i = 0; i < 30; i++) await settled();
      expect(slow.tables.get(vrfOf('red'))!.get('10.1.0.7/32')![0].label).toBe(149);
      expect(plane.stats().pendingRoutes).toBe(0);
    });

    it('shutdown ends every session', () => {
      const a = connect(plane, 'vr-a', '10.0.0.1');
      plane.shutdown();
      expect(a.ended?.code).toBe('shutdown');
      expect(() => connect(plane, 'vr-b', '10.0.0.2')).toThrow('the control service is shutting down');
    });
  });
});
