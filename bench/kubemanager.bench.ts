/**
 * bench/kubemanager: pods per second from a Kubernetes watch event to the pod's route at a remote cluster's agents.
 *
 * Setup, all on 127.0.0.1. The built all-in-one controller (child process; SQLite in a temp DATA_DIR; REST, gRPC and
 * XMPP ports 0). Two workload clusters, east and west: each a fake Kubernetes API server (test/fake-kube-api, in this
 * process) with NODES nodes, recorded in the config API with `cluster attach` (disjoint pod subnets 10.32.0.0/16 and
 * 10.33.0.0/16) and watched by its own kubemanager (child process, apps/kubemanager, KUBEMANAGER_RESYNC_MS=0 so no
 * periodic reconcile lands inside a round). Once both synced, a mesh virtual-network-router (REST) connects the two
 * clusters' pod networks (docs/routing-semantics.md §2). Per node a SimulatedAgent (in this process) named
 * `<cluster>__<node>` following config (it subscribes to its interfaces' VRFs and publishes their host routes, as in
 * test/e2e/kubemanager-clusters.e2e.ts), also subscribed to its cluster's pod VRF, where the other cluster's pod
 * routes arrive through the mesh.
 *
 * A round offers PODS pods per cluster, both clusters interleaved, pod i on node i mod NODES: all at once (default),
 * or at OFFERED_RATE pods/s in total. Per pod, in this process's clock:
 *   t0       offered: created in the fake API server (its watch event goes out in that call);
 *   exists   its instance-ip accepted by the config log (the recorded_at of a config Watch event; the last of its
 *            three objects);
 *   status   its network-status written back with an address (kubemanager rounds only);
 *   local    its interface, with its address, in the config its node's agent received;
 *   t1       its /32 in the pod VRF of every agent of the other cluster (and, for information, of the first one),
 *            each arrival time taken when the agent received the route update; afterwards every remote table is
 *            checked to hold it with the pod's node as next hop (misplaced must be 0).
 * pods/s = 2 × PODS / (last t1 − first t0); latency = t1 − t0 (p50, p99, max).
 *
 * Raw baseline in the same run, on the same controller and agents, rounds alternating with ours (and alternating
 * which goes first): a plain ConfigService gRPC client per cluster (bench/support/raw-pod-writer.ts) writes per pod
 * the objects the kubemanager writes (virtual-machine; virtual-machine-interface with the VM, network and security
 * group refs and the host_id binding; instance-ip), one after the other, with CONCURRENCY pods in flight per cluster
 * (the kubemanager's KUBEMANAGER_CONCURRENCY, set to the same). Its pods are offered on the same schedule, t0 being
 * the moment a pod is handed to the writer's queue. The ratio ours ÷ raw is what the kubemanager's own work (watch,
 * cache, mapping, plan, write-back) costs. Between rounds the pods are deleted (Kubernetes deletes for ours, config
 * deletes for raw) until every agent's pod VRF is empty and the kubemanagers are idle. Reported also: CPU seconds
 * of the controller, the kubemanagers and this process per round, the kubemanagers' RSS (and peak) from /proc and
 * their config commands from their /metrics.
 *
 * The machine is shared: per round, the CPU seconds of the controller, the kubemanagers, this process and every other
 * process (from /proc/stat) are recorded, so a round that other work crowded can be told from one that was quiet;
 * and each round first waits (up to QUIET_WAIT seconds) for a second in which other processes took under a fifth of
 * the machine.
 *
 * Environment: BENCH_PODS_PER_CLUSTER (1000), BENCH_NODES_PER_CLUSTER (10), BENCH_ROUNDS (5 pairs), BENCH_WARMUP_ROUNDS
 * (2 pairs, unmeasured), BENCH_OFFERED_RATE (0 = all at once; else pods/s for both clusters together),
 * BENCH_CONCURRENCY (the kubemanager's default, 64: KUBEMANAGER_CONCURRENCY and the raw writer's pods in flight per
 * cluster), BENCH_ROUND_TIMEOUT_S (120), BENCH_QUIET_WAIT_S (10; 0 = do not wait), BENCH_CPU_PROF (a directory: the
 * controller and the kubemanagers run with --cpu-prof into it). AGENT_WINDOW, AGENT_BATCH_ROUTES pass to the
 * controller.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { SimulatedAgent } from '#apps/agent-sim';
import type { agentProto } from '#libs/proto';
import { DEFAULT_CONCURRENCY } from '../apps/kubemanager/src/runtime/kubemanager.js';
import { BenchCluster, NETWORK_STATUS, type ClusterPlan } from './support/kube-clusters.js';
import { benchSetting, percentile, printTable, progress, projectRoot, round, row, writeResults, type Measurement } from './support/measure.js';
import { InstanceIpWatch, PodTimeline, type PodTimes } from './support/pod-timeline.js';
import { RawPodWriter, type RawPod } from './support/raw-pod-writer.js';
import { JsonChild, startBuiltController } from './support/json-child.js';
import { cpuSecondsOf, rssOf, sleep } from './support/xmpp-bench-processes.js';

const PODS = benchSetting('BENCH_PODS_PER_CLUSTER', 1000);
const NODES = benchSetting('BENCH_NODES_PER_CLUSTER', 10);
const ROUNDS = benchSetting('BENCH_ROUNDS', 5);
const WARMUP_ROUNDS = benchSetting('BENCH_WARMUP_ROUNDS', 2);
const OFFERED_RATE = benchSetting('BENCH_OFFERED_RATE', 0);
const CONCURRENCY = benchSetting('BENCH_CONCURRENCY', DEFAULT_CONCURRENCY);
const ROUND_TIMEOUT_MS = benchSetting('BENCH_ROUND_TIMEOUT_S', 120) * 1000;
const QUIET_WAIT_MS = benchSetting('BENCH_QUIET_WAIT_S', 10) * 1000;
const CPU_PROF = process.env.BENCH_CPU_PROF ? resolve(process.env.BENCH_CPU_PROF) : undefined;
if (NODES < 1 || NODES > 254) throw new Error(`BENCH_NODES_PER_CLUSTER must be 1..254, got ${NODES}`);
if (PODS < 1 || ROUNDS < 1 || CONCURRENCY < 1) throw new Error('BENCH_PODS_PER_CLUSTER, BENCH_ROUNDS and BENCH_CONCURRENCY must be at least 1');

const PLANS: ClusterPlan[] = [
  { name: 'east', podSubnet: '10.32.0.0/16', serviceSubnet: '10.96.0.0/16', nodes: NODES, nodeOctet: 1 },
  { name: 'west', podSubnet: '10.33.0.0/16', serviceSubnet: '10.97.0.0/16', nodes: NODES, nodeOctet: 2 },
];
const MESH = ['default-domain', 'default-project', 'bench-pod-mesh'];

type Side = 'ours' | 'raw';

interface Controller {
  process: JsonChild;
  rest: string;
  grpc: string;
}

/** The world a round runs in. */
interface Bench {
  controller: Controller;
  clusters: BenchCluster[];
  /** The round being measured: every listener feeds it. */
  timeline: PodTimeline | undefined;
}

