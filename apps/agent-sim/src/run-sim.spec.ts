import { afterEach, describe, expect, it } from '@jest/globals';
import { FakeControl } from '../test/fake-control.js';
import { FakeReflector } from '../test/fake-reflector.js';
import { parseSimArgs, type SimArgs } from './cli-args.js';
import { runSim } from './run-sim.js';
import type { SimReport } from './sim-report.js';
import { vrfName } from './sim-plan.js';

const reflectors: FakeReflector[] = [];

afterEach(() => {
  for (const r of reflectors.splice(0)) r.stop();
});

async function reflector(known?: Set<string>): Promise<FakeReflector> {
  const r = await FakeReflector.start(known);
  reflectors.push(r);
  return r;
}

function argsOf(argv: string[]): SimArgs {
  const parsed = parseSimArgs(argv);
  if (parsed.help) throw new Error('help');
  return parsed.args;
}

async function run(argv: string[], signal?: AbortSignal): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runSim(argsOf(argv), { out: (l) => out.push(l), err: (l) => err.push(l), signal, statusEveryMs: 30 });
  return { code, out, err };
}

describe('runSim', () => {
  it('connects, syncs, publishes and reports convergence, then closes', async () => {
    const r = await reflector();
    const { code, out } = await run(['--target', r.target, '--agents', '6', '--vrfs', '3', '--routes-per-agent', '4', '--channels', '2']);
    expect(code).toBe(0);
    expect(out).toEqual(
      expect.arrayContaining([
        'connected 6/6',
        expect.stringMatching(/^connected 6 agents over 2 channel\(s\) in /),
        expect.stringMatching(/^synced: 6 agents × 3 VRFs had their EndOfRib in /),
        expect.stringMatching(/^published 6 × 4 = 24 routes in /),
        expect.stringMatching(/^converged: every agent holds all 24 routes of its 3 VRFs after /),
        expect.stringMatching(/^ {2}latency \(commit → ack\): 6 agents, p50 .* ms, p99 .* ms, max /),
        expect.stringMatching(/^ {2}received 144 route updates in \d+ messages, \d+ routes\/s$/),
        expect.stringMatching(/^ {2}memory: rss \d+(\.\d)? MiB, heap /),
        'closed every session',
      ]),
    );
    expect(r.control.sessions.every((s) => s.halfClosed)).toBe(true);
    // AgentEndOfRib first (nothing to republish), then the subscriptions
    const requests = r.control.sessions[0]!.received.map((m) => m.body?.$case).filter((c) => c !== 'ack');
    expect(requests.slice(0, 3)).toEqual(['hello', 'endOfRib', 'subscribe']);
  });

  it('warns when the routes are there before publishing (left by an earlier run)', async () => {
    const r = await reflector(); // keeps every route it was given
    const argv = ['--target', r.target, '--agents', '2', '--vrfs', '1', '--routes-per-agent', '2'];
    expect((await run(argv)).out.some((l) => l.includes('warning'))).toBe(false);
    const second = await run(argv);
    expect(second.code).toBe(0);
    expect(second.out).toContain('  warning: 4 of the 4 routes are there before publishing: the convergence figures understate');
  });

  it('prints the report as JSON with --json, progress on stderr, slow agents apart', async () => {
    const r = await reflector();
    const { code, out, err } = await run(['--target', r.target, '--agents', '4', '--vrfs', '2', '--routes-per-agent', '3', '--slow-agents', '1', '--ack-delay-ms', '120', '--json']);
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const report = JSON.parse(out[0]!) as SimReport;
    expect(report).toMatchObject({ ok: true, agents: 4, vrfs: 2, routesPerAgent: 3, totalRoutes: 12, channels: 4, slowAgents: 1, ackDelayMs: 120, notices: {}, anomalies: [] });
    expect(report.convergence).toMatchObject({ complete: true, pending: 0, missingRoutes: 0 });
    expect(report.convergence!.slow!.count).toBe(1);
    expect(report.convergence!.normal!.count).toBe(3);
    expect(report.convergence!.slow!.min).toBeGreaterThanOrEqual(115);
    expect(report.received!.routeUpdates).toBe(48);
    expect(report.totals!.routesHeld).toBe(48);
    expect(err).toContain('connected 4/4');
  });

  it('fails (1) naming the notices when the VRFs do not exist', async () => {
    const r = await reflector(new Set([vrfName('sim-vn-1')]));
    const { code, out } = await run(['--target', r.target, '--agents', '2', '--vrfs', '2', '--timeout', '0.3']);
    expect(code).toBe(1);
    expect(out).toContain('not synced within 0.3 s: 2 agent(s) not synced: sim-agent-1, sim-agent-2');
    expect(out).toContain('  notice unknown-vrf (sim-agent-1): no VRF default-domain:default-project:sim-vn-2:sim-vn-2');
  });

  it('fails (1) when no control answers', async () => {
    const gone = await FakeControl.start();
    gone.stop();
    const { code, out } = await run(['--target', gone.target, '--agents', '3', '--json']);
    expect(code).toBe(1);
    expect(JSON.parse(out[0]!)).toMatchObject({ ok: false, failure: '3 of 3 agents could not connect' });
  });

  it('says once why many agents could not connect', async () => {
    const gone = await FakeControl.start();
    gone.stop();
    const { code, out } = await run(['--target', gone.target, '--agents', '4']);
    expect(code).toBe(1);
    expect(out).toContain('connected 0/4 (4 failed)');
    expect(out.filter((l) => l.startsWith('  4 × session ended before Welcome: UNAVAILABLE'))).toHaveLength(1);
    expect(out.find((l) => l.startsWith('  4 ×'))).toMatch(/\(sim-agent-1, sim-agent-2, sim-agent-3 …\)$/);
  });

  it('with --duration 0 stays connected printing status until the signal, then closes cleanly', async () => {
    const r = await reflector();
    const abort = new AbortController();
    const running = run(['--target', r.target, '--agents', '2', '--vrfs', '1', '--routes-per-agent', '1', '--duration', '0'], abort.signal);
    await new Promise((resolve) => setTimeout(resolve, 300));
    abort.abort();
    const { code, out } = await running;
    expect(code).toBe(0);
    expect(out).toContain('staying connected until Ctrl-C');
    expect(out.some((l) => /^\[\+\d+s\] connected 2\/2, routes held 4, messages \d+ \(\+\d+\/s\), notices 0, rss /.test(l))).toBe(true);
    expect(out.at(-1)).toBe('closed every session');
  });

  it('stops waiting at a signal before convergence and exits 1', async () => {
    const control = await FakeControl.start(); // never welcomes
    const abort = new AbortController();
    const running = run(['--target', control.target, '--agents', '2'], abort.signal);
    await control.session(1);
    abort.abort();
    const { code, out } = await running;
    control.stop();
    expect(code).toBe(1);
    expect(out).toContain('agent-sim: interrupted');
  });
});
