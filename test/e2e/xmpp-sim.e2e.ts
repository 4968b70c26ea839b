// The agent simulator's CLI in Tungsten Fabric's XMPP dialect (`npm run agent-sim -- --proto xmpp`) against the built
// all-in-one controller: provisioning through REST, XMPP sessions on the bridge, convergence, a clean exit.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { RunningController, tempDataDir } from './config-api-support.js';

const AGENT_SIM_MAIN = fileURLToPath(new URL('../../dist/apps/agent-sim/src/main.js', import.meta.url));

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI with `args`, to its end (killed after `timeoutMs`). */
function agentSim(args: string[], timeoutMs = 60_000, onStderr?: (text: string) => void): Promise<CliRun> {
  if (!existsSync(AGENT_SIM_MAIN)) throw new Error(`${AGENT_SIM_MAIN} is missing: build first (npm run build; npm test does it)`);
  const child = spawn(process.execPath, [AGENT_SIM_MAIN, ...args], { env: { PATH: process.env.PATH ?? '/usr/bin:/bin' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
    onStderr?.(stderr);
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

interface Report {
  ok: boolean;
  proto: string;
  totalRoutes: number;
  convergence: { complete: boolean; pending: number; missingRoutes: number; all: { count: number; max: number } };
  totals: { connected: number; routesHeld: number; anomalies: number; acks: number };
  provision: Record<string, { created: number; reused: number; failed: number }>;
  anomalies: string[];
  failure?: string;
}

describe('agent-sim --proto xmpp against the controller', () => {
  let dir: ReturnType<typeof tempDataDir>;
  let controller: RunningController;
  let xmpp: string;
  let rest: string;

  beforeAll(async () => {
    dir = tempDataDir();
    controller = await RunningController.start(dir.path, { SHUTDOWN_TIMEOUT_MS: '3000' });
    const listening = await controller.process.waitForLine((line) => line.msg === 'listening');
    xmpp = listening.xmpp as string;
    rest = listening.rest as string;
  });

  afterAll(async () => {
    await controller?.stop();
    await controller?.process.ensureStopped();
    dir?.remove();
  });

  it('names its bound XMPP address in the listening line', () => {
    expect(xmpp).toMatch(/^127\.0\.0\.1:\d+$/);
  });

  it('provisions, connects XMPP agents, converges and exits 0', async () => {
    const run = await agentSim(['--proto', 'xmpp', '--provision', '--target', xmpp, '--api', rest, '--agents', '6', '--vrfs', '2', '--routes-per-agent', '8', '--timeout', '30', '--json']);
    expect({ code: run.code, stderr: run.code === 0 ? '' : run.stderr }).toEqual({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout) as Report;
    expect(report).toMatchObject({ ok: true, proto: 'xmpp', totalRoutes: 48, anomalies: [] });
    expect(report.provision).toEqual({ cluster: { created: 0, reused: 0, failed: 0 }, networks: { created: 2, reused: 0, failed: 0 }, virtualRouters: { created: 6, reused: 0, failed: 0 } });
    expect(report.convergence).toMatchObject({ complete: true, pending: 0, missingRoutes: 0, all: { count: 6 } });
    // every agent holds every route of both VRFs; XMPP has no acks
    expect(report.totals).toMatchObject({ routesHeld: 6 * 48, anomalies: 0, acks: 0 });
    expect(run.stderr).toContain('connected 6/6');
    expect(run.stderr).toMatch(/converged: every agent holds all 48 routes of its 2 VRFs after/);
    expect(run.stderr).toMatch(/latency \(commit → receipt\): 6 agents/);
  }, 90_000);

  it('runs again on what exists, the sessions shown by control as XMPP agents while they stay', async () => {
    const seen: { agents: Array<{ name: string; protocol: string; state: string; subscriptions: string[] }> }[] = [];
    let polling = true;
    const poll = (async () => {
      while (polling) {
        const body = (await (await fetch(`${rest}/control/agents`)).json()) as (typeof seen)[number];
        if (body.agents.some((a) => a.name.startsWith('sim-agent-') && a.state === 'connected')) seen.push(body);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const run = await agentSim(['--proto', 'xmpp', '--provision', '--target', xmpp, '--api', rest, '--agents', '6', '--vrfs', '2', '--routes-per-agent', '8', '--duration', '1', '--json']);
    polling = false;
    await poll;
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    expect(report.provision.networks).toEqual({ created: 0, reused: 2, failed: 0 });
    expect(report.provision.virtualRouters).toEqual({ created: 0, reused: 6, failed: 0 });
    expect(report.convergence).toMatchObject({ complete: true, missingRoutes: 0 });
    const connected = seen.at(-1)!.agents.filter((a) => a.name.startsWith('sim-agent-') && a.state === 'connected');
    expect(connected.map((a) => a.name).sort()).toEqual(['sim-agent-1', 'sim-agent-2', 'sim-agent-3', 'sim-agent-4', 'sim-agent-5', 'sim-agent-6']);
    expect(connected.every((a) => a.protocol === 'xmpp' && a.subscriptions.length === 2)).toBe(true);
  }, 90_000);

  it('refuses gRPC-only flags with --proto xmpp (exit 2)', async () => {
    const run = await agentSim(['--proto', 'xmpp', '--target', xmpp, '--channels', '2']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('agent-sim: --channels does not apply to --proto xmpp: each XMPP agent has its own TCP connection');
  });

  it('fails (1) when some VRFs do not exist: without notices in the dialect, that shows as no convergence', async () => {
    // sim-vn-1 and -2 exist: control's single end-of-RIB comes once they are synced (it names no VRF, so the agents
    // count the others as synced too); the routes published into sim-vn-3 … -5 go nowhere
    const run = await agentSim(['--proto', 'xmpp', '--target', xmpp, '--agents', '2', '--vrfs', '5', '--timeout', '1', '--json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: false, proto: 'xmpp', failure: 'not converged within 1 s' });
  }, 30_000);
});
