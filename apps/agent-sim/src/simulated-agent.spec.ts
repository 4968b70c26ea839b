import { afterEach, describe, expect, it } from '@jest/globals';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { FakeControl, until, type FakeSession } from '../test/fake-control.js';
import { SessionRefusedError, SimulatedAgent, type SimulatedAgentOptions } from './simulated-agent.js';

const RED = 'default-domain:default-project:red:red';
const BLUE = 'default-domain:default-project:blue:blue';

const controls: FakeControl[] = [];
const agents: SimulatedAgent[] = [];

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close(200)));
  for (const c of controls.splice(0)) c.stop();
});

/** A fake control that welcomes every session, only the first one, or none at once; and one agent on it. */
async function setUp(options: Partial<SimulatedAgentOptions> = {}, welcome: 'all' | 'first' | 'none' = 'first'): Promise<{ control: FakeControl; agent: SimulatedAgent }> {
  let sessions = 0;
  const control = await FakeControl.start((s) => {
    if (welcome === 'all' || (welcome === 'first' && sessions === 0)) s.welcome();
    sessions += 1;
  });
  controls.push(control);
  const agent = new SimulatedAgent({ target: control.target, name: 'vr-1', address: '10.255.0.1', cluster: 'c1', ...options });
  agents.push(agent);
  return { control, agent };
}

function path(nextHop: string, label = 16) {
  return { nextHop, label, encapsulations: ['MPLSoUDP'], agent: `agent-${nextHop}`, originVrf: RED };
}

async function connected(options: Partial<SimulatedAgentOptions> = {}, welcome: 'all' | 'first' = 'first'): Promise<{ control: FakeControl; agent: SimulatedAgent; session: FakeSession }> {
  const { control, agent } = await setUp(options, welcome);
  await agent.connect();
  return { control, agent, session: await control.session(0) };
}

describe('SimulatedAgent: session start', () => {
  it('says Hello with its name, address and cluster and exposes the Welcome', async () => {
    const { agent, session } = await connected();
    expect(session.hello).toEqual({ agentName: 'vr-1', address: '10.255.0.1', cluster: 'c1', resumeSessionId: '', lastAckedVersion: 0 });
    expect(agent.connected).toBe(true);
    expect(agent.sessionId).toBe('session-1');
    expect(agent.resumed).toBe(false);
    expect(agent.lastWelcome?.window).toBe(64);
    expect(agent.synced).toBe(true); // nothing subscribed
  });

  it('rejects connect with the status when control ends the stream before Welcome', async () => {
    const { agent } = await setUp({}, 'none');
    const control = controls[0]!;
    const connecting = agent.connect();
    (await control.session(0)).fail(GrpcStatus.ALREADY_EXISTS, 'agent vr-1 already has a live session');
    const error = await connecting.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionRefusedError);
    expect((error as SessionRefusedError).code).toBe(GrpcStatus.ALREADY_EXISTS);
    expect((error as Error).message).toContain('ALREADY_EXISTS agent vr-1 already has a live session');
    expect(agent.connected).toBe(false);
  });

  it('gives up on a Welcome that does not come', async () => {
    const { agent } = await setUp({ connectTimeoutMs: 100 }, 'none');
    await expect(agent.connect()).rejects.toThrow('vr-1: no Welcome within 100 ms');
    await until(() => controls[0]!.sessions[0]?.cancelled === true, 2000, 'the stream to be cancelled');
  });
});

