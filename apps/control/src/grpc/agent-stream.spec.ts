import { status as GrpcStatus, type ServerDuplexStream } from '@grpc/grpc-js';
import { SessionRefusedError, SimulatedAgent, type SimulatedAgentOptions } from '#apps/agent-sim';
import { GrpcServer } from '#libs/platform';
import type { agentProto } from '#libs/proto';
import { provisioned, vrfOf } from '../../../../libs/routing/src/network/network-world.test.js';
import { ControlPlane, type ControlLimit, type ControlPlaneOptions } from '../control-plane/control-plane.js';
import { AGENT_SERVICE_DEFINITION } from './agent-grpc.edge.js';
import { peerAddressOf, serveAgentStream } from './agent-stream.js';
import { WorldSource } from '../control-plane/world-source.test.js';

// AgentService over real gRPC on 127.0.0.1 with the control plane's limits: what an agent is told when it hits one.

const RED = vrfOf('red');
const prefixes = (count: number): Array<Partial<agentProto.Route>> =>
  Array.from({ length: count }, (_, i) => ({ prefix: `10.9.${Math.floor(i / 250)}.${(i % 250) + 1}/32`, label: 20, encapsulations: ['MPLSoUDP'] }));

describe('peerAddressOf', () => {
  it.each([
    ['10.0.0.7:51234', '10.0.0.7'],
    ['::1:51234', '::1'],
    ['[::1]:51234', '::1'],
    ['::ffff:192.0.2.9:40000', '192.0.2.9'],
    ['2001:DB8::5:443', '2001:db8::5'],
    ['unknown', undefined],
    ['10.0.0.7', undefined],
  ])('%s → %s', (peer, address) => {
    expect(peerAddressOf(peer)).toBe(address);
  });
});

