/**
 * bench/control: the control service pushing routes to agents, config-to-agent convergence, and agents per process.
 *
 * 1. Route fan-out. The built controller in a child process; FANOUT_AGENTS lean agents (one gRPC channel each, in
 *    this process: they decode every message, count its route updates and ack every version, as the raw clients
 *    decode and count) subscribed to one VRF; one publisher agent publishes ROUTES fresh /32s in publishes of
 *    PUBLISH_SIZE. Timed from the first publish until every subscriber counted all ROUTES: routes/s = A × R / s.
 *    Then SIM_ROUNDS more rounds to full simulated agents (apps/agent-sim: tables too), for information. Then
 *    the publisher withdraws them (timed the same way, reported for information) and the next round publishes anew.
 *    Raw baseline in the same run, rounds alternating with ours: a plain @grpc/grpc-js server in a child process
 *    (bench/support/raw-route-server.ts) streams to each of A clients ceil(R / 256) RouteBatch ControlMessages of
 *    256 one-path updates, encoded and decoded with the same generated codec; the clients decode and count routes.
 * 2. Convergence. A fresh controller; networks X and Y; a policy passing X <-> Y attached to X; one agent publishes
 *    one route in Y; AGENTS agents subscribe to X's VRF. Each commit is a REST PUT of Y's network_policy_refs
 *    (attach: the route leaks into X; detach: it is withdrawn). Per agent: from just before the PUT until it acked
 *    the message that made its table show the change (AgentFleet.waitConverged).
 * 3. Agents per control process and memory per agent, from the controller's /metrics before the agents connect and
 *    once they are all synced; then, when MAX_AGENTS > AGENTS, more agents join to see how many one process holds.
 *
 * Environment: BENCH_FANOUT_AGENTS (20), BENCH_ROUTES (20000), BENCH_PUBLISH_SIZE (1000), BENCH_ROUNDS (7), BENCH_SIM_ROUNDS (3),
 * BENCH_AGENTS (1000), BENCH_CHANNELS (= agents: one per agent), BENCH_COMMITS (20), BENCH_WARMUP_COMMITS (2),
 * BENCH_MAX_AGENTS (2000; 0 = skip), BENCH_CPU_PROF (a directory: the controller runs with --cpu-prof into it).
 * AGENT_WINDOW and AGENT_BATCH_ROUTES, when set, are passed to the controller.
 */
import { Channel, credentials, makeGenericClientConstructor, type ClientDuplexStream } from '@grpc/grpc-js';
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { AgentFleet, SimulatedAgent, type ConvergenceReport } from '#apps/agent-sim';
import { agentProto } from '#libs/proto';
import { benchSetting, fanoutMeasurement, median, percentile, printTable, progress, projectRoot, round, row, writeResults, type FanoutMeasurement } from './support/measure.js';
import { JsonChild, startBuiltController } from './support/json-child.js';
import { RAW_ROUTE_SERVICE } from './support/raw-route-service.js';

const FANOUT_AGENTS = benchSetting('BENCH_FANOUT_AGENTS', 20);
const ROUTES = benchSetting('BENCH_ROUTES', 20_000);
const PUBLISH_SIZE = benchSetting('BENCH_PUBLISH_SIZE', 1000);
const ROUNDS = benchSetting('BENCH_ROUNDS', 7);
const SIM_ROUNDS = benchSetting('BENCH_SIM_ROUNDS', 3);
const AGENTS = benchSetting('BENCH_AGENTS', 1000);
const CHANNELS = benchSetting('BENCH_CHANNELS', AGENTS);
const COMMITS = benchSetting('BENCH_COMMITS', 20);
const WARMUP_COMMITS = benchSetting('BENCH_WARMUP_COMMITS', 2);
const MAX_AGENTS = benchSetting('BENCH_MAX_AGENTS', 2000);
const CPU_PROF = process.env.BENCH_CPU_PROF;
/** The raw server's batch size; the controller's is AGENT_BATCH_ROUTES (default 256). */
const BATCH = Number(process.env.AGENT_BATCH_ROUTES ?? 256);

const PROJECT = ['default-domain', 'default-project'];
const vrfOf = (network: string): string => [...PROJECT, network, network].join(':');
const PUBLISHER = { name: 'bench-publisher', address: '10.254.0.1' };
const CHANNEL_OPTIONS = { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1, 'grpc.use_local_subchannel_pool': 1 };

// ---------------------------------------------------------------- processes

interface Controller {
  process: JsonChild;
  rest: string;
  grpc: string;
}

