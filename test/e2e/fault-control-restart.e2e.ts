// Fault: the standalone control process restarts (SIGTERM, then SIGKILL) under 500 gRPC agents.
//
// Set-up: the all-in-one controller writes the config (SQLite in a temp DATA_DIR) and a standalone control process
// (dist/apps/control/src/main.js) follows the same DATA_DIR and serves the agents. NETWORKS networks; agent i
// subscribes to the VRFs of networks i and i+1 (mod NETWORKS) and publishes one /32 in network i's VRF, so every
// agent expects every route published in its two VRFs. 500 SimulatedAgents share CHANNELS gRPC channels; control
// paces new sessions (AGENT_CONNECT_RATE 200/s, AGENT_CONNECT_BURST 50), so 500 sessions take ~2.3 s to open.
//
// What a SimulatedAgent does when control restarts: the stream ends ('disconnected'; its tables stay as they were,
// as a vRouter keeps forwarding on what it has). SimulatedAgent does not reconnect by itself: the test does, as an
// agent's reconnect loop would, retrying every 100–300 ms while the port is closed (UNAVAILABLE without a
// retry-after) and letting connect() honour control's UNAVAILABLE + retry-after-ms while it is paced. Its Hello
// names the old session, which the new process does not know: Welcome says resumed = false, the agent clears its
// tables (a new session gets everything again), subscribes again (autoResubscribe), republishes its routes and sends
// AgentEndOfRib (autoRepublish). So the routes an agent lacks are the ones between its new Welcome and the moment
// the other agents' republished routes reach it: that gap, per agent, is what must stay below AGENT_HOLD_TIME_MS.
// Nobody leaves, so no agent may ever see a withdraw of an expected prefix.
//
// Checked per restart: every agent reconnects with a new session; sessions were paced (agents told to come back,
// and contrail_limit_hits_total{limit="agent_connect_rate"} of the new process > 0); every agent holds every
// expected route again within CONVERGE_MS; the worst per-agent gap < the hold time; no withdraw of a live
// publisher's route; no anomaly or notice at any agent. Runs in ~20–25 s on 2 cores.
import { AgentFleet, type SimulatedAgent } from '#apps/agent-sim';
import { agentProto } from '#libs/proto';
import { CONTROL_MAIN, ControllerProcess } from './controller-process.js';
import { RunningController, networkBody, subnet, tempDataDir } from './config-api-support.js';

const AGENTS = 500;
const CHANNELS = 16;
const NETWORKS = 4;
const HOLD_TIME_MS = 10_000;
const CONVERGE_MS = 30_000;
const PROJECT = ['default-domain', 'default-project'];
const network = (n: number): string => `restart-net-${n}`;
const vrf = (n: number): string => [...PROJECT, network(n), network(n)].join(':');
const prefixOf = (i: number): string => `10.${70 + (i >> 8)}.${i & 255}.1/32`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const CONTROL_ENV = {
  AGENT_HOLD_TIME_MS: String(HOLD_TIME_MS),
  AGENT_CONNECT_RATE: '200',
  AGENT_CONNECT_BURST: '50',
  SHUTDOWN_TIMEOUT_MS: '3000',
};

interface Control {
  process: ControllerProcess;
  grpcPort: string;
  restPort: string;
  rest: string;
}

async function startControl(dataDir: string, grpcPort = '0', restPort = '0'): Promise<Control> {
  const process = new ControllerProcess({ ...CONTROL_ENV, DATA_DIR: dataDir, REST_PORT: restPort, GRPC_PORT: grpcPort, XMPP_PORT: '0' }, CONTROL_MAIN);
  try {
    const listening = await process.waitForLine((line) => line.msg === 'listening');
    const grpc = listening.grpc as string;
    const rest = listening.rest as string;
    return { process, grpcPort: grpc.split(':').at(-1)!, restPort: new URL(rest).port, rest };
  } catch (error) {
    await process.ensureStopped();
    throw error;
  }
}

/** One metric's value (the sum over its series matching `labels`, a substring of the label set). */
async function metric(rest: string, name: string, labels = ''): Promise<number> {
  const text = await (await fetch(`${rest}/metrics`)).text();
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name) || !line.includes(labels)) continue;
    const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)$/.exec(line);
    if (match && match[1] === name) sum += Number(match[3]);
  }
  return sum;
}

