import { afterEach, describe, expect, it } from '@jest/globals';
import { FakeReflector } from '../../test/fake-reflector.js';
import { UsageError, parseSimArgs, type SimArgs } from '../cli-args.js';
import { runSim } from '../run-sim.js';
import type { SimReport } from '../sim-report.js';

function args(argv: string[]): SimArgs {
  const parsed = parseSimArgs(argv);
  if (parsed.help) throw new Error('unexpected --help');
  return parsed.args;
}

function usage(argv: string[]): string {
  try {
    parseSimArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`expected a UsageError for ${argv.join(' ')}`);
}

describe('parseSimArgs --control', () => {
  it('is absent by default: one session per agent, to --target', () => {
    expect(args([])).not.toHaveProperty('controls');
    expect(args(['--target', 'control-0:50051'])).not.toHaveProperty('controls');
  });

  it('reads the replicas in order; the first is the target', () => {
    expect(args(['--control', 'control-0:50051,control-1:50051'])).toMatchObject({ controls: ['control-0:50051', 'control-1:50051'], target: 'control-0:50051', proto: 'grpc' });
    expect(args(['--control=127.0.0.1:1, [::1]:2']).controls).toEqual(['127.0.0.1:1', '[::1]:2']);
    expect(args(['--control', 'only:50051']).controls).toEqual(['only:50051']);
  });

  it.each([
    [['--control', 'a:1,b'], '--control must be a comma-separated list of host:port, got "b" in "a:1,b"'],
    [['--control', 'a:1,,b:2'], '--control must be a comma-separated list of host:port, got "" in "a:1,,b:2"'],
    [['--control', 'a:1,a:1'], '--control lists a:1 twice'],
    [['--control', 'a:1,b:2', '--target', 'a:1'], '--control and --target are alternatives'],
    [['--control', 'a:1,b:2', '--proto', 'xmpp'], '--control does not apply to --proto xmpp'],
  ])('refuses %j', (argv, message) => {
    expect(usage(argv)).toContain(message);
  });
});

describe('runSim --control', () => {
  const reflectors: FakeReflector[] = [];

  afterEach(() => {
    for (const r of reflectors.splice(0)) r.stop();
  });

  it('connects every agent to every replica and converges on the union of their routes', async () => {
    for (let k = 0; k < 2; k++) reflectors.push(await FakeReflector.start());
    const out: string[] = [];
    const controls = reflectors.map((r) => r.target).join(',');
    const code = await runSim(args(['--control', controls, '--agents', '3', '--vrfs', '2', '--routes-per-agent', '2', '--channels', '1', '--json']), {
      out: (line) => out.push(line),
      err: () => undefined,
    });
    const report = JSON.parse(out[0]!) as SimReport;
    expect(code).toBe(0);
    expect(report).toMatchObject({ ok: true, controls: reflectors.map((r) => r.target), agents: 3, totalRoutes: 6, notices: {}, anomalies: [] });
    expect(report.convergence).toMatchObject({ complete: true, missingRoutes: 0 });
    // Each agent holds each route once, though both replicas sent it.
    expect(report.totals!.routesHeld).toBe(3 * 6);
    for (const r of reflectors) {
      expect(r.control.sessions.map((s) => s.hello?.agentName).sort()).toEqual(['sim-agent-1', 'sim-agent-2', 'sim-agent-3']);
      expect(r.control.sessions.every((s) => s.halfClosed)).toBe(true);
    }
  });
});