describe('SimulatedAgent: tables and acks', () => {
  it('applies route batches (no paths = withdraw), records EndOfRib and acks every version', async () => {
    const { agent, session } = await connected();
    agent.subscribe(RED);
    expect(await session.waitForMessage('subscribe')).toEqual([{ vrf: RED }]);
    expect(agent.synced).toBe(false);
    session.routes([
      { vrf: RED, prefix: '10.1.0.3/32', paths: [path('10.255.0.2')] },
      { vrf: RED, prefix: '10.1.0.4/32', paths: [path('10.255.0.2'), path('10.255.0.3', 17)] },
      { vrf: BLUE, prefix: '10.2.0.4/32', paths: [path('10.255.0.9')] },
    ]);
    session.routes([{ vrf: RED, prefix: '10.1.0.3/32', paths: [] }]);
    session.send({ $case: 'endOfRib', value: { vrf: RED } });
    await agent.waitForEndOfRib(RED, 2000);
    await session.waitForAck(3);

    expect([...agent.table(RED).keys()]).toEqual(['10.1.0.4/32']);
    expect(agent.table(RED).get('10.1.0.4/32')?.map((p) => [p.nextHop, p.label])).toEqual([['10.255.0.2', 16], ['10.255.0.3', 17]]);
    expect(agent.tables().has(BLUE)).toBe(false); // not subscribed: dropped
    expect(agent.synced).toBe(true);
    expect(session.acks()).toEqual([1, 2, 3]);
    expect(agent.ackedVersion).toBe(3);
    expect(agent.stats).toMatchObject({ messages: 3, routeUpdates: 3, withdrawals: 1, ignoredUpdates: 1, endOfRibs: 1, acks: 3 });
    expect(agent.ackedAt(2)! >= agent.receivedAt(2)!).toBe(true);
    expect(agent.anomalies).toEqual([]);
  });

  it('a new subscription needs its own EndOfRib; unsubscribe drops the table', async () => {
    const { agent, session } = await connected();
    agent.subscribe(RED);
    session.send({ $case: 'endOfRib', value: { vrf: RED } });
    await agent.waitForSynced(2000);
    agent.subscribe(BLUE);
    expect(agent.synced).toBe(false);
    agent.unsubscribe(BLUE);
    expect(await session.waitForMessage('unsubscribe')).toEqual([{ vrf: BLUE }]);
    expect(agent.synced).toBe(true);
    expect([...agent.tables().keys()]).toEqual([RED]);
  });

  it('with ackDelayMs acks each message that long after it arrived', async () => {
    const { agent, session } = await connected({ ackDelayMs: 150 });
    agent.subscribe(RED);
    session.routes([{ vrf: RED, prefix: '10.1.0.3/32', paths: [path('10.255.0.2')] }]);
    await agent.waitForVersion(1, 2000);
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(session.acks()).toEqual([]);
    await session.waitForAck(1, 2000);
    expect(agent.ackedAt(1)! - agent.receivedAt(1)!).toBeGreaterThanOrEqual(145);
  });

  it('with ackEvery acks the latest version every n messages, and a remainder after the flush time', async () => {
    const { agent, session } = await connected({ ackEvery: 3, ackFlushMs: 50 });
    for (let i = 0; i < 7; i++) session.send({ $case: 'notice', value: { code: 'bad-route', message: `n${i}` } });
    await agent.waitForVersion(7, 2000);
    await session.waitForAck(7, 2000);
    expect(session.acks()).toEqual([3, 6, 7]);
  });

  it('never waits for more acks than the window allows', async () => {
    const { control, agent } = await setUp({ ackEvery: 10, ackFlushMs: 10_000 }, 'none');
    const connecting = agent.connect();
    const session = await control.session(0);
    session.welcome({ window: 2 });
    await connecting;
    for (let i = 0; i < 4; i++) session.send({ $case: 'endOfRib', value: { vrf: RED } });
    await session.waitForAck(4, 2000);
    expect(session.acks()).toEqual([2, 4]);
  });

  it('records notices and protocol anomalies', async () => {
    const { agent, session } = await connected();
    session.send({ $case: 'notice', value: { code: 'unknown-vrf', message: 'no VRF x:y:z:z' } });
    const notice = await agent.waitForNotice('unknown-vrf', 2000);
    expect(notice).toMatchObject({ code: 'unknown-vrf', message: 'no VRF x:y:z:z', version: 1 });
    session.sendAt(5, { $case: 'endOfRib', value: { vrf: RED } });
    await agent.waitForVersion(5, 2000);
    expect(agent.anomalies).toEqual(['expected version 2, got 5 (endOfRib)']);
  });
});