async function startController(dataDir: string, label: string): Promise<Controller> {
  const nodeArgs: string[] = [];
  if (CPU_PROF) {
    const dir = resolve(CPU_PROF);
    mkdirSync(dir, { recursive: true });
    nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=controller-${label}.cpuprofile`);
  }
  return startBuiltController(dataDir, { passEnv: ['AGENT_WINDOW', 'AGENT_BATCH_ROUTES', 'AGENT_HOLD_TIME_MS'], nodeArgs });
}

// ---------------------------------------------------------------- REST

async function request(method: string, url: string, body?: unknown): Promise<Record<string, Record<string, unknown>>> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${url} → ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, Record<string, unknown>>;
}

/** Creates a network with one /16 on the default IPAM; returns its uuid. */
async function createNetwork(rest: string, name: string, secondOctet: number): Promise<string> {
  const created = await request('POST', `${rest}/virtual-networks`, {
    'virtual-network': {
      fq_name: [...PROJECT, name],
      parent_type: 'project',
      network_ipam_refs: [{ to: [...PROJECT, 'default-network-ipam'], attr: { ipam_subnets: [{ subnet: { ip_prefix: `10.${secondOctet}.0.0`, ip_prefix_len: 16 } }] } }],
    },
  });
  return created['virtual-network']!.uuid as string;
}

/** The controller's unlabelled /metrics series. */
async function metrics(rest: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${rest}/metrics`)).text();
  const values: Record<string, number> = {};
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][\w:]*)\s+(\S+)$/.exec(line);
    if (match) values[match[1]!] = Number(match[2]);
  }
  return values;
}

/** CPU seconds (user + system) a process has used so far, from /proc (Linux); undefined elsewhere. */
function cpuSecondsOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Measures the CPU share (1 = one core busy) of the bench process and of a child over an interval. */
function cpuMeter(child: ChildProcess): () => { bench: number; server: number | undefined } {
  const t0 = performance.now();
  const bench0 = process.cpuUsage();
  const child0 = cpuSecondsOf(child.pid);
  return () => {
    const seconds = (performance.now() - t0) / 1000;
    const bench = process.cpuUsage(bench0);
    const child1 = cpuSecondsOf(child.pid);
    return {
      bench: round((bench.user + bench.system) / 1e6 / seconds, 2),
      server: child0 === undefined || child1 === undefined ? undefined : round((child1 - child0) / seconds, 2),
    };
  };
}

/**
 * /metrics sampled `samples` times, 400 ms apart, keeping the lowest memory figures: the heap is read without forcing
 * a GC, so the lowest of a few readings is the closest to the live size.
 */
