// runSim with --proto xmpp against an in-test reflecting control: it answers headers, keeps subscriptions, sends one
// end-of-RIB per session once the agent's first subscribes arrived (as TF and the bridge do), and pushes every
// published route to every subscriber of its VRF in 32-item messages.
import { afterEach, describe, expect, it } from '@jest/globals';
import { encodeControlEndOfRib, encodeRouteUpdates, PublishPairer, type PushUpdate } from '#libs/xmpp';
import { parseSimArgs, type SimArgs } from '../cli-args.js';
import { runSim } from '../run-sim.js';
import type { SimReport } from '../sim-report.js';
import { FakeXmppControl, type FakeXmppSession } from './fake-xmpp-control.test.js';
import { XmppFleet } from './xmpp-fleet.js';

/** Turns the fake into a reflector: polls every session for new stanzas and acts on them. */
function reflect(control: FakeXmppControl): () => void {
  const seen = new Map<FakeXmppSession, number>();
  const pairers = new Map<FakeXmppSession, PublishPairer>();
  const subscribers = new Map<string, Set<FakeXmppSession>>();
  const tables = new Map<string, Map<string, PushUpdate>>();
  const eorSent = new Set<FakeXmppSession>();
  const timer = setInterval(() => {
    for (const session of control.sessions) {
      if (!session.header) continue;
      const from = seen.get(session) ?? 0;
      const fresh = session.stanzas.slice(from);
      seen.set(session, session.stanzas.length);
      let pairer = pairers.get(session);
      if (!pairer) pairers.set(session, (pairer = new PublishPairer()));
      let subscribed = false;
      for (const { stanza } of fresh) {
        if (stanza?.kind === 'vrf-subscribe') {
          subscribed = true;
          let set = subscribers.get(stanza.vrf);
          if (!set) subscribers.set(stanza.vrf, (set = new Set()));
          set.add(session);
          const table = tables.get(stanza.vrf);
          if (table && table.size > 0) session.send(encodeRouteUpdates(session.header.from, stanza.vrf, [...table.values()]).join(''));
        } else if (stanza?.kind === 'publish') {
          pairer.publish(stanza);
        } else if (stanza?.kind === 'collection') {
          const outcome = pairer.collection(stanza);
          if (outcome.kind !== 'publish') continue;
          let table = tables.get(outcome.vrf);
          if (!table) tables.set(outcome.vrf, (table = new Map()));
          const updates = outcome.routes.map((r) => ({ prefix: r.prefix, paths: [{ nextHop: r.nextHop, label: r.label, encapsulations: r.encapsulations, securityGroups: r.securityGroups, sequence: r.sequence, localPreference: r.localPreference }] }));
          for (const u of updates) table.set(u.prefix, u);
          for (const subscriber of subscribers.get(outcome.vrf) ?? []) subscriber.send(encodeRouteUpdates(subscriber.header!.from, outcome.vrf, updates).join(''));
        }
      }
      if (subscribed && !eorSent.has(session)) {
        eorSent.add(session);
        session.send(encodeControlEndOfRib(session.header.from));
      }
    }
  }, 5);
  return () => clearInterval(timer);
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function reflector(): Promise<FakeXmppControl> {
  const control = await FakeXmppControl.start();
  cleanups.push(() => control.stop());
  cleanups.push(reflect(control));
  return control;
}

function argsOf(argv: string[]): SimArgs {
  const parsed = parseSimArgs(argv);
  if (parsed.help) throw new Error('help');
  return parsed.args;
}

async function run(argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSim(argsOf(argv), { out: (l) => out.push(l), err: (l) => err.push(l), statusEveryMs: 30 });
  return { code, out, err };
}

describe('runSim --proto xmpp', () => {
  it('connects, syncs, publishes and reports convergence, then closes each stream', async () => {
    const control = await reflector();
    const { code, out } = await run(['--proto', 'xmpp', '--target', control.target, '--agents', '5', '--vrfs', '3', '--routes-per-agent', '40']);
    expect(code).toBe(0);
    expect(out).toEqual(
      expect.arrayContaining([
        'connected 5/5',
        expect.stringMatching(/^connected 5 XMPP agents \(a TCP connection each\) in /),
        expect.stringMatching(/^synced: 5 agents × 3 VRFs had their EndOfRib in /),
        expect.stringMatching(/^published 5 × 40 = 200 routes in /),
        expect.stringMatching(/^converged: every agent holds all 200 routes of its 3 VRFs after /),
        expect.stringMatching(/^ {2}latency \(commit → receipt\): 5 agents, p50 .* ms, p99 .* ms, max /),
        'closed every session',
      ]),
    );
    expect(control.sessions).toHaveLength(5);
    expect(control.sessions.every((s) => s.streamClosed)).toBe(true);
    // header, then config subscribe, agent end-of-RIB (empty publish + collection), then the subscribes
    const kinds = control.sessions[0]!.stanzas.map((s) => s.stanza?.kind);
    expect(kinds.slice(0, 6)).toEqual(['config-subscribe', 'publish', 'collection', 'vrf-subscribe', 'vrf-subscribe', 'vrf-subscribe']);
    expect(control.sessions[0]!.ofKind('vrf-subscribe').map((s) => s.instanceId)).toEqual([1, 2, 3]);
  });

  it('prints the same report as JSON, with proto xmpp', async () => {
    const control = await reflector();
    const { code, out, err } = await run(['--proto', 'xmpp', '--target', control.target, '--agents', '3', '--vrfs', '2', '--routes-per-agent', '3', '--hold-time', '30', '--json']);
    expect(code).toBe(0);
    const report = JSON.parse(out[0]!) as SimReport;
    expect(report).toMatchObject({ ok: true, proto: 'xmpp', agents: 3, vrfs: 2, routesPerAgent: 3, totalRoutes: 9, channels: 3, notices: {}, anomalies: [] });
    expect(report.convergence).toMatchObject({ complete: true, pending: 0, missingRoutes: 0 });
    expect(report.totals!.routesHeld).toBe(27);
    expect(report.totals!.acks).toBe(0);
    expect(err).toContain('connected 3/3');
  });

  it('fails (1) when no control answers', async () => {
    const gone = await FakeXmppControl.start();
    await gone.stop();
    const { code, out } = await run(['--proto', 'xmpp', '--target', gone.target, '--agents', '2', '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ ok: false, proto: 'xmpp', failure: '2 of 2 agents could not connect' });
  });

  it('fails (1) when control never sends its end-of-RIB', async () => {
    const control = await FakeXmppControl.start();
    cleanups.push(() => control.stop());
    const { code, out } = await run(['--proto', 'xmpp', '--target', control.target, '--agents', '2', '--vrfs', '1', '--timeout', '0.3']);
    expect(code).toBe(1);
    expect(out).toContain('not synced within 0.3 s: 2 agent(s) not synced: sim-agent-1, sim-agent-2');
  });
});

describe('XmppFleet', () => {
  it('measures convergence until the arrival of the stanza that completed each agent', async () => {
    const control = await reflector();
    const fleet = new XmppFleet({ target: control.target, agents: 4, prefix: 'f-' });
    cleanups.push(() => fleet.closeAll());
    expect((await fleet.connectAll()).connected).toBe(4);
    for (const agent of fleet.agents) agent.subscribe('default-domain:default-project:x:x');
    await fleet.waitAllSynced(5000);
    const start = fleet.markCommit();
    const converged = fleet.waitConverged((a) => a.table('default-domain:default-project:x:x').size === 50, 5000);
    fleet.agents[0]!.publish('default-domain:default-project:x:x', Array.from({ length: 50 }, (_, i) => ({ prefix: `10.9.0.${i}/32`, label: 20 + i })));
    const report = await converged;
    expect(report.complete).toBe(true);
    expect([...report.latencies.keys()].sort()).toEqual(['f-1', 'f-2', 'f-3', 'f-4']);
    // nothing came after the stanza that completed the table: the latency is its arrival
    for (const agent of fleet.agents) expect(report.latencies.get(agent.name)).toBeCloseTo(agent.lastMessageAt - start, 6);
    expect(fleet.totals()).toMatchObject({ connected: 4, routesHeld: 200, publishedRoutes: 50, acks: 0, anomalies: 0 });
    const timedOut = await fleet.waitConverged(() => false, 50);
    expect(timedOut).toMatchObject({ complete: false, pending: ['f-1', 'f-2', 'f-3', 'f-4'] });
  });
});