describe('SimulatedAgent: config', () => {
  const iface = (uuid: string, ips: string[], vrf = RED) => ({ uuid, name: `default-domain:default-project:${uuid}`, ipAddresses: ips, vrf, securityGroups: [8000001] });

  it('applies a full config, then deltas by key, and a full one replaces everything', async () => {
    const { agent, session } = await connected();
    session.config({
      full: true,
      position: 10,
      virtualRouter: { uuid: 'vr', name: 'vr-1', address: '10.255.0.1' },
      interfaces: [iface('i1', ['10.1.0.3']), iface('i2', ['10.1.0.4'])],
      vrfs: [{ name: RED, networkId: 5 }],
      acls: [{ name: 'default-domain:default-project:red' }],
      securityGroups: [{ uuid: 'sg1', name: 'default', id: 8000001 }],
    });
    session.config({ position: 12, interfaces: [iface('i3', ['10.2.0.3'], BLUE)], removedInterfaces: ['i1'], vrfs: [{ name: BLUE }], removedAcls: ['default-domain:default-project:red'] });
    await agent.waitForVersion(2, 2000);
    const config = agent.config;
    expect(config.complete).toBe(true);
    expect(config.position).toBe(12);
    expect(config.virtualRouter?.name).toBe('vr-1');
    expect([...config.interfaces.keys()]).toEqual(['i2', 'i3']);
    expect([...config.vrfs.keys()]).toEqual([RED, BLUE]);
    expect(config.acls.size).toBe(0);
    expect([...config.securityGroups.keys()]).toEqual(['sg1']);

    session.config({ full: true, position: 20, vrfs: [{ name: BLUE }] });
    await agent.waitForVersion(3, 2000);
    expect(agent.config.interfaces.size).toBe(0);
    expect(agent.config.virtualRouter).toBeUndefined();
    expect([...agent.config.vrfs.keys()]).toEqual([BLUE]);
  });

  it('followConfig subscribes to the config VRFs, publishes interface host routes, then AgentEndOfRib', async () => {
    const { agent, session } = await connected({ followConfig: true });
    session.config({ full: true, position: 1, interfaces: [iface('i1', ['10.1.0.3', 'FD00::3']), iface('i2', ['10.1.0.4']), iface('i0', [])], vrfs: [{ name: RED }] });
    const published = await session.waitForMessage('publish', 1, 2000);
    expect(await session.waitForMessage('subscribe')).toEqual([{ vrf: RED }]);
    expect(published[0]!.vrf).toBe(RED);
    expect(published[0]!.routes.map((r) => [r.prefix, r.label, r.interface])).toEqual([
      ['10.1.0.3/32', 16, 'i1'],
      ['fd00::3/128', 16, 'i1'],
      ['10.1.0.4/32', 17, 'i2'],
    ]);
    expect(published[0]!.routes[0]).toMatchObject({ nextHop: '', encapsulations: ['MPLSoUDP', 'MPLSoGRE'], securityGroups: [8000001] });
    await session.waitForMessage('endOfRib', 1, 2000);

    session.config({ position: 2, removedInterfaces: ['i2', 'i0'], removedVrfs: [RED], interfaces: [iface('i1', ['10.2.0.3'], BLUE)] });
    expect(await session.waitForMessage('withdraw', 1, 2000)).toEqual([{ vrf: RED, prefixes: ['10.1.0.3/32', 'fd00::3/128', '10.1.0.4/32'] }]);
    const again = await session.waitForMessage('publish', 2, 2000);
    expect(again[1]!.routes.map((r) => [r.prefix, r.label])).toEqual([['10.2.0.3/32', 16]]); // i1 keeps its label
    expect(await session.waitForMessage('unsubscribe', 1, 2000)).toEqual([{ vrf: RED }]);
    expect([...agent.subscriptions]).toEqual([BLUE]);
    expect(session.messages('endOfRib')).toHaveLength(1); // once per session
  });
});