async function settledMetrics(rest: string, samples = 5): Promise<Record<string, number>> {
  let best: Record<string, number> | undefined;
  for (let i = 0; i < samples; i++) {
    if (i > 0) await sleep(400);
    const m = await metrics(rest);
    if (!best) best = m;
    for (const name of ['process_resident_memory_bytes', 'nodejs_heap_size_used_bytes']) best[name] = Math.min(best[name]!, m[name]!);
  }
  return best!;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- routes

/** Route n (over every round) as a /32 in 12.0.0.0/8 and above: distinct prefixes for 16M routes. */
function prefixOf(n: number): string {
  return `${12 + (n >>> 24)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/32`;
}

/**
 * Resolves with the time (performance.now()) at which the last agent's table of `vrf` met `done`, and every agent's
 * time; rejects after `timeoutMs` naming how many had not.
 */
function whenTables(agents: readonly SimulatedAgent[], vrf: string, done: (size: number) => boolean, timeoutMs: number): Promise<number[]> {
  return new Promise((resolvePromise, reject) => {
    const times: number[] = [];
    let pending = agents.length;
    const detach: Array<() => void> = [];
    const timer = setTimeout(() => {
      for (const off of detach) off();
      reject(new Error(`${pending} of ${agents.length} agents did not get there within ${timeoutMs} ms`));
    }, timeoutMs);
    const finished = (): void => {
      clearTimeout(timer);
      for (const off of detach) off();
      resolvePromise(times);
    };
    for (const agent of agents) {
      if (done(agent.table(vrf).size)) {
        times.push(performance.now());
        pending -= 1;
        continue;
      }
      const onMessage = (): void => {
        if (!done(agent.table(vrf).size)) return;
        agent.off('message', onMessage);
        times.push(performance.now());
        if (--pending === 0) finished();
      };
      agent.on('message', onMessage);
      detach.push(() => agent.off('message', onMessage));
    }
    if (pending === 0) finished();
  });
}

interface RoundResult {
  seconds: number;
  /** ms from the start until each agent held every route. */
  perAgentMs: number[];
  withdrawSeconds?: number;
  /** CPU share while publishing (1 = one core): the bench process (agents or raw clients) and the server child. */
  cpu: { bench: number; server: number | undefined };
}

/** One round on the controller: publish ROUTES fresh prefixes, wait for every table to hold them, withdraw them. */
async function oursRound(publisher: SimulatedAgent, fleet: AgentFleet, vrf: string, index: number, routes: number, server: ChildProcess): Promise<RoundResult> {
  const prefixes = Array.from({ length: routes }, (_, i) => prefixOf(index * routes + i));
  const published = prefixes.map((prefix) => ({ prefix, label: 1000 + (index % 1000), encapsulations: ['MPLSoUDP'] }));
  const held = whenTables(fleet.agents, vrf, (size) => size >= routes, 120_000);
  const meter = cpuMeter(server);
  const t0 = performance.now();
  for (let i = 0; i < routes; i += PUBLISH_SIZE) publisher.publish(vrf, published.slice(i, i + PUBLISH_SIZE));
  const times = await held;
  const cpu = meter();
  const seconds = (Math.max(...times) - t0) / 1000;
  const gone = whenTables(fleet.agents, vrf, (size) => size === 0, 120_000);
  const t1 = performance.now();
  publisher.withdraw(vrf, prefixes);
  const withdrawn = await gone;
  return { seconds, perAgentMs: times.map((t) => t - t0), withdrawSeconds: (Math.max(...withdrawn) - t1) / 1000, cpu };
}

// ---------------------------------------------------------------- lean agents on the controller

/**
 * Subscribers on the controller's AgentService doing what the raw clients do, plus what the protocol asks of an
 * agent: decode every message and count its route updates (adds and withdrawals), and ack every version. No tables:
 * this measures what control pushes, not what a simulated agent does with it (that figure is reported beside it).
 */
class LeanFleet {
  private readonly channels: Channel[] = [];
  private readonly streams: Array<ClientDuplexStream<agentProto.AgentMessage, agentProto.ControlMessage>> = [];
  readonly adds: number[] = [];
  readonly withdrawals: number[] = [];
  private onCount: ((i: number) => void) | undefined;

  constructor(
    private readonly target: string,
    private readonly agents: number,
  ) {}

  async connect(vrf: string): Promise<void> {
    const synced: Array<Promise<void>> = [];
    for (let i = 0; i < this.agents; i++) {
      const channel = new Channel(this.target, credentials.createInsecure(), CHANNEL_OPTIONS);
      this.channels.push(channel);
      const client = new agentProto.AgentServiceClient(this.target, credentials.createInsecure(), { channelOverride: channel });
      const stream = client.session();
      stream.on('error', () => undefined);
      this.adds.push(0);
      this.withdrawals.push(0);
      synced.push(
        new Promise((resolvePromise) => {
          stream.on('data', (message: agentProto.ControlMessage) => {
            const body = message.body;
            if (body?.$case === 'welcome') {
              stream.write({ body: { $case: 'subscribe', value: { vrf } } });
              return;
            }
            if (body?.$case === 'routes') {
              for (const update of body.value.updates) {
                if (update.paths.length > 0) this.adds[i]! += 1;
                else this.withdrawals[i]! += 1;
              }
              this.onCount?.(i);
            } else if (body?.$case === 'endOfRib') resolvePromise();
            if (message.version > 0) stream.write({ body: { $case: 'ack', value: { version: message.version } } });
          });
        }),
      );
      stream.write({ body: { $case: 'hello', value: { agentName: `bench-lean-${i + 1}`, address: `10.253.0.${i + 1}`, cluster: '', resumeSessionId: '', lastAckedVersion: 0 } } });
      this.streams.push(stream);
    }
    await Promise.all(synced);
  }

  /** Resolves with each client's time (performance.now()) once its `counter` has grown by `routes`. */
  when(counter: 'adds' | 'withdrawals', routes: number, timeoutMs: number): Promise<number[]> {
    const counts = this[counter];
    const targets = counts.map((c) => c + routes);
    const times: number[] = [];
    const seen = new Set<number>();
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`lean: ${this.agents - seen.size} clients short after ${timeoutMs} ms`)), timeoutMs);
      this.onCount = (i) => {
        if (seen.has(i) || counts[i]! < targets[i]!) return;
        seen.add(i);
        times.push(performance.now());
        if (seen.size < this.agents) return;
        clearTimeout(timer);
        this.onCount = undefined;
        resolvePromise(times);
      };
    });
  }

  close(): void {
    for (const stream of this.streams) stream.end();
    for (const channel of this.channels) channel.close();
  }
}

async function leanRound(publisher: SimulatedAgent, fleet: LeanFleet, vrf: string, index: number, routes: number, server: ChildProcess): Promise<RoundResult> {
  const prefixes = Array.from({ length: routes }, (_, i) => prefixOf(index * routes + i));
  const published = prefixes.map((prefix) => ({ prefix, label: 1000 + (index % 1000), encapsulations: ['MPLSoUDP'] }));
  const held = fleet.when('adds', routes, 120_000);
  const meter = cpuMeter(server);
  const t0 = performance.now();
  for (let i = 0; i < routes; i += PUBLISH_SIZE) publisher.publish(vrf, published.slice(i, i + PUBLISH_SIZE));
  const times = await held;
  const cpu = meter();
  const seconds = (Math.max(...times) - t0) / 1000;
  const gone = fleet.when('withdrawals', routes, 120_000);
  const t1 = performance.now();
  publisher.withdraw(vrf, prefixes);
  const withdrawn = await gone;
  return { seconds, perAgentMs: times.map((t) => t - t0), withdrawSeconds: (Math.max(...withdrawn) - t1) / 1000, cpu };
}

