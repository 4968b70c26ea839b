import { afterEach, describe, expect, it } from '@jest/globals';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { FakeControl, type FakeSession } from '../test/fake-control.js';
import { SessionRefusedError, SimulatedAgent, type SimulatedAgentOptions } from './simulated-agent.js';

// Control paces new sessions (AGENT_CONNECT_RATE) with UNAVAILABLE and a retry-after-ms trailer: the agent comes back
// by itself after that long (a little more, at random), within pacedTimeoutMs.

const controls: FakeControl[] = [];
const agents: SimulatedAgent[] = [];

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close(200)));
  for (const c of controls.splice(0)) c.stop();
});

function pace(session: FakeSession, retryAfterMs: string): void {
  const trailer = new Metadata();
  trailer.set('retry-after-ms', retryAfterMs);
  session.ended = true;
  session.call.emit('error', { code: GrpcStatus.UNAVAILABLE, details: `paced: retry after ${retryAfterMs} ms`, metadata: trailer });
}

/** A control that paces the first `paced` Hellos (retry after `retryAfterMs`) and welcomes the next. */
async function pacingControl(paced: number, retryAfterMs = '40'): Promise<{ control: FakeControl; helloAt: number[] }> {
  const helloAt: number[] = [];
  const control = await FakeControl.start((session) => {
    helloAt.push(performance.now());
    if (helloAt.length <= paced) pace(session, retryAfterMs);
    else session.welcome();
  });
  controls.push(control);
  return { control, helloAt };
}

function agent(control: FakeControl, options: Partial<SimulatedAgentOptions> = {}): SimulatedAgent {
  const created = new SimulatedAgent({ target: control.target, name: 'vr-1', address: '10.255.0.1', ...options });
  agents.push(created);
  return created;
}

describe('SimulatedAgent: a paced Hello', () => {
  it('comes back after the wait control gave, no sooner, and is welcomed; no drop is reported', async () => {
    const { control, helloAt } = await pacingControl(2);
    const a = agent(control);
    const drops: unknown[] = [];
    a.on('disconnected', (status) => drops.push(status));
    const welcome = await a.connect();
    expect(welcome.sessionId).toBe('session-1');
    expect(a.connected).toBe(true);
    expect(a.pacedConnects).toBe(2);
    expect(helloAt).toHaveLength(3);
    for (let i = 1; i < helloAt.length; i++) expect(helloAt[i]! - helloAt[i - 1]!).toBeGreaterThanOrEqual(38);
    expect(drops).toEqual([]);
    expect(a.anomalies).toEqual([]);
  });

  it('gives up once pacedTimeoutMs would pass, with control\'s refusal and its wait', async () => {
    const { control } = await pacingControl(100, '300');
    const a = agent(control, { pacedTimeoutMs: 500 });
    const error = await a.connect().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SessionRefusedError);
    expect(error).toMatchObject({ code: GrpcStatus.UNAVAILABLE, retryAfterMs: 300, details: 'paced: retry after 300 ms' });
    expect(a.pacedConnects).toBe(1);
  });

  it('fails at once with pacedTimeoutMs 0, and never retries a refusal without the trailer', async () => {
    const { control } = await pacingControl(1);
    const error = await agent(control, { pacedTimeoutMs: 0 }).connect().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: GrpcStatus.UNAVAILABLE, retryAfterMs: 40 });

    const refusing = await FakeControl.start((session) => session.fail(GrpcStatus.UNAVAILABLE, 'the control service is shutting down'));
    controls.push(refusing);
    const plain = agent(refusing, { name: 'vr-2' });
    const refused = await plain.connect().catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: GrpcStatus.UNAVAILABLE, retryAfterMs: undefined });
    expect(refusing.sessions).toHaveLength(1);
  });

  it('stops coming back when closed while it waits', async () => {
    const { control, helloAt } = await pacingControl(100, '200');
    const a = agent(control);
    const connecting = a.connect().catch((e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 50));
    await a.close(100);
    expect(await connecting).toBeInstanceOf(SessionRefusedError);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(helloAt).toHaveLength(1);
  });
});