describe('SimulatedAgent: resume and reconnect', () => {
  async function heldSession() {
    const { control, agent, session } = await connected();
    agent.subscribe(RED);
    agent.publish(RED, [{ prefix: '10.1.0.9/32', label: 20 }]);
    session.routes([{ vrf: RED, prefix: '10.1.0.3/32', paths: [path('10.255.0.2')] }]);
    session.send({ $case: 'endOfRib', value: { vrf: RED } });
    session.config({ full: true, position: 7, vrfs: [{ name: RED }] });
    await session.waitForAck(3, 2000);
    await agent.disconnect();
    await until(() => session.cancelled, 2000, 'the server to see the cancel');
    expect(agent.connected).toBe(false);
    expect(agent.sessionId).toBe('session-1');
    return { control, agent };
  }

  it('resumes with the session id and last ack, keeps its tables and continues the versions', async () => {
    const { control, agent } = await heldSession();
    const connecting = agent.connect();
    const second = await control.session(1);
    expect(second.hello).toMatchObject({ resumeSessionId: 'session-1', lastAckedVersion: 3 });
    second.welcome({ resumed: true, resumedAfter: 3 });
    expect((await connecting).resumed).toBe(true);
    expect(agent.resumed).toBe(true);
    expect([...agent.table(RED).keys()]).toEqual(['10.1.0.3/32']);
    expect(agent.config.position).toBe(7);
    expect(agent.synced).toBe(true);
    second.routes([{ vrf: RED, prefix: '10.1.0.5/32', paths: [path('10.255.0.4')] }]);
    await second.waitForAck(4, 2000);
    expect(agent.table(RED).size).toBe(2);
    expect(second.messages('subscribe')).toEqual([]); // control still holds the subscription
    expect(second.messages('publish')).toEqual([]);
    expect(agent.anomalies).toEqual([]);
  });

  it('takes a first message after the resume numbered past what it received (control had sent more before the drop), once', async () => {
    const { control, agent } = await heldSession();
    const connecting = agent.connect();
    const second = await control.session(1);
    second.welcome({ resumed: true, resumedAfter: 3 });
    await connecting;
    // Version 4 was on its way when the stream dropped: control resends what it carried as version 5.
    second.version = 4;
    second.routes([{ vrf: RED, prefix: '10.1.0.5/32', paths: [path('10.255.0.4')] }]);
    await second.waitForAck(5, 2000);
    expect(agent.anomalies).toEqual([]);
    second.version = 6;
    second.routes([{ vrf: RED, prefix: '10.1.0.6/32', paths: [path('10.255.0.4')] }]);
    await second.waitForAck(7, 2000);
    expect(agent.anomalies).toEqual(['expected version 6, got 7 (routes)']);
  });

  it('starts over when control does not resume: clears tables and config, resubscribes, versions from 1', async () => {
    const { control, agent } = await heldSession();
    const reconnecting = agent.reconnect();
    const second = await control.session(1);
    second.welcome({ sessionId: 'session-2', resumed: false });
    await reconnecting;
    expect(agent.sessionId).toBe('session-2');
    expect(agent.tables().get(RED)?.size).toBe(0);
    expect(agent.config.complete).toBe(false);
    expect(agent.config.vrfs.size).toBe(0);
    expect(agent.synced).toBe(false);
    expect(await second.waitForMessage('subscribe')).toEqual([{ vrf: RED }]);
    expect(second.messages('publish')).toEqual([]); // no autoRepublish
    expect([...agent.stalePublished.get(RED)!.keys()]).toEqual(['10.1.0.9/32']);
    second.send({ $case: 'endOfRib', value: { vrf: RED } });
    await second.waitForAck(1, 2000);
    expect(agent.synced).toBe(true);
    expect(agent.anomalies).toEqual([]);
  });

  it('with autoRepublish republishes the old session routes and sends AgentEndOfRib', async () => {
    const control = await FakeControl.start();
    controls.push(control);
    const agent = new SimulatedAgent({ target: control.target, name: 'vr-2', address: '10.255.0.2', autoRepublish: true });
    agents.push(agent);
    const first = agent.connect();
    (await control.session(0)).welcome();
    await first;
    agent.publish(RED, [{ prefix: '10.1.0.9/32', label: 20 }, { prefix: '10.1.0.10/32', label: 21 }]);
    agent.withdraw(RED, ['10.1.0.10/32']);
    await agent.disconnect();
    const second = agent.connect();
    const session = await control.session(1);
    session.welcome({ sessionId: 'session-2' });
    await second;
    const published = await session.waitForMessage('publish', 1, 2000);
    expect(published.map((p) => [p.vrf, p.routes.map((r) => [r.prefix, r.label])])).toEqual([[RED, [['10.1.0.9/32', 20]]]]);
    await session.waitForMessage('endOfRib', 1, 2000);
    expect(agent.stalePublished.size).toBe(0);
    expect([...agent.published.get(RED)!.keys()]).toEqual(['10.1.0.9/32']);
  });

  it('close() half-closes, and the next connect starts a new session', async () => {
    const { control, agent, session } = await connected({}, 'all');
    await agent.close();
    expect(session.halfClosed).toBe(true);
    expect(session.cancelled).toBe(false);
    await agent.connect();
    expect((await control.session(1)).hello?.resumeSessionId).toBe('');
  });

  it('reports a stream control ends, and keeps the session for a resume', async () => {
    const { control, agent, session } = await connected({}, 'all');
    const disconnected = new Promise((resolve) => agent.once('disconnected', resolve));
    session.fail(GrpcStatus.UNAVAILABLE, 'control is shutting down');
    expect(await disconnected).toMatchObject({ code: GrpcStatus.UNAVAILABLE, details: 'control is shutting down' });
    expect(agent.connected).toBe(false);
    expect(() => agent.subscribe(RED)).toThrow('vr-1 is not connected');
    await agent.connect();
    expect((await control.session(1)).hello?.resumeSessionId).toBe('session-1');
  });

  it('waitFor names what it waited for and the state when it times out', async () => {
    const { agent } = await connected();
    await expect(agent.waitForVersion(9, 50)).rejects.toThrow('timed out after 50 ms waiting for vr-1: version 9 (connected true, version 0, acked 0, 0 routes)');
  });
});
