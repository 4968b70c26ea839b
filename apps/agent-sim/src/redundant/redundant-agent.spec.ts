import { afterEach, describe, expect, it } from '@jest/globals';
import { FakeControl } from '../../test/fake-control.js';
import { FakeReflector } from '../../test/fake-reflector.js';
import { RedundantAgent, type RedundantAgentOptions } from './redundant-agent.js';

const RED = 'default-domain:default-project:red:red';
const FAST = { initialMs: 20, maxMs: 100 };

const reflectors: FakeReflector[] = [];
const agents: RedundantAgent[] = [];

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close(200)));
  for (const r of reflectors.splice(0)) r.stop();
});

async function reflector(port = 0): Promise<FakeReflector> {
  const r = await FakeReflector.start(undefined, port);
  reflectors.push(r);
  return r;
}

function agent(controls: string[], name: string, address: string, options: Partial<RedundantAgentOptions> = {}): RedundantAgent {
  const a = new RedundantAgent({ controls, name, address, backoff: FAST, ...options });
  agents.push(a);
  return a;
}

/** An address nothing listens on: a control that was there and stopped. */
async function goneTarget(): Promise<string> {
  const control = await FakeControl.start();
  control.stop();
  return control.target;
}

const portOf = (target: string): number => Number(target.split(':').at(-1));
const route = (prefix: string, label = 16) => ({ prefix, label, encapsulations: ['MPLSoUDP'] });

/** Two reflectors, and agents a and b with a session to each; a publishes 10.0.0.1 and b 10.0.0.2 into RED, then end-of-RIB. */
async function twoReplicas(): Promise<{ r1: FakeReflector; r2: FakeReflector; a: RedundantAgent; b: RedundantAgent }> {
  const r1 = await reflector();
  const r2 = await reflector();
  const a = agent([r1.target, r2.target], 'vr-a', '192.168.0.1');
  const b = agent([r1.target, r2.target], 'vr-b', '192.168.0.2');
  expect(await a.connect()).toBe(2);
  expect(await b.connect()).toBe(2);
  for (const x of [a, b]) x.subscribe(RED);
  a.publish(RED, [route('10.0.0.1/32')]);
  b.publish(RED, [route('10.0.0.2/32')]);
  for (const x of [a, b]) x.endOfRib();
  return { r1, r2, a, b };
}