/**
 * Watches one agent's tables: how long, at worst, an expected prefix was missing once it had them all, and every
 * withdraw of an expected prefix it received.
 */
class RouteWatch {
  missingSince: number | undefined = performance.now();
  worstGapMs = 0;
  everComplete = false;
  readonly expectedWithdrawn: string[] = [];

  constructor(
    private readonly agent: SimulatedAgent,
    private readonly expected: ReadonlyMap<string, readonly string[]>,
  ) {
    agent.on('welcome', () => this.check());
    agent.on('message', (message: agentProto.ControlMessage) => {
      if (message.body?.$case === 'routes') {
        for (const update of message.body.value.updates) {
          if (update.paths.length === 0 && this.expected.get(update.vrf)?.includes(update.prefix)) this.expectedWithdrawn.push(`${update.vrf} ${update.prefix}`);
        }
      }
      this.check();
    });
  }

  get complete(): boolean {
    for (const [name, prefixes] of this.expected) {
      const table = this.agent.table(name);
      for (const prefix of prefixes) if (!table.has(prefix)) return false;
    }
    return true;
  }

  /** From now on, gaps count (the initial fill is no gap). */
  startMeasuring(): void {
    this.worstGapMs = 0;
    this.missingSince = this.complete ? undefined : performance.now();
  }

  /** The worst gap so far, a gap still open counted up to now. */
  gapNow(): number {
    return Math.max(this.worstGapMs, this.missingSince === undefined ? 0 : performance.now() - this.missingSince);
  }

  private check(): void {
    const complete = this.complete;
    const now = performance.now();
    if (complete) {
      this.everComplete = true;
      if (this.missingSince !== undefined) this.worstGapMs = Math.max(this.worstGapMs, now - this.missingSince);
      this.missingSince = undefined;
    } else if (this.missingSince === undefined) {
      this.missingSince = now;
    }
  }
}

/** Reconnects an agent whenever its stream ends, until stopped: an agent's reconnect loop. */
class Reconnector {
  private stopped = false;
  reconnects = 0;
  readonly errors: string[] = [];

  constructor(private readonly agent: SimulatedAgent) {
    agent.on('disconnected', () => void this.loop());
  }

  stop(): void {
    this.stopped = true;
  }

  private async loop(): Promise<void> {
    while (!this.stopped && !this.agent.connected) {
      try {
        await this.agent.connect();
        this.reconnects += 1;
        return;
      } catch (error) {
        if (this.errors.length < 3) this.errors.push((error as Error).message);
        await sleep(100 + Math.random() * 200);
      }
    }
  }
}