// ---------------------------------------------------------------- raw baseline clients

type RawStream = ClientDuplexStream<agentProto.AgentMessage, agentProto.ControlMessage>;
const RawClient = makeGenericClientConstructor(RAW_ROUTE_SERVICE, 'RawRoutes');

/** A raw clients plus the publisher stream, on the raw server; each client decodes every message and counts routes. */
class RawFleet {
  private readonly channels: Channel[] = [];
  private readonly streams: RawStream[] = [];
  private readonly counts: number[] = [];
  private publisher: RawStream | undefined;
  private onCount: ((i: number) => void) | undefined;

  constructor(
    private readonly target: string,
    private readonly agents: number,
  ) {}

  private open(): RawStream {
    const channel = new Channel(this.target, credentials.createInsecure(), CHANNEL_OPTIONS);
    this.channels.push(channel);
    const client = new RawClient(this.target, credentials.createInsecure(), { channelOverride: channel });
    const stream = (client as unknown as { session(): RawStream }).session();
    stream.on('error', () => undefined);
    return stream;
  }

  async connect(vrf: string): Promise<void> {
    const welcomed: Array<Promise<void>> = [];
    for (let i = 0; i < this.agents; i++) {
      const stream = this.open();
      this.counts.push(0);
      welcomed.push(
        new Promise((resolvePromise) => {
          stream.on('data', (message: agentProto.ControlMessage) => {
            const body = message.body;
            if (body?.$case === 'welcome') return resolvePromise();
            if (body?.$case === 'routes') {
              this.counts[i]! += body.value.updates.length;
              this.onCount?.(i);
            }
          });
        }),
      );
      stream.write({ body: { $case: 'subscribe', value: { vrf } } });
      this.streams.push(stream);
    }
    const publisher = this.open();
    welcomed.push(new Promise((resolvePromise) => publisher.once('data', () => resolvePromise())));
    publisher.write({ body: { $case: 'hello', value: { agentName: PUBLISHER.name, address: PUBLISHER.address, cluster: '', resumeSessionId: '', lastAckedVersion: 0 } } });
    this.publisher = publisher;
    await Promise.all(welcomed);
  }

  /** Asks the server for `routes` routes to every client; resolves when every client has counted them. */
  round(routes: number, server: ChildProcess): Promise<RoundResult> {
    const targets = this.counts.map((c) => c + routes);
    const times: number[] = [];
    let pending = this.agents;
    return new Promise((resolvePromise, reject) => {
      const timer = setTimeout(() => reject(new Error(`raw: ${pending} clients short after 120 s`)), 120_000);
      const seen = new Set<number>();
      let t0 = 0;
      let meter: ReturnType<typeof cpuMeter> | undefined;
      this.onCount = (i) => {
        if (seen.has(i) || this.counts[i]! < targets[i]!) return;
        seen.add(i);
        times.push(performance.now());
        if (--pending > 0) return;
        clearTimeout(timer);
        this.onCount = undefined;
        resolvePromise({ seconds: (Math.max(...times) - t0) / 1000, perAgentMs: times.map((t) => t - t0), cpu: meter!() });
      };
      meter = cpuMeter(server);
      t0 = performance.now();
      this.publisher!.write({ body: { $case: 'ack', value: { version: routes } } });
    });
  }

  close(): void {
    for (const stream of [...this.streams, ...(this.publisher ? [this.publisher] : [])]) stream.cancel();
    for (const channel of this.channels) channel.close();
  }
}

// ---------------------------------------------------------------- scenario 1