// ---------------------------------------------------------------- setup

async function startController(dataDir: string): Promise<Controller> {
  const nodeArgs = CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF}`, '--cpu-prof-name=controller.cpuprofile'] : [];
  return startBuiltController(dataDir, { passEnv: ['AGENT_WINDOW', 'AGENT_BATCH_ROUTES'], nodeArgs });
}

async function rest(method: string, url: string, body?: unknown): Promise<Record<string, Record<string, unknown>>> {
  const res = await fetch(url, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`${method} ${url} → ${res.status}: ${text.slice(0, 300)}`);
  return JSON.parse(text) as Record<string, Record<string, unknown>>;
}

/** Connects the two pod networks: a mesh VNR refs both (docs/routing-semantics.md §2). */
async function meshPodNetworks(controller: Controller, clusters: BenchCluster[]): Promise<void> {
  await rest('POST', `${controller.rest}/virtual-network-routers`, {
    'virtual-network-router': {
      fq_name: MESH,
      parent_type: 'project',
      virtual_network_router_type: 'mesh',
      virtual_network_refs: clusters.map((c) => ({ to: c.podNetwork })),
    },
  });
}

async function setUp(dir: string, stops: Array<() => Promise<void>>): Promise<Bench> {
  if (CPU_PROF) mkdirSync(CPU_PROF, { recursive: true });
  const controller = await startController(join(dir, 'data'));
  stops.push(() => controller.process.stop());
  const clusters: BenchCluster[] = [];
  for (const plan of PLANS) {
    const cluster = await BenchCluster.start(plan, dir);
    clusters.push(cluster);
    stops.push(() => cluster.close());
    await cluster.attach(controller.grpc);
  }
  progress(`controller up; starting the kubemanagers of ${clusters.map((c) => c.name).join(' and ')} (${NODES} nodes each)`);
  const kubemanagerEnv = { KUBEMANAGER_RESYNC_MS: '0', KUBEMANAGER_CONCURRENCY: String(CONCURRENCY) };
  await Promise.all(clusters.map((c) => c.startKubemanager({ configApi: controller.grpc, env: kubemanagerEnv, cpuProfileDir: CPU_PROF })));
  await meshPodNetworks(controller, clusters);
  for (const cluster of clusters) await cluster.connectAgents(controller.grpc);
  progress(`kubemanagers synced, pod networks meshed, ${clusters.length * NODES} agents connected`);

  const bench: Bench = { controller, clusters, timeline: undefined };
  for (const cluster of clusters) {
    for (const agent of cluster.agents) {
      agent.on('message', (message: agentProto.ControlMessage) => bench.timeline?.onAgentMessage(agent, message, performance.now()));
    }
    const unsubscribe = cluster.onPodChange((change) => {
      if (!bench.timeline || change.type !== 'MODIFIED') return;
      const status = change.object.metadata.annotations?.[NETWORK_STATUS];
      if (status === undefined || !status.includes('"ips":["')) return;
      bench.timeline.onStatusWritten(`${change.object.metadata.name}__${change.object.metadata.uid}`, performance.now());
    });
    stops.push(async () => {
      unsubscribe();
    });
  }
  const watch = new InstanceIpWatch(controller.grpc, (event) => bench.timeline?.onConfigEvent(event));
  stops.push(async () => watch.close());
  return bench;
}

// ---------------------------------------------------------------- offering pods

/** Calls `offer(i)` for i in 0..count-1: all at once, or at OFFERED_RATE per second. */
async function offerAll(count: number, offer: (i: number) => void): Promise<void> {
  if (OFFERED_RATE === 0) {
    for (let i = 0; i < count; i++) offer(i);
    return;
  }
  const start = performance.now();
  let next = 0;
  while (next < count) {
    const due = Math.min(count, Math.floor(((performance.now() - start) / 1000) * OFFERED_RATE) + 1);
    while (next < due) offer(next++);
    if (next < count) await sleep(2);
  }
}

/** A queue the raw writers take pods from as they are offered. */
class OfferedPods {
  private readonly items: RawPod[] = [];
  private head = 0;
  private readonly waiting: Array<(pod: RawPod | undefined) => void> = [];
  private closed = false;

  push(pod: RawPod): void {
    const waiter = this.waiting.shift();
    if (waiter) waiter(pod);
    else this.items.push(pod);
  }

  /** No more pods: waiting writers get undefined. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiting.splice(0)) waiter(undefined);
  }

  next(): Promise<RawPod | undefined> {
    if (this.head < this.items.length) return Promise.resolve(this.items[this.head++]);
    if (this.closed) return Promise.resolve(undefined);
    return new Promise((r) => this.waiting.push(r));
  }
}

/** Runs `work` on every pod the queue yields, `concurrency` at once. */
async function drain(queue: OfferedPods, concurrency: number, work: (pod: RawPod) => Promise<void>): Promise<void> {
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let pod = await queue.next(); pod !== undefined; pod = await queue.next()) await work(pod);
    }),
  );
}

// ---------------------------------------------------------------- rounds

interface CpuSnapshot {
  controller: number | undefined;
  kubemanagers: number | undefined;
  bench: number;
  /** Every CPU of the machine (/proc/stat, all but idle and iowait): with the above, what other work took. */
  machine: number | undefined;
}

function cpuNow(bench: Bench): CpuSnapshot {
  const kubemanagers = bench.clusters.map((c) => cpuSecondsOf(c.kubemanager?.pid));
  const usage = process.cpuUsage();
  return {
    controller: cpuSecondsOf(bench.controller.process.pid),
    kubemanagers: kubemanagers.some((k) => k === undefined) ? undefined : kubemanagers.reduce((a, b) => a! + b!, 0),
    bench: (usage.user + usage.system) / 1e6,
    machine: machineBusySeconds(),
  };
}

/** CPU seconds of the whole machine not idle, from the first line of /proc/stat (Linux); undefined elsewhere. */
function machineBusySeconds(): number | undefined {
  try {
    const [user, nice, system, , , irq, softirq, steal] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) / 100;
  } catch {
    return undefined;
  }
}

interface RoundCpu {
  controller: number | undefined;
  kubemanagers: number | undefined;
  bench: number;
  /** CPU seconds the rest of the machine used meanwhile (other people's work): a round with much of it is noisy. */
  otherProcesses: number | undefined;
  /** The round's wall seconds × the machine's CPUs: the CPU seconds there were to share. */
  available: number;
}

function cpuSince(before: CpuSnapshot, after: CpuSnapshot, wallSeconds: number): RoundCpu {
  const diff = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined ? undefined : round(b - a, 2));
  const controller = diff(before.controller, after.controller);
  const kubemanagers = diff(before.kubemanagers, after.kubemanagers);
  const bench = round(after.bench - before.bench, 2);
  const machine = diff(before.machine, after.machine);
  const ours = (controller ?? 0) + (kubemanagers ?? 0) + bench;
  return {
    controller,
    kubemanagers,
    bench,
    otherProcesses: machine === undefined ? undefined : round(Math.max(0, machine - ours), 2),
    available: round(wallSeconds * cpus().length, 1),
  };
}

interface StageFigures {
  samples: number;
  p50: number;
  p99: number;
  max: number;
}

function stage(pods: PodTimes[], at: (p: PodTimes) => number | undefined): StageFigures | undefined {
  const values = pods
    .map((p) => at(p))
    .filter((v): v is number => v !== undefined)
    .sort((a, b) => a - b);
  if (values.length === 0) return undefined;
  return { samples: values.length, p50: round(percentile(values, 50), 1), p99: round(percentile(values, 99), 1), max: round(values.at(-1)!, 1) };
}

interface RoundResult {
  side: Side;
  round: number;
  pods: number;
  podsPerSecond: number;
  seconds: number;
  /** t1 − t0 over every pod, in ms. */
  latencyMs: StageFigures;
  /** Stages, each from t0, in ms. */
  stagesMs: { exists?: StageFigures; statusWritten?: StageFigures; atLocalAgent?: StageFigures; firstRemoteAgent?: StageFigures; everyRemoteAgent?: StageFigures };
  /** Route placements at remote agents not as expected (must be 0). */
  misplaced: number;
  /** Pods of a kubemanager round whose network-status was not seen written back within the wait. */
  statusMissing: number;
  cpuSeconds: RoundCpu;
  /** Deleting the round's pods until every agent's pod VRF was empty, pods/s. */
  withdrawPodsPerSecond: number;
  /** How long the round waited for a quiet machine before it started (untilQuiet). */
  waitedForQuietSeconds?: number;
}

function summariseRound(side: Side, roundNo: number, timeline: PodTimeline, cpu: RoundCpu, withdrawPodsPerSecond: number, misplaced: number): RoundResult {
  const pods = [...timeline.pods.values()];
  const first = Math.min(...pods.map((p) => p.offered));
  const last = Math.max(...pods.map((p) => p.everyRemote ?? Number.POSITIVE_INFINITY));
  const seconds = (last - first) / 1000;
  const since = (at: (p: PodTimes) => number | undefined) => (p: PodTimes) => {
    const t = at(p);
    return t === undefined ? undefined : t - p.offered;
  };
  return {
    side,
    round: roundNo,
    pods: pods.length,
    podsPerSecond: Math.round(pods.length / seconds),
    seconds: round(seconds, 3),
    latencyMs: stage(pods, since((p) => p.everyRemote))!,
    stagesMs: {
      exists: stage(pods, since((p) => p.exists)),
      statusWritten: side === 'ours' ? stage(pods, since((p) => p.statusWritten)) : undefined,
      atLocalAgent: stage(pods, since((p) => p.atLocalAgent)),
      firstRemoteAgent: stage(pods, since((p) => p.firstRemote)),
      everyRemoteAgent: stage(pods, since((p) => p.everyRemote)),
    },
    misplaced,
    statusMissing: side === 'ours' ? pods.filter((p) => p.statusWritten === undefined).length : 0,
    cpuSeconds: cpu,
    withdrawPodsPerSecond,
  };
}

/**
 * Before a round: waits, up to QUIET_WAIT_MS, for a second in which other processes (not ours) took under a fifth of
 * the machine, so that a round starts on a machine other work is not crowding. Answers the seconds waited.
 */
async function untilQuiet(bench: Bench): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < QUIET_WAIT_MS) {
    const before = cpuNow(bench);
    const t = performance.now();
    await sleep(1000);
    const cpu = cpuSince(before, cpuNow(bench), (performance.now() - t) / 1000);
    if (cpu.otherProcesses === undefined || cpu.otherProcesses < 0.2 * cpu.available) break;
  }
  return round((performance.now() - started) / 1000, 1);
}

/**
 * The config Watch (instance-ip accepted) and the write-back may trail the routes a little: the stage figures want
 * them, so the round's timeline keeps listening for up to 10 s (after the CPU and the pods/s were taken).
 */
async function untilStagesSeen(timeline: PodTimeline, seen: (pod: PodTimes) => boolean): Promise<void> {
  const deadline = performance.now() + 10_000;
  while ([...timeline.pods.values()].some((p) => !seen(p)) && performance.now() < deadline) await sleep(20);
}

/** Until every agent's pod VRF is empty (every pod route withdrawn everywhere). */
async function untilWithdrawn(bench: Bench): Promise<void> {
  const all: Array<[SimulatedAgent, string]> = bench.clusters.flatMap((c) => c.agents.map((a): [SimulatedAgent, string] => [a, c.podVrf]));
  await Promise.all(all.map(([agent, vrf]) => agent.waitFor((a) => a.table(vrf).size === 0, ROUND_TIMEOUT_MS, `${vrf} empty`)));
}

async function oursRound(bench: Bench, roundNo: number): Promise<RoundResult> {
  const [east, west] = bench.clusters as [BenchCluster, BenchCluster];
  const timeline = new PodTimeline(bench.clusters, PODS);
  const names: Array<[BenchCluster, string]> = [];
  bench.timeline = timeline;
  const cpuBefore = cpuNow(bench);
  const started = performance.now();
  await offerAll(2 * PODS, (n) => {
    const cluster = n % 2 === 0 ? east : west;
    const i = n >> 1;
    const name = `k${roundNo}-${i}`;
    const node = cluster.nodeOf(i);
    const offered = performance.now();
    const pod = cluster.createPod(name, node);
    timeline.offered(`${name}__${pod.metadata.uid}`, cluster, node, offered);
    names.push([cluster, name]);
  });
  await timeline.whenComplete(ROUND_TIMEOUT_MS);
  const cpu = cpuSince(cpuBefore, cpuNow(bench), (performance.now() - started) / 1000);
  await untilStagesSeen(timeline, (p) => p.exists !== undefined && p.statusWritten !== undefined);
  const { misplaced } = timeline.settle();
  bench.timeline = undefined;

  const withdrawStart = performance.now();
  for (const [cluster, name] of names) cluster.deletePod(name);
  await untilWithdrawn(bench);
  const withdrawSeconds = (performance.now() - withdrawStart) / 1000;
  await Promise.all(bench.clusters.map((c) => c.kubemanagerIdle(ROUND_TIMEOUT_MS)));
  return summariseRound('ours', roundNo, timeline, cpu, Math.round(names.length / withdrawSeconds), misplaced);
}

async function rawRound(bench: Bench, writers: RawPodWriter[], roundNo: number): Promise<RoundResult> {
  const timeline = new PodTimeline(bench.clusters, PODS);
  const queues = bench.clusters.map(() => new OfferedPods());
  const created: RawPod[][] = bench.clusters.map(() => []);
  bench.timeline = timeline;
  const cpuBefore = cpuNow(bench);
  const started = performance.now();
  const writing = Promise.all(
    bench.clusters.map((_, c) =>
      drain(queues[c]!, CONCURRENCY, async (pod) => {
        await writers[c]!.create(pod);
        created[c]!.push(pod);
      }),
    ),
  );
  await offerAll(2 * PODS, (n) => {
    const c = n % 2;
    const cluster = bench.clusters[c]!;
    const i = n >> 1;
    const node = cluster.nodeOf(i);
    const pod = RawPodWriter.pod(cluster.name, `r${roundNo}-${i}`, cluster.agentName(node), cluster.podNetwork, cluster.securityGroup);
    timeline.offered(pod.key, cluster, node, performance.now());
    queues[c]!.push(pod);
  });
  for (const queue of queues) queue.close();
  await writing;
  await timeline.whenComplete(ROUND_TIMEOUT_MS);
  const cpu = cpuSince(cpuBefore, cpuNow(bench), (performance.now() - started) / 1000);
  await untilStagesSeen(timeline, (p) => p.exists !== undefined);
  const { misplaced } = timeline.settle();
  bench.timeline = undefined;

  const withdrawStart = performance.now();
  await Promise.all(
    bench.clusters.map((_, c) => {
      const queue = new OfferedPods();
      for (const pod of created[c]!) queue.push(pod);
      queue.close();
      return drain(queue, CONCURRENCY, (pod) => writers[c]!.delete(pod));
    }),
  );
  await untilWithdrawn(bench);
  const withdrawSeconds = (performance.now() - withdrawStart) / 1000;
  return summariseRound('raw', roundNo, timeline, cpu, Math.round((2 * PODS) / withdrawSeconds), misplaced);
}

// ---------------------------------------------------------------- kubemanager processes

/** Labelled kubemanager_* series of one /metrics text, by series (name and labels). */
async function kubemanagerSeries(cluster: BenchCluster): Promise<Map<string, number>> {
  const text = await (await fetch(`${cluster.kubemanagerRest}/metrics`)).text();
  const series = new Map<string, number>();
  for (const line of text.split('\n')) {
    const match = /^(kubemanager_(?:config_commands_total|reconcile_errors_total|pod_status_writes_total|reconcile_duration_seconds_count|reconcile_duration_seconds_sum|watch_events_total|watch_failures_total|lists_total)(?:\{[^}]*\})?)\s+(\S+)$/.exec(line);
    if (match) series.set(match[1]!.replace(/cluster="[^"]*",?/, ''), Number(match[2]));
  }
  return series;
}

/** Peak resident set size in bytes (VmHWM), from /proc (Linux); undefined elsewhere. */
function peakRssOf(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------- report

function measurementOf(r: RoundResult): Measurement {
  return { perSecond: r.podsPerSecond, count: r.pods, seconds: r.seconds, p50Ms: r.latencyMs.p50, p99Ms: r.latencyMs.p99 };
}

/** The middle item by `by` (the lower of the two middle ones for an even count). */
function median<T>(items: T[], by: (t: T) => number): T {
  const sorted = [...items].sort((a, b) => by(a) - by(b));
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

function medianOf(values: Array<number | undefined>): number | undefined {
  const known = values.filter((v): v is number => v !== undefined);
  return known.length === 0 ? undefined : median(known, (v) => v);
}

/** Over the rounds of one side: the median CPU per pod (ms) of each process group. */
function cpuPerPod(rounds: RoundResult[]): { controller?: number; kubemanagers?: number; bench?: number } {
  const per = (of: 'controller' | 'kubemanagers' | 'bench') => {
    const m = medianOf(rounds.map((r) => (r.cpuSeconds[of] === undefined ? undefined : (r.cpuSeconds[of]! * 1000) / r.pods)));
    return m === undefined ? undefined : round(m, 2);
  };
  return { controller: per('controller'), kubemanagers: per('kubemanagers'), bench: per('bench') };
}

/** A round the rest of the machine left mostly alone: other processes took under a tenth of its CPU seconds. */
const quiet = (r: RoundResult) => r.cpuSeconds.otherProcesses !== undefined && r.cpuSeconds.otherProcesses < 0.1 * r.cpuSeconds.available;

function printFigures(title: string, figures: Array<[string, string]>): void {
  const width = Math.max(...figures.map((f) => f[0].length));
  process.stdout.write(`\n${title}\n`);
  for (const [name, value] of figures) process.stdout.write(`${name.padEnd(width)}  ${value}\n`);
}

const ms = (s: StageFigures | undefined) => (s ? `${s.p50} / ${s.p99} / ${s.max} ms` : 'n/a');
const mib = (b: number | undefined) => (b === undefined ? 'n/a' : `${(b / 2 ** 20).toFixed(1)} MiB`);

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-kubemanager-'));
  const stops: Array<() => Promise<void>> = [];
  const started = performance.now();
  const loadBefore = loadavg().map((l) => round(l, 2));
  try {
    const bench = await setUp(dir, stops);
    const writers = bench.clusters.map(() => new RawPodWriter(bench.controller.grpc));
    stops.push(async () => writers.forEach((w) => w.close()));
    const kubemanagerCpuAtStart = bench.clusters.map((c) => cpuSecondsOf(c.kubemanager?.pid));
    const rssAtStart = bench.clusters.map((c) => rssOf(c.kubemanager?.pid));
    const seriesBefore = await Promise.all(bench.clusters.map((c) => kubemanagerSeries(c)));

    // Rounds in pairs; the side that goes first alternates, so a drift of the machine weighs on both alike.
    const pairs: Array<Record<Side, RoundResult>> = [];
    const measuredOursSeries = new Map<string, number>();
    for (let r = 0; r < WARMUP_ROUNDS + ROUNDS; r++) {
      const warmup = r < WARMUP_ROUNDS;
      const pair: Partial<Record<Side, RoundResult>> = {};
      for (const side of (r % 2 === 0 ? ['ours', 'raw'] : ['raw', 'ours']) as Side[]) {
        const before = side === 'ours' ? await Promise.all(bench.clusters.map((c) => kubemanagerSeries(c))) : [];
        const waitedForQuietSeconds = await untilQuiet(bench);
        const result = { ...(side === 'ours' ? await oursRound(bench, r) : await rawRound(bench, writers, r)), waitedForQuietSeconds };
        if (side === 'ours' && !warmup) {
          const after = await Promise.all(bench.clusters.map((c) => kubemanagerSeries(c)));
          for (let i = 0; i < after.length; i++) {
            for (const [name, delta] of diffSeries(before[i]!, after[i]!)) measuredOursSeries.set(name, (measuredOursSeries.get(name) ?? 0) + delta);
          }
        }
        const cpu = result.cpuSeconds;
        progress(
          `${warmup ? 'warm-up ' : ''}round ${r} ${side}: ${result.podsPerSecond} pods/s, latency p50 ${result.latencyMs.p50} p99 ${result.latencyMs.p99} ms; ` +
            `CPU s controller ${cpu.controller} kubemanagers ${cpu.kubemanagers} bench ${cpu.bench} other processes ${cpu.otherProcesses} of ${cpu.available}; misplaced ${result.misplaced}`,
        );
        pair[side] = result;
      }
      if (!warmup) pairs.push(pair as Record<Side, RoundResult>);
    }

    const ours = pairs.map((p) => p.ours);
    const raw = pairs.map((p) => p.raw);
    const oursMedian = median(ours, (r) => r.podsPerSecond);
    const rawMedian = median(raw, (r) => r.podsPerSecond);
    const pairRatios = pairs.map((p) => round(p.ours.podsPerSecond / p.raw.podsPerSecond, 2));
    const misplaced = [...ours, ...raw].reduce((sum, r) => sum + r.misplaced, 0);
    const barText = '>= 500 pods/s, 2 clusters × 1,000 pods';
    const met = oursMedian.podsPerSecond >= 500 && misplaced === 0 && PODS >= 1000 && PLANS.length === 2;
    const mainRow = row(`watch event → route at every remote agent (2 × ${PODS} pods)`, measurementOf(oursMedian), measurementOf(rawMedian), { text: barText, met });
    printTable(`kubemanager: pods from watch event to route at the other cluster's agents (median of ${ROUNDS} rounds; p50/p99 = per-pod latency)`, [mainRow]);

    const kubemanagers = bench.clusters.map((c, i) => {
      const cpu = cpuSecondsOf(c.kubemanager?.pid);
      const start = kubemanagerCpuAtStart[i];
      return {
        cluster: c.name,
        rssBytesSynced: rssAtStart[i],
        rssBytes: rssOf(c.kubemanager?.pid),
        peakRssBytes: peakRssOf(c.kubemanager?.pid),
        cpuSecondsTotal: cpu,
        cpuSecondsSinceSynced: cpu === undefined || start === undefined ? undefined : round(cpu - start, 2),
      };
    });
    const seriesAfter = await Promise.all(bench.clusters.map((c) => kubemanagerSeries(c)));
    const commands = perPod(measuredOursSeries, ours.length * 2 * PODS);
    const oursCpu = cpuPerPod(ours);
    const rawCpu = cpuPerPod(raw);
    const quietPairs = pairs.filter((p) => quiet(p.ours) && quiet(p.raw));
    const perMs = (v: number | undefined) => (v === undefined ? 'n/a' : `${v} ms`);
    printFigures('kubemanager: per round, and stages from t0 as p50 / p99 / max (median round of each side)', [
      ['pods/s per round, ours', ours.map((r) => r.podsPerSecond).join(', ')],
      ['pods/s per round, raw', raw.map((r) => r.podsPerSecond).join(', ')],
      ['ours ÷ raw per pair (median)', `${pairRatios.join(', ')} (${median(pairRatios, (v) => v)})`],
      ['other processes, share of the CPU per pair', pairs.map((p) => `${Math.round((100 * (p.ours.cpuSeconds.otherProcesses ?? 0)) / p.ours.cpuSeconds.available)}%/${Math.round((100 * (p.raw.cpuSeconds.otherProcesses ?? 0)) / p.raw.cpuSeconds.available)}%`).join(', ')],
      ['pairs with under 10% other CPU: ours / raw pods/s', quietPairs.length === 0 ? 'none' : quietPairs.map((p) => `${p.ours.podsPerSecond}/${p.raw.podsPerSecond}`).join(', ')],
      ['ours: instance-ip accepted by the config log', ms(oursMedian.stagesMs.exists)],
      ['ours: network-status written back', ms(oursMedian.stagesMs.statusWritten)],
      ['ours: interface at the local agent', ms(oursMedian.stagesMs.atLocalAgent)],
      ['ours: route at the first remote agent', ms(oursMedian.stagesMs.firstRemoteAgent)],
      ['ours: route at every remote agent', ms(oursMedian.stagesMs.everyRemoteAgent)],
      ['raw: instance-ip accepted by the config log', ms(rawMedian.stagesMs.exists)],
      ['raw: interface at the local agent', ms(rawMedian.stagesMs.atLocalAgent)],
      ['raw: route at every remote agent', ms(rawMedian.stagesMs.everyRemoteAgent)],
      ['CPU per pod, controller (ours / raw; median)', `${perMs(oursCpu.controller)} / ${perMs(rawCpu.controller)}`],
      ['CPU per pod, both kubemanagers (ours; median)', perMs(oursCpu.kubemanagers)],
      ['CPU per pod, bench process (ours / raw; median)', `${perMs(oursCpu.bench)} / ${perMs(rawCpu.bench)}`],
      ...kubemanagers.map((k): [string, string] => [
        `kubemanager ${k.cluster}: RSS synced → end (peak); CPU s since synced`,
        `${mib(k.rssBytesSynced)} → ${mib(k.rssBytes)} (${mib(k.peakRssBytes)}); ${k.cpuSecondsSinceSynced}`,
      ]),
      ['kubemanager commands per pod (measured rounds)', Object.entries(commands).map(([k, v]) => `${k} ${v}`).join('; ')],
      ['route placements not as expected', String(misplaced)],
    ]);

    const file = writeResults('kubemanager', {
      parameters: {
        podsPerCluster: PODS,
        clusters: PLANS.length,
        nodesPerCluster: NODES,
        rounds: ROUNDS,
        warmupRounds: WARMUP_ROUNDS,
        offeredRate: OFFERED_RATE === 0 ? 'all at once' : OFFERED_RATE,
        concurrency: CONCURRENCY,
        batchRoutes: Number(process.env.AGENT_BATCH_ROUTES ?? 256),
        window: Number(process.env.AGENT_WINDOW ?? 32),
      },
      bars: {
        podsPerSecond: {
          bar: barText,
          ours: oursMedian.podsPerSecond,
          raw: rawMedian.podsPerSecond,
          ratio: mainRow.ratio,
          pairRatioMedian: median(pairRatios, (v) => v),
          latencyMs: oursMedian.latencyMs,
          met: mainRow.met,
        },
      },
      rows: [mainRow],
      cpuMsPerPod: { ours: oursCpu, raw: rawCpu },
      pairs: pairs.map((p, i) => ({ round: WARMUP_ROUNDS + i, ratio: pairRatios[i], quiet: quiet(p.ours) && quiet(p.raw), ours: p.ours, raw: p.raw })),
      kubemanagers: {
        processes: kubemanagers,
        configCommandsPerPod: commands,
        seriesSinceSynced: bench.clusters.map((c, i) => ({ cluster: c.name, series: Object.fromEntries(diffSeries(seriesBefore[i]!, seriesAfter[i]!)) })),
      },
      environment: {
        notes: [
          'One machine, 2 cores, loopback. Child processes: the controller (all-in-one, SQLite with synchronous=FULL in a temp DATA_DIR, LOG_LEVEL=info) and one kubemanager per cluster (LOG_LEVEL=info). In the bench process: both fake Kubernetes API servers, every simulated agent, the raw writers and the config Watch used for the "exists" stage. All of it shares the 2 cores, and the machine is saturated during a round: CPU a process spends is CPU the others lack.',
          `Pods offered ${OFFERED_RATE === 0 ? 'all at once (both clusters interleaved, in one synchronous loop)' : `at ${OFFERED_RATE} pods/s in total`}; t0 is the moment of offering, so the latency includes the queueing behind earlier pods.`,
          'Rounds in pairs on the same controller and agents, after unmeasured warm-up pairs; the side that goes first alternates. Each round deletes its pods and waits until every agent\'s pod VRF is empty and the kubemanagers are idle before the next.',
          'The headline is the median round of each side by pods/s (the lower middle for an even count), with that round\'s per-pod latency; every round is under pairs, with the ratio of its pair.',
          `Other processes (cpuSeconds.otherProcesses: /proc/stat busy time minus that of the controller, the kubemanagers and the bench) are other people\'s work on the same machine. Each round first waited up to ${QUIET_WAIT_MS / 1000} s for a second in which they took under a fifth of the machine (waitedForQuietSeconds); work that starts during a round still weighs on it. A pair where they took a tenth or more of the CPU of either round is not "quiet"; the figures for quiet pairs are information, not the headline.`,
          `KUBEMANAGER_CONCURRENCY=${CONCURRENCY}, and as many raw pods in flight per cluster. KUBEMANAGER_RESYNC_MS=0: no periodic reconcile during rounds (at its default of 120 s it is no per-pod cost). The raw objects carry owner=bench, not owner=k8s, so no kubemanager takes them for its own.`,
          'CPU seconds per round from /proc (children) and process.cpuUsage (bench), from the first offer until every route arrived; the delete phase is not included.',
          'Kubemanager RSS from /proc (VmRSS when synced and at the end, VmHWM as the peak). RSS stays near its peak after the pods are gone because V8 keeps the pages it grew into; a heap snapshot taken after the rounds (it forces a full GC) showed about as much live heap as right after the sync, so the growth is not retained objects.',
        ],
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadavg().map((l) => round(l, 2)),
        totalSeconds: round((performance.now() - started) / 1000, 1),
      },
    });
    progress(`results in ${file}`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch((error: Error) => progress(`stopping: ${error.message}`));
    rmSync(dir, { recursive: true, force: true });
  }
}