describe('AgentService with limits', () => {
  let plane: ControlPlane;
  let server: GrpcServer;
  let target: string;
  let hits: ControlLimit[];
  const agents: SimulatedAgent[] = [];

  async function start(options: Partial<ControlPlaneOptions>): Promise<void> {
    const world = provisioned();
    world.network('red');
    for (let i = 0; i < 8; i++) world.virtualRouter(`vr-${i}`);
    world.takeTouched();
    hits = [];
    plane = new ControlPlane(new WorldSource(world), { holdTimeMs: 60_000, window: 1, maxBatchRoutes: 10, onLimitHit: (limit) => hits.push(limit), ...options });
    plane.start();
    server = new GrpcServer();
    server.addService(AGENT_SERVICE_DEFINITION, {
      session: (call: ServerDuplexStream<agentProto.AgentMessage, Buffer>) => serveAgentStream(call, plane),
    });
    target = `127.0.0.1:${await server.listen('127.0.0.1', 0)}`;
  }

  function agent(index: number, options: Partial<SimulatedAgentOptions> = {}): SimulatedAgent {
    const created = new SimulatedAgent({ target, name: `vr-${index}`, address: `192.0.2.${index + 1}`, ...options });
    agents.push(created);
    return created;
  }

  afterEach(async () => {
    await Promise.all(agents.splice(0).map((a) => a.close(200)));
    plane.shutdown();
    await server.shutdown(0);
  });

  it('refuses a session over AGENT_MAX_SESSIONS_PER_ADDRESS with RESOURCE_EXHAUSTED; the others go on', async () => {
    await start({ maxSessionsPerAddress: 2, exemptFromAddressLimit: () => false });
    const [a, b] = [agent(0), agent(1)];
    await a.connect();
    await b.connect();
    const error = await agent(2).connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionRefusedError);
    expect(error).toMatchObject({
      code: GrpcStatus.RESOURCE_EXHAUSTED,
      details: 'too many agent sessions from 127.0.0.1: 2 are live, the limit is 2 (AGENT_MAX_SESSIONS_PER_ADDRESS)',
    });
    expect(hits).toEqual(['agent_sessions_per_address']);
    b.subscribe(RED);
    a.publish(RED, prefixes(1));
    await b.waitFor((x) => x.table(RED).size === 1, 5000, 'the route of the agent beside it');
    expect(plane.agents().map((x) => x.name)).toEqual(['vr-0', 'vr-1']);
    // A place frees when one leaves.
    await a.close();
    await expect(agent(3).connect()).resolves.toMatchObject({ resumed: false });
  });

  it('paces a connect storm with UNAVAILABLE and a retry-after-ms trailer, and every agent gets in', async () => {
    await start({ connectRate: 20, connectBurst: 2 });
    const refused = await (async () => {
      const [first, second] = [agent(0), agent(1)];
      await Promise.all([first.connect(), second.connect()]);
      return agent(2, { pacedTimeoutMs: 0 }).connect().catch((e: unknown) => e);
    })();
    expect(refused).toMatchObject({ code: GrpcStatus.UNAVAILABLE, retryAfterMs: expect.any(Number) });
    const { retryAfterMs, details } = refused as SessionRefusedError;
    // A token every 50 ms, the bucket empty a moment ago.
    expect(retryAfterMs).toBeGreaterThan(0);
    expect(retryAfterMs).toBeLessThanOrEqual(50);
    expect(details).toBe(`new agent sessions are paced at 20 a second (AGENT_CONNECT_RATE, bursts of 2: AGENT_CONNECT_BURST): retry after ${retryAfterMs} ms`);
    const storm = [3, 4, 5, 6, 7].map((i) => agent(i));
    const started = performance.now();
    await Promise.all(storm.map((a) => a.connect()));
    expect(storm.every((a) => a.connected)).toBe(true);
    expect(storm.reduce((n, a) => n + a.pacedConnects, 0)).toBeGreaterThanOrEqual(5);
    // Five more at 20 a second (one slot kept for the agent that gave up), jitter included: well under two seconds.
    expect(performance.now() - started).toBeLessThan(2000);
    expect(hits.every((h) => h === 'agent_connect_rate')).toBe(true);
    expect(storm.flatMap((a) => a.anomalies)).toEqual([]);
  });

  it('ends the stream of an agent too far behind with RESOURCE_EXHAUSTED after a too-far-behind notice; it starts afresh', async () => {
    await start({ maxPendingRoutes: 20, window: 2 });
    // It acks nothing for a minute: its config and its end-of-RIB fill its window.
    const slow = agent(0, { ackDelayMs: 60_000 });
    const fast = agent(1);
    const publisher = agent(2);
    await Promise.all([slow.connect(), fast.connect(), publisher.connect()]);
    slow.subscribe(RED);
    fast.subscribe(RED);
    await Promise.all([slow.waitForEndOfRib(RED), fast.waitForEndOfRib(RED)]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    publisher.publish(RED, prefixes(30));
    await slow.waitFor((a) => !a.connected, 5000, 'control to end the session');
    const details = 'agent vr-0 is too far behind: 21 route updates wait for it, more than the 20 allowed (AGENT_MAX_PENDING); its session ends, and its next one starts with a full resync';
    expect(slow.lastStatus).toMatchObject({ code: GrpcStatus.RESOURCE_EXHAUSTED, details });
    expect(slow.notices).toEqual([expect.objectContaining({ code: 'too-far-behind', message: details })]);
    expect(hits).toEqual(['agent_pending_routes']);
    await fast.waitFor((a) => a.table(RED).size === 30, 5000, 'every route');
    expect(fast.connected).toBe(true);
    // Reconnecting asks to resume; control answers with a new session and a full sync of the 30 routes.
    const welcome = await slow.reconnect();
    expect(welcome.resumed).toBe(false);
    expect(plane.agents().map((a) => [a.name, a.state])).toEqual([['vr-0', 'connected'], ['vr-1', 'connected'], ['vr-2', 'connected']]);
  });
});