async function fanout(dir: string, children: JsonChild[]): Promise<Record<string, unknown>> {
  progress(`fan-out: starting the controller and the raw gRPC server`);
  const controller = await startController(join(dir, 'fanout'), 'fanout');
  children.push(controller.process);
  const raw = new JsonChild(join(projectRoot, 'dist/bench/support/raw-route-server.js'), { RAW_BATCH_ROUTES: String(BATCH) });
  children.push(raw);
  const rawTarget = `127.0.0.1:${(await raw.next((line) => typeof line.port === 'number', 60_000)).port as number}`;

  const network = 'bench-fanout';
  await createNetwork(controller.rest, network, 200);
  const vrf = vrfOf(network);
  const publisher = new SimulatedAgent({ target: controller.grpc, name: PUBLISHER.name, address: PUBLISHER.address });
  await publisher.connect();
  const lean = new LeanFleet(controller.grpc, FANOUT_AGENTS);
  await lean.connect(vrf);
  const rawFleet = new RawFleet(rawTarget, FANOUT_AGENTS);
  await rawFleet.connect(vrf);

  const count = FANOUT_AGENTS * ROUTES;
  progress(`fan-out: warm-up (${ROUTES} routes to ${FANOUT_AGENTS} agents, ours and raw)`);
  await leanRound(publisher, lean, vrf, 0, ROUTES, controller.process.child);
  await rawFleet.round(ROUTES, raw.child);
  const ours: RoundResult[] = [];
  const raws: RoundResult[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const o = await leanRound(publisher, lean, vrf, r, ROUTES, controller.process.child);
    ours.push(o);
    const b = await rawFleet.round(ROUTES, raw.child);
    raws.push(b);
    progress(
      `fan-out round ${r}/${ROUNDS}: ours ${Math.round(count / o.seconds)} routes/s (${o.seconds.toFixed(2)} s; withdraw ${o.withdrawSeconds!.toFixed(2)} s), raw ${Math.round(count / b.seconds)} routes/s (${b.seconds.toFixed(2)} s); CPU ours: controller ${o.cpu.server} bench ${o.cpu.bench}, raw: server ${b.cpu.server} bench ${b.cpu.bench}`,
    );
  }
  lean.close();
  rawFleet.close();

  // The same rounds to simulated agents that keep tables, as a user of `npm run agent-sim` sees it: information.
  const fleet = new AgentFleet({ target: controller.grpc, agents: FANOUT_AGENTS, prefix: 'bench-sub-', channels: FANOUT_AGENTS });
  const connected = await fleet.connectAll();
  if (connected.failed.length > 0) throw new Error(`fan-out: ${connected.failed.length} agents failed to connect: ${connected.failed[0]!.error.message}`);
  for (const agent of fleet.agents) agent.subscribe(vrf);
  await fleet.waitAllSynced(30_000);
  const simulated: RoundResult[] = [];
  for (let r = 1; r <= SIM_ROUNDS; r++) {
    const o = await oursRound(publisher, fleet, vrf, ROUNDS + r, ROUTES, controller.process.child);
    simulated.push(o);
    progress(`fan-out to simulated agents ${r}/${SIM_ROUNDS}: ${Math.round(count / o.seconds)} routes/s (${o.seconds.toFixed(2)} s)`);
  }
  const totals = fleet.totals();
  const anomalies = fleet.agents.flatMap((a) => a.anomalies).slice(0, 5);
  const controlMetrics = await metrics(controller.rest);

  await Promise.all([fleet.closeAll(), publisher.close()]);
  await controller.process.stop();
  await raw.stop();

  const oursM = fanoutMeasurement(ours, count);
  const rawM = fanoutMeasurement(raws, count);
  const ratio = oursM.perSecond / rawM.perSecond;
  const withdrawRates = ours.map((o) => Math.round(count / o.withdrawSeconds!));
  return {
    row: row(`routes/s pushed to ${FANOUT_AGENTS} agents (${ROUTES} routes)`, oursM, rawM, { text: '>= 0.7x raw', met: ratio >= 0.7 }),
    ours: oursM,
    raw: rawM,
    ratio: round(ratio, 3),
    /** Raw server CPU per route ÷ controller CPU per route: the server side alone, for information (not the bar). */
    serverCpuRatio:
      oursM.cpuMicrosPerRoute.server && rawM.cpuMicrosPerRoute.server ? round(rawM.cpuMicrosPerRoute.server / oursM.cpuMicrosPerRoute.server, 3) : undefined,
    withdrawRoutesPerSecond: { median: Math.round(median(withdrawRates)), rounds: withdrawRates },
    /** The same rounds to simulated agents that decode, keep tables and ack (the agent-sim tool): not the bar. */
    simulatedAgents: fanoutMeasurement(simulated, count),
    controllerMessagesSent: controlMetrics.contrail_control_messages_sent_total,
    controllerRouteUpdatesSent: controlMetrics.contrail_control_route_updates_sent_total,
    subscriberTotals: { messages: totals.messages, routeUpdates: totals.routeUpdates, acks: totals.acks, anomalies: totals.anomalies, firstAnomalies: anomalies },
  };
}

// ---------------------------------------------------------------- scenarios 2 and 3

interface CommitResult {
  attach: boolean;
  putMs: number;
  report: ConvergenceReport;
}