describe('RedundantAgent', () => {
  it('holds one session per control replica under the same name and publishes its routes to each', async () => {
    const { r1, r2, a, b } = await twoReplicas();
    await b.waitFor((x) => x.sessions.every((s) => s.agent.table(RED).has('10.0.0.1/32')), 2000, 'a\'s route from both replicas');
    for (const r of [r1, r2]) {
      expect(r.control.sessions.map((s) => s.hello?.agentName).sort()).toEqual(['vr-a', 'vr-b']);
      const fromA = r.control.sessions.find((s) => s.hello?.agentName === 'vr-a')!;
      expect(fromA.messages('publish').flatMap((p) => p.routes.map((x) => x.prefix))).toEqual(['10.0.0.1/32']);
    }
    // Both replicas report the prefix: the agent holds it once.
    expect([...b.table(RED).keys()].sort()).toEqual(['10.0.0.1/32', '10.0.0.2/32']);
    expect(b.routeCount).toBe(2);
    expect(b.liveControls).toEqual([r1.target, r2.target]);
    expect(b.synced).toBe(true);
    expect(b.anomalies).toEqual([]);
  });

  it('keeps its routes from the other replica while one is gone, then reconnects and resyncs that one', async () => {
    const { r1, a, b } = await twoReplicas();
    await b.waitFor((x) => x.sessions.every((s) => s.agent.table(RED).has('10.0.0.1/32')), 2000, 'a\'s route from both replicas');
    const downs: string[] = [];
    b.on('session-down', (control) => downs.push(control));

    r1.stop();
    await b.waitFor((x) => x.liveControls.length === 1, 2000, 'the first replica to be gone');
    await a.waitFor((x) => x.liveControls.length === 1, 2000, 'the first replica to be gone');
    expect(downs).toEqual([r1.target]);
    expect(b.table(RED).has('10.0.0.1/32')).toBe(true);
    // Published while the first replica is away: it gets it once it is back.
    a.publish(RED, [route('10.0.0.3/32', 17)]);
    await b.waitFor((x) => x.table(RED).has('10.0.0.3/32'), 2000, 'the new route through the second replica');

    // Retries fail meanwhile (backoff from 20 ms): the session went down once.
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(downs).toEqual([r1.target]);
    const ups: string[] = [];
    b.on('session-up', (control) => ups.push(control));
    const back = await reflector(portOf(r1.target));
    await Promise.all([a, b].map((x) => x.waitFor((y) => y.liveControls.length === 2, 3000, 'the first replica again')));
    expect(ups).toEqual([r1.target]);
    const again = b.session(back.target);
    await b.waitFor(() => ['10.0.0.1/32', '10.0.0.3/32'].every((p) => again.table(RED).has(p)), 2000, 'a\'s routes from the replica that came back');
    expect(b.sessions.map((s) => s.reconnects)).toEqual([1, 0]);
    const republished = back.control.sessions.find((s) => s.hello?.agentName === 'vr-a')!;
    expect(republished.messages('publish').flatMap((p) => p.routes.map((x) => x.prefix)).sort()).toEqual(['10.0.0.1/32', '10.0.0.3/32']);
    expect(republished.messages('subscribe').map((s) => s.vrf)).toEqual([RED]);
    // A new session: end-of-RIB once everything is republished.
    const requests = republished.received.map((m) => m.body?.$case).filter((c) => c !== 'ack');
    expect(requests.at(-1)).toBe('endOfRib');
  });

  it('withdraws on every replica, and a withdraw made while a replica was away reaches it on its return', async () => {
    const { r1, a, b } = await twoReplicas();
    await b.waitFor((x) => x.sessions.every((s) => s.agent.table(RED).has('10.0.0.1/32')), 2000, 'a\'s route from both replicas');
    r1.stop();
    await a.waitFor((x) => x.liveControls.length === 1, 2000, 'the first replica to be gone');
    a.withdraw(RED, ['10.0.0.1/32']);
    const back = await reflector(portOf(r1.target));
    await a.waitFor((x) => x.liveControls.length === 2, 3000, 'the first replica again');
    const republished = back.control.sessions.find((s) => s.hello?.agentName === 'vr-a')!;
    expect(republished.messages('publish')).toEqual([]);
  });

  it('connects with the replicas that answer and keeps retrying the others until they are there', async () => {
    const r1 = await reflector();
    const gone = await goneTarget();
    const a = agent([r1.target, gone], 'vr-a', '192.168.0.1');
    expect(await a.connect()).toBe(1);
    expect(a.liveControls).toEqual([r1.target]);
    expect(a.sessions[1]!.lastError?.message).toContain('UNAVAILABLE');
    await reflector(portOf(gone));
    await a.waitFor((x) => x.liveControls.length === 2, 3000, 'the second replica to answer');
  });

  it('refuses to connect, naming each replica, when none answers', async () => {
    const [one, two] = [await goneTarget(), await goneTarget()];
    const a = agent([one, two], 'vr-a', '192.168.0.1');
    const error = (await a.connect().catch((e: unknown) => e)) as Error;
    expect(error.message).toContain(`vr-a: no control replica welcomed it (${one}: session ended before Welcome: UNAVAILABLE`);
    expect(error.message).toContain(`${two}: `);
    expect(a.connected).toBe(false);
  });

  it('refuses no endpoint and an endpoint listed twice', () => {
    expect(() => new RedundantAgent({ controls: [], name: 'vr-a', address: '192.168.0.1' })).toThrow('vr-a: no control endpoint');
    expect(() => new RedundantAgent({ controls: ['h:1', 'h:1'], name: 'vr-a', address: '192.168.0.1' })).toThrow('listed twice');
  });
});