function diffSeries(before: Map<string, number>, after: Map<string, number>): Map<string, number> {
  const out = new Map<string, number>();
  for (const [name, value] of after) {
    const delta = round(value - (before.get(name) ?? 0), 3);
    if (delta !== 0) out.set(name, delta);
  }
  return out;
}

/** The config commands (by operation, type and outcome), reconciles, status writes and errors per pod; relists and watch failures in all. */
function perPod(series: Map<string, number>, pods: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, value] of series) {
    const command = /^kubemanager_config_commands_total\{op="(\w+)",type="([\w-]+)",outcome="(\w+)"\}$/.exec(name);
    if (command) out[`${command[1]} ${command[2]} (${command[3]})`] = round(value / pods, 3);
    else if (name.startsWith('kubemanager_reconcile_duration_seconds_count')) out.reconciles = round(value / pods, 3);
    else if (name.startsWith('kubemanager_pod_status_writes_total')) out['status writes'] = round(value / pods, 3);
    else if (name.startsWith('kubemanager_reconcile_errors_total')) out['reconcile errors'] = round(value / pods, 3);
    else if (name.startsWith('kubemanager_lists_total')) out.relists = (out.relists ?? 0) + value;
    else if (name.startsWith('kubemanager_watch_failures_total')) out['watch failures'] = (out['watch failures'] ?? 0) + value;
  }
  return out;
}