async function convergence(dir: string, children: JsonChild[]): Promise<Record<string, unknown>> {
  progress(`convergence: starting a fresh controller`);
  const controller = await startController(join(dir, 'convergence'), 'convergence');
  children.push(controller.process);
  const { rest } = controller;
  const [x, y] = ['bench-x', 'bench-y'];
  const xUuid = await createNetwork(rest, x, 201);
  const yUuid = await createNetwork(rest, y, 202);
  const rule = {
    direction: '<>',
    protocol: 'any',
    src_addresses: [{ virtual_network: [...PROJECT, x].join(':') }],
    dst_addresses: [{ virtual_network: [...PROJECT, y].join(':') }],
    action_list: { simple_action: 'pass' },
  };
  await request('POST', `${rest}/network-policys`, {
    'network-policy': { fq_name: [...PROJECT, 'bench-x-y'], parent_type: 'project', network_policy_entries: { policy_rule: [rule] } },
  });
  const policyRefs = [{ to: [...PROJECT, 'bench-x-y'], attr: { sequence: { major: 0, minor: 0 } } }];
  await request('PUT', `${rest}/virtual-network/${xUuid}`, { 'virtual-network': { network_policy_refs: policyRefs } });

  const publisher = new SimulatedAgent({ target: controller.grpc, name: PUBLISHER.name, address: PUBLISHER.address });
  await publisher.connect();
  const prefix = '10.202.0.10/32';
  publisher.publish(vrfOf(y), [{ prefix, label: 77, encapsulations: ['MPLSoUDP'] }]);
  const xVrf = vrfOf(x);
  await sleep(1000);
  const before = await settledMetrics(rest);

  progress(`convergence: connecting ${AGENTS} agents over ${Math.min(CHANNELS, AGENTS)} channels`);
  const fleet = new AgentFleet({ target: controller.grpc, agents: AGENTS, prefix: 'bench-agent-', channels: CHANNELS });
  const connected = await fleet.connectAll();
  if (connected.failed.length > 0) throw new Error(`${connected.failed.length} agents failed to connect: ${connected.failed[0]!.error.message}`);
  const syncStart = performance.now();
  for (const agent of fleet.agents) agent.subscribe(xVrf);
  await fleet.waitAllSynced(60_000);
  const syncMs = performance.now() - syncStart;
  progress(`convergence: ${AGENTS} agents connected in ${Math.round(connected.ms)} ms, synced in ${Math.round(syncMs)} ms`);
  await sleep(1000);
  const after = await settledMetrics(rest);
  const benchMemory = fleet.memory();

  const has = (agent: SimulatedAgent): boolean => agent.table(xVrf).has(prefix);
  const commit = async (fleets: AgentFleet[], attach: boolean): Promise<CommitResult> => {
    const reports = fleets.map((f) => {
      f.markCommit();
      return f.waitConverged(attach ? has : (a) => !has(a), 30_000);
    });
    const t = performance.now();
    await request('PUT', `${rest}/virtual-network/${yUuid}`, { 'virtual-network': { network_policy_refs: attach ? policyRefs : [] } });
    const putMs = performance.now() - t;
    const all = await Promise.all(reports);
    const latencies = new Map(all.flatMap((r) => [...r.latencies]));
    const report: ConvergenceReport = { ...all[0]!, complete: all.every((r) => r.complete), latencies, pending: all.flatMap((r) => r.pending), elapsedMs: Math.max(...all.map((r) => r.elapsedMs)) };
    return { attach, putMs, report };
  };

  progress(`convergence: ${WARMUP_COMMITS} warm-up and ${COMMITS} measured commits (alternating attach/detach of the policy on ${y})`);
  const commits: CommitResult[] = [];
  for (let k = 0; k < WARMUP_COMMITS + COMMITS; k++) {
    const result = await commit([fleet], k % 2 === 0);
    if (!result.report.complete) progress(`commit ${k + 1}: ${result.report.pending.length} agents did not converge within 30 s`);
    if (k >= WARMUP_COMMITS) commits.push(result);
    await sleep(50);
  }
  const latencies = commits.flatMap((c) => [...c.report.latencies.values()]).sort((a, b) => a - b);
  const lasts = commits.map((c) => Math.max(0, ...c.report.latencies.values())).sort((a, b) => a - b);
  const firsts = commits.map((c) => Math.min(...c.report.latencies.values())).sort((a, b) => a - b);
  const incomplete = commits.filter((c) => !c.report.complete).length;
  const putMs = commits.map((c) => c.putMs).sort((a, b) => a - b);
  const p99 = percentile(latencies, 99);

  const rssPerAgent = (after.process_resident_memory_bytes! - before.process_resident_memory_bytes!) / AGENTS;
  const heapPerAgent = (after.nodejs_heap_size_used_bytes! - before.nodejs_heap_size_used_bytes!) / AGENTS;
  const held = after.contrail_control_agents! - before.contrail_control_agents!;

  /** Connects `extra` too, and measures what the process holds with every agent, and 4 commits over all of them. */
  const holdMore = async (extra: AgentFleet): Promise<Record<string, unknown>> => {
    const outcome = await extra.connectAll();
    for (const agent of extra.agents) if (agent.connected) agent.subscribe(xVrf);
    let synced = true;
    try {
      await extra.waitAll((a) => !a.connected || a.synced, 'synced', 60_000);
    } catch {
      synced = false;
    }
    await sleep(1000);
    const atMax = await settledMetrics(rest);
    const maxCommits: CommitResult[] = [];
    for (let k = 0; k < 4; k++) {
      maxCommits.push(await commit([fleet, extra], k % 2 === 0));
      await sleep(50);
    }
    const maxLatencies = maxCommits.flatMap((c) => [...c.report.latencies.values()]).sort((a, b) => a - b);
    return {
      tried: MAX_AGENTS,
      channels: fleet.channelCount + extra.channelCount,
      connectFailures: outcome.failed.length,
      synced,
      held: atMax.contrail_control_agents! - before.contrail_control_agents!,
      rssBytes: atMax.process_resident_memory_bytes,
      heapUsedBytes: atMax.nodejs_heap_size_used_bytes,
      rssPerAgentBytes: Math.round((atMax.process_resident_memory_bytes! - before.process_resident_memory_bytes!) / MAX_AGENTS),
      heapPerAgentBytes: Math.round((atMax.nodejs_heap_size_used_bytes! - before.nodejs_heap_size_used_bytes!) / MAX_AGENTS),
      commits: maxCommits.length,
      convergenceMs: { p50: round(percentile(maxLatencies, 50), 1), p99: round(percentile(maxLatencies, 99), 1), max: round(maxLatencies.at(-1) ?? 0, 1) },
      allConverged: maxCommits.every((c) => c.report.complete),
    };
  };

  // Optional: more agents on the same process, to see how many it holds.
  let maxHeld: Record<string, unknown> | undefined;
  let extra: AgentFleet | undefined;
  if (MAX_AGENTS > AGENTS) {
    const more = MAX_AGENTS - AGENTS;
    progress(`max agents: connecting ${more} more agents (${MAX_AGENTS} in all)`);
    extra = new AgentFleet({ target: controller.grpc, agents: more, prefix: 'bench-extra-', channels: Math.round((more * Math.min(CHANNELS, AGENTS)) / AGENTS) });
    try {
      maxHeld = await holdMore(extra);
      progress(`max agents: ${String(maxHeld.held)} held, convergence p99 ${String((maxHeld.convergenceMs as { p99: number }).p99)} ms`);
    } catch (error) {
      maxHeld = { tried: MAX_AGENTS, error: String(error) };
      progress(`max agents: failed: ${String(error)}`);
    }
  }

  const totals = fleet.totals();
  progress('convergence: closing the agents');
  await Promise.all([fleet.closeAll(), extra?.closeAll(), publisher.close()]);
  await controller.process.stop();

  return {
    agents: AGENTS,
    channels: fleet.channelCount,
    commits: commits.length,
    warmupCommits: WARMUP_COMMITS,
    incompleteCommits: incomplete,
    connectMs: Math.round(connected.ms),
    syncMs: Math.round(syncMs),
    convergenceMs: {
      samples: latencies.length,
      p50: round(percentile(latencies, 50), 1),
      p99: round(p99, 1),
      max: round(latencies.at(-1) ?? 0, 1),
      lastAgentP50: round(percentile(lasts, 50), 1),
      lastAgentP99: round(percentile(lasts, 99), 1),
      firstAgentP50: round(percentile(firsts, 50), 1),
      perCommitLastAgent: commits.map((c) => round(Math.max(0, ...c.report.latencies.values()), 1)),
    },
    putMs: { p50: round(percentile(putMs, 50), 1), p99: round(percentile(putMs, 99), 1) },
    convergenceBar: { text: 'p99 < 200 ms', met: incomplete === 0 && p99 < 200 },
    agentsHeld: { held, bar: '>= 1,000', met: held >= 1000 },
    memory: {
      before: { agents: before.contrail_control_agents, rssBytes: before.process_resident_memory_bytes, heapUsedBytes: before.nodejs_heap_size_used_bytes },
      after: { agents: after.contrail_control_agents, rssBytes: after.process_resident_memory_bytes, heapUsedBytes: after.nodejs_heap_size_used_bytes },
      rssPerAgentBytes: Math.round(rssPerAgent),
      heapPerAgentBytes: Math.round(heapPerAgent),
      /** The bench process's whole heap with the agents connected (agents, channels, and what the fan-out left). */
      benchProcessHeapUsedBytes: benchMemory.heapUsed,
    },
    maxHeld,
    fleetTotals: { messages: totals.messages, acks: totals.acks, anomalies: totals.anomalies },
  };
}