describe('fault: the control process restarts under 500 agents', () => {
  let dir: ReturnType<typeof tempDataDir>;
  let config: RunningController;

  beforeAll(async () => {
    dir = tempDataDir();
    config = await RunningController.start(dir.path);
    for (let n = 0; n < NETWORKS; n++) await config.api.create('virtual-network', networkBody([...PROJECT, network(n)], [{ subnet: subnet(`10.${60 + n}.0.0/16`) }]));
  }, 30_000);

  afterAll(async () => {
    await config?.stop();
    dir?.remove();
  });

  for (const signal of ['SIGTERM', 'SIGKILL'] as const) {
    it(`every agent reconnects, paced, and holds every route again well within the hold time (${signal})`, async () => {
      let control = await startControl(dir.path);
      const fleet = new AgentFleet({
        target: `127.0.0.1:${control.grpcPort}`,
        agents: AGENTS,
        channels: CHANNELS,
        prefix: `restart-${signal.toLowerCase()}-`,
        agentOptions: () => ({ autoRepublish: true, connectTimeoutMs: 20_000 }),
      });
      const expected = new Map<SimulatedAgent, Map<string, string[]>>();
      const published = Array.from({ length: NETWORKS }, () => [] as string[]);
      fleet.agents.forEach((_, i) => published[i % NETWORKS]!.push(prefixOf(i)));
      fleet.agents.forEach((agent, i) => {
        const mine = [i % NETWORKS, (i + 1) % NETWORKS];
        expected.set(agent, new Map(mine.map((n) => [vrf(n), published[n]!])));
      });
      const watches = fleet.agents.map((agent) => new RouteWatch(agent, expected.get(agent)!));
      const reconnectors: Reconnector[] = [];
      try {
        // The control process has followed the log up to the networks: their VRFs exist.
        const deadline = performance.now() + 15_000;
        while ((await metric(control.rest, 'contrail_control_vrfs')) < NETWORKS) {
          if (performance.now() > deadline) throw new Error('control never saw the networks');
          await sleep(100);
        }
        const first = await fleet.connectAll();
        expect(first.failed).toEqual([]);
        fleet.agents.forEach((agent, i) => {
          for (const name of expected.get(agent)!.keys()) agent.subscribe(name);
          agent.publish(vrf(i % NETWORKS), [{ prefix: prefixOf(i), label: 100 + (i % 1000), encapsulations: ['MPLSoUDP'] }]);
          agent.endOfRib();
        });
        await fleet.waitAll((a) => watches[fleet.agents.indexOf(a)]!.complete, 'holding every expected route', CONVERGE_MS);
        for (const agent of fleet.agents) reconnectors.push(new Reconnector(agent));
        for (const watch of watches) watch.startMeasuring();
        const pacedBefore = fleet.agents.reduce((sum, a) => sum + a.pacedConnects, 0);
        const sessions = new Map(fleet.agents.map((a) => [a, a.sessionId]));

        // The restart: same ports.
        const t0 = performance.now();
        control.process.kill(signal);
        const exit = await control.process.exited;
        expect(exit).toEqual(signal === 'SIGTERM' ? { code: 0, signal: null } : { code: null, signal: 'SIGKILL' });
        control = await startControl(dir.path, control.grpcPort, control.restPort);
        const converged = await fleet.waitConverged((a) => a.connected && watches[fleet.agents.indexOf(a)]!.complete, CONVERGE_MS);
        const seconds = (performance.now() - t0) / 1000;
        // On failure, the first reconnect errors say why.
        expect({ pending: converged.pending.slice(0, 5), errors: converged.complete ? [] : reconnectors.flatMap((r) => r.errors).slice(0, 3) }).toEqual({ pending: [], errors: [] });

        // Every agent came back with a new session (the new process could not resume the old ones), paced.
        expect(fleet.agents.filter((a) => a.sessionId === sessions.get(a) || a.resumed).map((a) => a.name)).toEqual([]);
        expect(reconnectors.every((r) => r.reconnects >= 1)).toBe(true);
        const paced = fleet.agents.reduce((sum, a) => sum + a.pacedConnects, 0) - pacedBefore;
        expect(paced).toBeGreaterThan(0);
        expect(await metric(control.rest, 'contrail_limit_hits_total', 'limit="agent_connect_rate"')).toBeGreaterThan(0);

        // No route gone for longer than the hold time; no withdraw of a live publisher's route; no surprise.
        const gaps = watches.map((w) => w.gapNow()).sort((a, b) => a - b);
        const worst = gaps.at(-1)!;
        process.stderr.write(
          `control restart (${signal}): ${AGENTS} agents back and converged in ${seconds.toFixed(1)} s; ${paced} paced Hellos; ` +
            `gap p50 ${Math.round(gaps[gaps.length >> 1]!)} ms, worst ${Math.round(worst)} ms (hold time ${HOLD_TIME_MS} ms)\n`,
        );
        expect(worst).toBeLessThan(HOLD_TIME_MS);
        expect(watches.flatMap((w) => w.expectedWithdrawn).slice(0, 5)).toEqual([]);
        expect(fleet.agents.flatMap((a) => a.anomalies.map((x) => `${a.name}: ${x}`)).slice(0, 5)).toEqual([]);
        expect(fleet.agents.flatMap((a) => a.notices.map((n) => `${a.name}: ${n.code} ${n.message}`)).slice(0, 5)).toEqual([]);
      } finally {
        for (const r of reconnectors) r.stop();
        await fleet.closeAll();
        control.process.kill('SIGTERM');
        await Promise.race([control.process.exited, sleep(5000)]);
        await control.process.ensureStopped();
      }
    }, 90_000);
  }
});
