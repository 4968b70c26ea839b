import { afterEach, describe, expect, it } from '@jest/globals';
import { FakeControl } from '../test/fake-control.js';
import { FakeReflector } from '../test/fake-reflector.js';
import { AgentFleet, FleetTimeoutError } from './fleet.js';
import { vrfName } from './sim-plan.js';

const RED = vrfName('red');
const stops: Array<() => void | Promise<void>> = [];

afterEach(async () => {
  for (const stop of stops.splice(0).reverse()) await stop();
});

async function reflector(known?: Set<string>): Promise<FakeReflector> {
  const r = await FakeReflector.start(known);
  stops.push(() => r.stop());
  return r;
}

function fleetOn(target: string, options: Partial<ConstructorParameters<typeof AgentFleet>[0]> = {}): AgentFleet {
  const fleet = new AgentFleet({ target, agents: 5, prefix: 't-', ...options });
  stops.push(() => fleet.closeAll());
  return fleet;
}

describe('AgentFleet', () => {
  it('names agents, gives them unique addresses, shares the channels and connects them all', async () => {
    const r = await reflector();
    const fleet = fleetOn(r.target, { channels: 2, connectConcurrency: 2, cluster: 'c1' });
    expect(fleet.agents.map((a) => [a.name, a.address])).toEqual([
      ['t-1', '10.255.0.1'],
      ['t-2', '10.255.0.2'],
      ['t-3', '10.255.0.3'],
      ['t-4', '10.255.0.4'],
      ['t-5', '10.255.0.5'],
    ]);
    expect(fleet.channelCount).toBe(2);
    const progress: number[] = [];
    const outcome = await fleet.connectAll(({ done }) => progress.push(done));
    expect(outcome).toMatchObject({ connected: 5, failed: [] });
    expect(progress).toEqual([1, 2, 3, 4, 5]);
    expect(r.control.sessions.map((s) => s.hello?.cluster)).toEqual(['c1', 'c1', 'c1', 'c1', 'c1']);
    expect(fleet.totals().connected).toBe(5);
  });

  it('reports the agents that could not connect', async () => {
    const gone = await FakeControl.start();
    gone.stop();
    const fleet = fleetOn(gone.target, { agents: 2 });
    const outcome = await fleet.connectAll();
    expect(outcome.connected).toBe(0);
    expect(outcome.failed.map((f) => f.name)).toEqual(['t-1', 't-2']);
    expect(outcome.failed[0]!.error.message).toContain('UNAVAILABLE');
  });

  it('waits until all are synced, and names those that are not', async () => {
    const r = await reflector(new Set([RED]));
    const fleet = fleetOn(r.target);
    await fleet.connectAll();
    for (const a of fleet.agents) a.subscribe(RED);
    await fleet.waitAllSynced(2000);
    fleet.agents[1]!.subscribe(vrfName('nowhere'));
    const error = await fleet.waitAllSynced(200).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FleetTimeoutError);
    expect((error as FleetTimeoutError).pending).toEqual(['t-2']);
    expect((error as Error).message).toBe('1 agent(s) not synced: t-2');
    expect(fleet.agents[1]!.notices.map((n) => n.code)).toEqual(['unknown-vrf']);
  });

  it('measures per-agent convergence from the commit to the ack that made the predicate hold', async () => {
    const r = await reflector();
    const fleet = fleetOn(r.target, { agentOptions: (i) => (i === 5 ? { ackDelayMs: 150 } : {}) });
    await fleet.connectAll();
    for (const a of fleet.agents) a.subscribe(RED);
    await fleet.waitAllSynced(2000);
    const before = fleet.totals();
    fleet.markCommit();
    fleet.agents.forEach((a, k) => a.publish(RED, [{ prefix: `10.1.1.${k + 1}/32`, label: 16 }]));
    const report = await fleet.waitConverged((a) => a.table(RED).size >= 5, 5000);
    expect(report.complete).toBe(true);
    expect(report.pending).toEqual([]);
    expect([...report.latencies.keys()].sort()).toEqual(['t-1', 't-2', 't-3', 't-4', 't-5']);
    expect(report.latencies.get('t-5')!).toBeGreaterThanOrEqual(145);
    expect(report.summary.count).toBe(5);
    expect(report.summary.max).toBe(report.latencies.get('t-5'));
    const totals = fleet.totals();
    expect(totals.routesHeld).toBe(25);
    expect(totals.publishedRoutes - before.publishedRoutes).toBe(5);
    expect(totals.anomalies).toBe(0);
    expect(fleet.memory().heapUsedPerAgent).toBeGreaterThan(0);
  });

  it('reports an incomplete convergence at the timeout instead of failing', async () => {
    const r = await reflector();
    const fleet = fleetOn(r.target, { agents: 2 });
    await fleet.connectAll();
    fleet.markCommit();
    const report = await fleet.waitConverged((a) => a.name === 't-1', 100);
    expect(report.complete).toBe(false);
    expect(report.pending).toEqual(['t-2']);
    expect(report.latencies.get('t-1')).toBe(0); // held before anything was sent
  });
});