// ---------------------------------------------------------------- report

function printFigures(title: string, figures: Array<[string, string, string]>): void {
  const head: [string, string, string] = ['figure', 'value', 'bar'];
  const widths = head.map((h, i) => Math.max(h.length, ...figures.map((f) => f[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  process.stdout.write(`\n${title}\n${fmt(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const f of figures) process.stdout.write(`${fmt(f)}\n`);
}

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-control-'));
  const children: JsonChild[] = [];
  const started = performance.now();
  const loadBefore = loadavg().map((l) => round(l, 2));
  try {
    const fan = await fanout(dir, children);
    const conv = await convergence(dir, children);
    const fanRow = fan.row as ReturnType<typeof row>;
    printTable(`control: route fan-out (${FANOUT_AGENTS} agents × ${ROUTES} routes, median of ${ROUNDS} rounds; p50/p99 = per-agent time to hold all routes)`, [fanRow]);
    const oursF = fan.ours as FanoutMeasurement;
    const rawF = fan.raw as FanoutMeasurement;
    const us = (v: number | undefined) => (v === undefined ? 'n/a' : `${v} µs`);
    printFigures('control: route fan-out, CPU per route delivered to one agent (median round)', [
      ['controller process', us(oursF.cpuMicrosPerRoute.server), ''],
      ['raw server process', us(rawF.cpuMicrosPerRoute.server), ''],
      ['lean agents (bench process)', us(oursF.cpuMicrosPerRoute.clients), ''],
      ['raw clients (bench process)', us(rawF.cpuMicrosPerRoute.clients), ''],
      ['server CPU ratio (raw ÷ controller)', String(fan.serverCpuRatio ?? 'n/a'), 'information, not the bar'],
      ['withdraw routes/s (ours, median)', String((fan.withdrawRoutesPerSecond as { median: number }).median), ''],
      ['routes/s to simulated agents keeping tables', String((fan.simulatedAgents as FanoutMeasurement).perSecond), 'information, not the bar'],
    ]);
    const c = conv.convergenceMs as Record<string, number>;
    const mem = conv.memory as Record<string, number>;
    const heldFig = conv.agentsHeld as { held: number; met: boolean };
    const convBar = conv.convergenceBar as { met: boolean };
    const maxHeld = conv.maxHeld as Record<string, unknown> | undefined;
    const mb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
    printFigures(`control: ${AGENTS} agents over ${String(conv.channels)} channels, ${COMMITS} commits (policy attach/detach)`, [
      ['convergence p50 (all agents)', `${c.p50} ms`, ''],
      ['convergence p99 (all agents)', `${c.p99} ms`, `${convBar.met ? 'MET' : 'MISSED'} (p99 < 200 ms)`],
      ['convergence max', `${c.max} ms`, ''],
      ['last agent per commit p50', `${c.lastAgentP50} ms`, ''],
      ['last agent per commit p99', `${c.lastAgentP99} ms`, ''],
      ['first agent per commit p50', `${c.firstAgentP50} ms`, ''],
      ['REST PUT round trip p50', `${(conv.putMs as { p50: number }).p50} ms`, ''],
      ['agents held per control process', String(heldFig.held), `${heldFig.met ? 'MET' : 'MISSED'} (>= 1,000)`],
      ['RSS per agent', mb(mem.rssPerAgentBytes!), ''],
      ['heap per agent', mb(mem.heapPerAgentBytes!), ''],
      ...(maxHeld ? [[`agents held (tried ${String(maxHeld.tried)})`, String(maxHeld.held), ''] as [string, string, string]] : []),
    ]);
    const file = writeResults('control', {
      parameters: {
        fanoutAgents: FANOUT_AGENTS,
        routes: ROUTES,
        publishSize: PUBLISH_SIZE,
        rounds: ROUNDS,
        batchRoutes: BATCH,
        window: Number(process.env.AGENT_WINDOW ?? 32),
        agents: AGENTS,
        channels: conv.channels,
        commits: COMMITS,
        warmupCommits: WARMUP_COMMITS,
        maxAgents: MAX_AGENTS,
      },
      bars: {
        routesPerSecond: { bar: '>= 0.7x raw', ours: fan.ours, raw: fan.raw, ratio: fan.ratio, met: fanRow.met },
        convergence: { bar: 'p99 < 200 ms with 1,000 agents', p50Ms: c.p50, p99Ms: c.p99, met: convBar.met },
        agentsPerProcess: { bar: '>= 1,000', held: heldFig.held, maxHeld: maxHeld?.held, met: heldFig.met },
      },
      rows: [fanRow],
      fanout: { ...fan, row: undefined },
      convergence: conv,
      environment: {
        notes: [
          'Controller (all-in-one, SQLite, LOG_LEVEL=info) and the raw gRPC server each run in their own child process; every agent and raw client runs in the bench process, over loopback.',
          'Controller and bench process share the same 2 cores; the raw server and its clients likewise. Other work on the machine (see the load averages) adds noise; the CPU per route figures are less sensitive to it than the rates.',
          'Fan-out rounds alternate ours and raw, after one unmeasured full-size warm-up round of each; ours rounds publish fresh prefixes and withdraw them afterwards.',
          'Raw clients only decode and count; simulated agents also apply each batch to their tables and ack each message (control holds at most AGENT_WINDOW messages unacked).',
          'Convergence latency: from just before the REST PUT until the agent acked the message that made its table show the change (acks are sent on receipt).',
          'Memory per agent: difference of the controller /metrics (process_resident_memory_bytes, nodejs_heap_size_used_bytes) before the agents connected and 1 s after they were all synced, divided by the agents; each reading is the lowest of 5 samples 400 ms apart (no forced GC, so the heap figure is noisier than RSS).',
        ],
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadavg().map((l) => round(l, 2)),
        totalSeconds: round((performance.now() - started) / 1000, 1),
      },
    });
    progress(`results in ${file}`);
  } finally {
    for (const child of children) await child.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
