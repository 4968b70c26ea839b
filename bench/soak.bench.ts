/**
 * bench/soak: the all-in-one controller under a mixed load held for a set time: does anything go wrong, and does its
 * memory stay flat?
 *
 * Method. The built controller in a child process (fresh DATA_DIR). AGENTS simulated gRPC agents (apps/agent-sim,
 * CHANNELS shared channels, in this process) each subscribe to one of VRFS networks' VRFs and ack every message.
 * 1. Baseline (BASELINE_SECONDS): the same agents connected and synced, nothing else happening. The controller's
 *    memory slope here is the background (timers, metrics, GC settling) the soak's slope is read against: a leak in
 *    the write or route paths shows as a loaded slope above this one.
 * 2. Soak (SECONDS): all at once —
 *    * config writes over REST, open loop at WRITE_RATE a second: cycles of create network, create port (a
 *      virtual-machine-interface in it), update port, update network, delete port, delete network, four cycles
 *      interleaved; a write whose turn comes while its cycle still waits is counted `writesSkipped`;
 *    * route churn at CHURN_RATE route operations a second over every agent but one probe per VRF: each agent in
 *      turn publishes a fresh /32 in its VRF, or withdraws its oldest once it holds two;
 *    * latencies: REST write (request to answer); route publish → the VRF's probe agent holds it;
 *    * /metrics every SAMPLE_SECONDS: process_resident_memory_bytes, nodejs_heap_size_used_bytes,
 *      nodejs_heap_live_after_gc_bytes.
 * Errors: non-2xx writes, agent anomalies and notices, stream drops ('disconnected'), publishes never seen though
 * still published (one withdrawn before the probe got it may be coalesced away: counted, not an error).
 * Memory: the first WARMUP share (25%) of the soak's samples excluded. The heap in use at a sample swings by
 * hundreds of MiB between full collections under this load, so a slope fitted to it says more about when the samples
 * fell than about growth; what a leak moves is the live heap, the heap in use just after a full collection
 * (nodejs_heap_live_after_gc_bytes). "Flat": the live heap's slope (least squares) < 1 MiB/min or its growth over the
 * measured window < 5%, and the mean RSS over the second half of the window < 5% above the mean over the first half
 * (RSS rides the same swings: a peak or a single sample says when a cycle fell, a mean over several says whether
 * it grows; a run of 10 minutes gives each half several cycles). The sampled heap's slope, the RSS slope, peak and
 * ends are reported too.
 *
 * Environment: BENCH_SOAK_SECONDS (600), BENCH_SOAK_BASELINE_SECONDS (30), BENCH_SOAK_AGENTS (1000),
 * BENCH_SOAK_CHANNELS (32), BENCH_SOAK_VRFS (40), BENCH_SOAK_WRITE_RATE (20; 0: no writes), BENCH_SOAK_CHURN_RATE
 * (2000; 0: no churn), BENCH_SOAK_SAMPLE_SECONDS (3), BENCH_SOAK_CONTROLLER_NODE_ARGS (extra node flags for the
 * controller, e.g. `--heapsnapshot-signal=SIGUSR2` to take heap snapshots while it runs).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AgentFleet, summarize, type LatencySummary, type SimulatedAgent } from '#apps/agent-sim';
import { agentProto } from '#libs/proto';
import { startBuiltController } from './support/json-child.js';
import { benchSetting, progress, round, writeResults } from './support/measure.js';

const SECONDS = benchSetting('BENCH_SOAK_SECONDS', 600);
const BASELINE_SECONDS = benchSetting('BENCH_SOAK_BASELINE_SECONDS', 30);
const AGENTS = benchSetting('BENCH_SOAK_AGENTS', 1000);
const CHANNELS = benchSetting('BENCH_SOAK_CHANNELS', 32);
const VRFS = benchSetting('BENCH_SOAK_VRFS', 40);
const WRITE_RATE = benchSetting('BENCH_SOAK_WRITE_RATE', 20);
const CHURN_RATE = benchSetting('BENCH_SOAK_CHURN_RATE', 2000);
const SAMPLE_SECONDS = benchSetting('BENCH_SOAK_SAMPLE_SECONDS', 3);
const WARMUP = 0.25;
const MiB = 2 ** 20;

const PROJECT = ['default-domain', 'default-project'];
const IPAM = [...PROJECT, 'default-network-ipam'];
const networkName = (n: number): string => `soak-${n}`;
const vrfOf = (name: string): string => [...PROJECT, name, name].join(':');
const prefixOf = (n: number): string => `${12 + (n >>> 24)}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}/32`;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- memory

interface MemorySample {
  /** Seconds since the phase began. */
  t: number;
  rss: number;
  /** Heap in use at the sample: swings with the collector's cycle. */
  heap: number;
  /** Heap in use after the latest full collection: what the controller holds on to. */
  live: number;
}

async function memorySample(rest: string, t0: number): Promise<MemorySample> {
  const text = await (await fetch(`${rest}/metrics`)).text();
  const value = (name: string): number => Number(new RegExp(`^${name}\\s+(\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
  return {
    t: (performance.now() - t0) / 1000,
    rss: value('process_resident_memory_bytes'),
    heap: value('nodejs_heap_size_used_bytes'),
    live: value('nodejs_heap_live_after_gc_bytes'),
  };
}

/** Samples memory every SAMPLE_SECONDS until stopped. */
function sampler(rest: string): { samples: MemorySample[]; stop(): Promise<void> } {
  const samples: MemorySample[] = [];
  const t0 = performance.now();
  let running = true;
  const loop = (async () => {
    while (running) {
      try {
        samples.push(await memorySample(rest, t0));
      } catch (error) {
        // A sample lost (e.g. a kept-alive connection reset while the controller was paused) is skipped, not fatal.
        progress(`soak: memory sample skipped: ${(error as Error).message}`);
      }
      await sleep(SAMPLE_SECONDS * 1000);
    }
  })();
  return {
    samples,
    stop: async () => {
      running = false;
      await loop;
    },
  };
}

/** Least-squares slope of y over t (seconds), per minute. */
function slopePerMinute(points: Array<{ t: number; y: number }>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mt = points.reduce((s, p) => s + p.t, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const num = points.reduce((s, p) => s + (p.t - mt) * (p.y - my), 0);
  const den = points.reduce((s, p) => s + (p.t - mt) ** 2, 0);
  return den === 0 ? 0 : (num / den) * 60;
}

interface MemoryReport {
  samples: number;
  measuredSeconds: number;
  /** Least-squares slope of the live heap (after full collections) over the measured window. */
  liveHeapSlopeMiBPerMin: number;
  liveHeapAfterWarmupMiB: number;
  liveHeapEndMiB: number;
  /** Live-heap growth the slope predicts over the measured window, relative to the live heap after warm-up. */
  liveHeapSlopeGrowthPercent: number;
  /**
   * The mean RSS over the first and over the second half of the measured window, and how much higher the second:
   * RSS follows the heap's swings between full collections (a cycle can take it up by a hundred MiB and more), so
   * a half's mean over several cycles, not a single sample or a peak, is what can show a trend.
   */
  rssMeanFirstHalfMiB: number;
  rssMeanSecondHalfMiB: number;
  rssMeanGrowthPercent: number;
  rssPeakMiB: number;
  rssSlopeMiBPerMin: number;
  /** For reference: the heap in use at each sample (between collections), its slope and the RSS at both ends. */
  sampledHeapSlopeMiBPerMin: number;
  rssAfterWarmupMiB: number;
  rssEndMiB: number;
}

/** Memory figures after dropping the first `warmup` share of the samples. */
function memoryReport(all: MemorySample[], warmup: number): MemoryReport {
  const samples = all.slice(Math.floor(all.length * warmup));
  const first = samples[0]!;
  const last = samples.at(-1)!;
  const seconds = last.t - first.t;
  const liveSlope = slopePerMinute(samples.map((s) => ({ t: s.t, y: s.live })));
  const half = Math.max(1, Math.floor(samples.length / 2));
  const meanRss = (part: MemorySample[]): number => part.reduce((sum, s) => sum + s.rss, 0) / part.length;
  const rssFirst = meanRss(samples.slice(0, half));
  const rssSecond = meanRss(samples.slice(-half));
  return {
    samples: samples.length,
    measuredSeconds: round(seconds, 1),
    liveHeapSlopeMiBPerMin: round(liveSlope / MiB, 3),
    liveHeapAfterWarmupMiB: round(first.live / MiB, 1),
    liveHeapEndMiB: round(last.live / MiB, 1),
    liveHeapSlopeGrowthPercent: round(((liveSlope * seconds) / 60 / first.live) * 100, 2),
    rssMeanFirstHalfMiB: round(rssFirst / MiB, 1),
    rssMeanSecondHalfMiB: round(rssSecond / MiB, 1),
    rssMeanGrowthPercent: round(((rssSecond - rssFirst) / rssFirst) * 100, 2),
    rssPeakMiB: round(Math.max(...samples.map((s) => s.rss)) / MiB, 1),
    rssSlopeMiBPerMin: round(slopePerMinute(samples.map((s) => ({ t: s.t, y: s.rss }))) / MiB, 3),
    sampledHeapSlopeMiBPerMin: round(slopePerMinute(samples.map((s) => ({ t: s.t, y: s.heap }))) / MiB, 3),
    rssAfterWarmupMiB: round(first.rss / MiB, 1),
    rssEndMiB: round(last.rss / MiB, 1),
  };
}

// ---------------------------------------------------------------- config writes

interface WriteStats {
  writes: number;
  failed: number;
  failures: string[];
  skipped: number;
  latenciesMs: number[];
}

async function write(rest: string, method: string, path: string, body: unknown, stats: WriteStats): Promise<Record<string, unknown> | undefined> {
  const t0 = performance.now();
  try {
    const res = await fetch(`${rest}${path}`, { method, headers: { 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    stats.latenciesMs.push(performance.now() - t0);
    stats.writes += 1;
    if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path} → ${res.status}: ${text.slice(0, 200)}`);
    return text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
  } catch (error) {
    stats.failed += 1;
    if (stats.failures.length < 10) stats.failures.push((error as Error).message);
    return undefined;
  }
}

/** One cycle's writes in order: each a step that may use what the earlier ones answered. */
function writeCycle(rest: string, n: number, stats: WriteStats): Array<() => Promise<void>> {
  const name = `soak-cfg-${n}`;
  const fq = [...PROJECT, name];
  let vn: string | undefined;
  let vmi: string | undefined;
  const uuidOf = (answer: Record<string, unknown> | undefined, key: string): string | undefined => (answer?.[key] as { uuid?: string } | undefined)?.uuid;
  const subnet = { ip_prefix: `100.${64 + ((n >> 8) & 63)}.${n & 255}.0`, ip_prefix_len: 24 };
  return [
    async () => {
      vn = uuidOf(await write(rest, 'POST', '/virtual-networks', { 'virtual-network': { fq_name: fq, parent_type: 'project', network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet }] } }] } }, stats), 'virtual-network');
    },
    async () => {
      vmi = uuidOf(await write(rest, 'POST', '/virtual-machine-interfaces', { 'virtual-machine-interface': { fq_name: [...PROJECT, `${name}-port`], parent_type: 'project', virtual_network_refs: [{ to: fq }] } }, stats), 'virtual-machine-interface');
    },
    async () => void (await write(rest, 'PUT', `/virtual-machine-interface/${vmi}`, { 'virtual-machine-interface': { display_name: `${name} port, updated` } }, stats)),
    async () => void (await write(rest, 'PUT', `/virtual-network/${vn}`, { 'virtual-network': { display_name: `${name}, updated` } }, stats)),
    async () => void (await write(rest, 'DELETE', `/virtual-machine-interface/${vmi}`, undefined, stats)),
    async () => void (await write(rest, 'DELETE', `/virtual-network/${vn}`, undefined, stats)),
  ];
}

/** WRITE_RATE writes a second, open loop, over `lanes` interleaved cycles; resolves when stopped and drained. */
function configWriter(rest: string, lanes: number): { stats: WriteStats; stop(): Promise<void> } {
  const stats: WriteStats = { writes: 0, failed: 0, failures: [], skipped: 0, latenciesMs: [] };
  let next = 0;
  const queues = Array.from({ length: lanes }, () => [] as Array<() => Promise<void>>);
  const busy = new Set<number>();
  const inFlight = new Set<Promise<void>>();
  let lane = 0;
  // A rate of 0 turns the writer off (setInterval would read 1000 / 0 as 1 ms).
  const timer = WRITE_RATE === 0 ? undefined : setInterval(() => {
    lane = (lane + 1) % lanes;
    if (busy.has(lane)) {
      stats.skipped += 1;
      return;
    }
    const queue = queues[lane]!;
    if (queue.length === 0) queue.push(...writeCycle(rest, next++, stats));
    const step = queue.shift()!;
    const current = lane;
    busy.add(current);
    const p = step().finally(() => {
      busy.delete(current);
      inFlight.delete(p);
    });
    inFlight.add(p);
  }, 1000 / WRITE_RATE);
  return {
    stats,
    stop: async () => {
      clearInterval(timer);
      await Promise.all([...inFlight]);
    },
  };
}

// ---------------------------------------------------------------- route churn

interface ChurnStats {
  published: number;
  withdrawn: number;
  latenciesMs: number[];
  /** Publishes the probe never saw and that were not withdrawn either (counted at the end, after a grace time). */
  unseen: number;
  /**
   * Publishes the probe never saw because they were withdrawn before control sent them to it: control sends each
   * agent a prefix's latest state only (coalescing), so a route published and withdrawn while the probe's queue
   * waits reaches it as nothing at all. Not an error; many of them mean the probe fell behind by a route's lifetime.
   */
  coalesced: number;
}

/**
 * CHURN_RATE route operations a second, in ticks of 100 ms, over `publishers` in turn; each VRF's probe agent times
 * publish → held.
 */
function routeChurn(publishers: SimulatedAgent[], probes: Map<string, SimulatedAgent>, vrfOfAgent: Map<SimulatedAgent, string>): { stats: ChurnStats; stop(): Promise<void> } {
  const stats: ChurnStats = { published: 0, withdrawn: 0, latenciesMs: [], unseen: 0, coalesced: 0 };
  const withdrawnUnseen = new Set<string>(); // prefixes withdrawn while their probe still waited for them
  const pending = new Map<string, Map<string, number>>(); // vrf → prefix → publish time
  const held = new Map<SimulatedAgent, string[]>();
  const detach: Array<() => void> = [];
  for (const [vrf, probe] of probes) {
    const waiting = new Map<string, number>();
    pending.set(vrf, waiting);
    const onMessage = (message: agentProto.ControlMessage): void => {
      const body = message.body;
      if (body?.$case !== 'routes') return;
      const now = performance.now();
      for (const update of body.value.updates) {
        const t0 = update.paths.length > 0 ? waiting.get(update.prefix) : undefined;
        if (t0 === undefined) continue;
        stats.latenciesMs.push(now - t0);
        waiting.delete(update.prefix);
      }
    };
    probe.on('message', onMessage);
    detach.push(() => probe.off('message', onMessage));
  }
  let n = 0;
  let cursor = 0;
  const perTick = Math.round(CHURN_RATE / 10);
  // A rate of 0 (or under 5 a second) turns the churn off.
  const timer = perTick === 0 ? undefined : setInterval(() => {
    for (let k = 0; k < perTick; k++) {
      const agent = publishers[cursor++ % publishers.length]!;
      if (!agent.connected) continue;
      const vrf = vrfOfAgent.get(agent)!;
      const mine = held.get(agent) ?? [];
      held.set(agent, mine);
      if (mine.length >= 2) {
        const prefix = mine.shift()!;
        if (pending.get(vrf)!.has(prefix)) withdrawnUnseen.add(prefix);
        agent.withdraw(vrf, [prefix]);
        stats.withdrawn += 1;
      } else {
        const prefix = prefixOf(n++);
        pending.get(vrf)!.set(prefix, performance.now());
        agent.publish(vrf, [{ prefix, label: 16 + (n % 1000), encapsulations: ['MPLSoUDP'] }]);
        mine.push(prefix);
        stats.published += 1;
      }
    }
  }, 100);
  return {
    stats,
    stop: async () => {
      clearInterval(timer);
      await sleep(5000); // grace: what is still on its way arrives
      for (const waiting of pending.values()) {
        for (const prefix of waiting.keys()) {
          if (withdrawnUnseen.has(prefix)) stats.coalesced += 1;
          else stats.unseen += 1;
        }
      }
      for (const off of detach) off();
    },
  };
}

// ---------------------------------------------------------------- run

/** Latency figures in ms, to 0.01 ms. */
function summary(latencies: number[]): LatencySummary {
  const s = summarize(latencies);
  return { count: s.count, min: round(s.min), p50: round(s.p50), p99: round(s.p99), max: round(s.max), mean: round(s.mean) };
}

export async function run(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-soak-'));
  const nodeArgs = (process.env.BENCH_SOAK_CONTROLLER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const controller = await startBuiltController(dataDir, { nodeArgs });
  let fleet: AgentFleet | undefined;
  try {
    progress(`soak: ${VRFS} networks, ${AGENTS} agents over ${CHANNELS} channels`);
    const vrfs: string[] = [];
    for (let v = 0; v < VRFS; v++) {
      const name = networkName(v);
      const res = await fetch(`${controller.rest}/virtual-networks`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ 'virtual-network': { fq_name: [...PROJECT, name], parent_type: 'project', network_ipam_refs: [{ to: IPAM, attr: { ipam_subnets: [{ subnet: { ip_prefix: `10.${v}.0.0`, ip_prefix_len: 16 } }] } }] } }),
      });
      if (res.status !== 200) throw new Error(`creating ${name}: ${res.status} ${await res.text()}`);
      vrfs.push(vrfOf(name));
    }
    fleet = new AgentFleet({ target: controller.grpc, agents: AGENTS, channels: CHANNELS, prefix: 'soak-agent-' });
    const disconnects: string[] = [];
    for (const agent of fleet.agents) agent.on('disconnected', (status) => disconnects.push(`${agent.name}: ${status.code} ${status.details}`));
    const connected = await fleet.connectAll();
    if (connected.failed.length > 0) throw new Error(`${connected.failed.length} agents failed to connect: ${connected.failed[0]!.error.message}`);
    const vrfOfAgent = new Map<SimulatedAgent, string>();
    const probes = new Map<string, SimulatedAgent>();
    fleet.agents.forEach((agent, i) => {
      const vrf = vrfs[i % VRFS]!;
      vrfOfAgent.set(agent, vrf);
      if (!probes.has(vrf)) probes.set(vrf, agent);
      agent.subscribe(vrf);
    });
    await fleet.waitAllSynced(60_000);
    progress(`soak: ${AGENTS} agents synced in ${(connected.ms / 1000).toFixed(1)} s; baseline for ${BASELINE_SECONDS} s`);

    // 1. Baseline: the agents connected and idle.
    const idle = sampler(controller.rest);
    await sleep(BASELINE_SECONDS * 1000);
    await idle.stop();

    // 2. The soak.
    progress(`soak: ${SECONDS} s of ${WRITE_RATE} writes/s and ${CHURN_RATE} route operations/s`);
    const probeSet = new Set(probes.values());
    const memory = sampler(controller.rest);
    const writer = configWriter(controller.rest, 4);
    const churn = routeChurn(fleet.agents.filter((a) => !probeSet.has(a)), probes, vrfOfAgent);
    const t0 = performance.now();
    const ticker = setInterval(() => progress(`soak: ${Math.round((performance.now() - t0) / 1000)} s, ${writer.stats.writes} writes, ${churn.stats.published} publishes`), 15_000);
    await sleep(SECONDS * 1000);
    clearInterval(ticker);
    const seconds = (performance.now() - t0) / 1000;
    await memory.stop(); // before the load stops: an idle tail would bend the slope down
    await writer.stop();
    await churn.stop();

    const totals = fleet.totals();
    const anomalies = fleet.agents.flatMap((a) => a.anomalies.map((x) => `${a.name}: ${x}`));
    const notices = fleet.agents.flatMap((a) => a.notices.map((x) => `${a.name}: ${x.code} ${x.message}`));
    const errors = {
      failedWrites: writer.stats.failed,
      anomalies: anomalies.length,
      notices: notices.length,
      disconnects: disconnects.length,
      unseenPublishes: churn.stats.unseen,
      firstFew: [...writer.stats.failures, ...anomalies, ...notices, ...disconnects].slice(0, 10),
    };
    const soakMemory = memoryReport(memory.samples, WARMUP);
    const baselineMemory = memoryReport(idle.samples, 0);
    const flat = (m: MemoryReport): boolean => (m.liveHeapSlopeMiBPerMin < 1 || m.liveHeapSlopeGrowthPercent < 5) && m.rssMeanGrowthPercent < 5;
    const noErrors = errors.failedWrites + errors.anomalies + errors.notices + errors.disconnects + errors.unseenPublishes === 0;
    const writes = summary(writer.stats.latenciesMs);
    const routes = summary(churn.stats.latenciesMs);
    const result = {
      parameters: { seconds: SECONDS, baselineSeconds: BASELINE_SECONDS, agents: AGENTS, channels: CHANNELS, vrfs: VRFS, writeRate: WRITE_RATE, churnRate: CHURN_RATE, sampleSeconds: SAMPLE_SECONDS, warmup: WARMUP },
      load: {
        seconds: round(seconds, 1),
        writes: writer.stats.writes,
        writesPerSecond: round(writer.stats.writes / seconds, 1),
        writesSkipped: writer.stats.skipped,
        routesPublished: churn.stats.published,
        routesWithdrawn: churn.stats.withdrawn,
        routeOpsPerSecond: round((churn.stats.published + churn.stats.withdrawn) / seconds, 0),
        publishesCoalescedAway: churn.stats.coalesced,
        agentRouteUpdatesReceived: totals.routeUpdates,
        agentAcks: totals.acks,
      },
      errors,
      latency: { restWriteMs: writes, routePublishToVisibleMs: routes },
      memory: { soak: soakMemory, baselineIdleAgents: baselineMemory, samples: { soak: memory.samples, baseline: idle.samples } },
      bar: {
        text:
          'no errors; memory flat after warm-up: live heap (after full collections) slope < 1 MiB/min or < 5% growth over the window, ' +
          'and the mean RSS of the second half of the window < 5% above that of the first half',
        noErrors,
        memoryFlat: flat(soakMemory),
        met: noErrors && flat(soakMemory),
      },
    };
    const file = writeResults('soak', result);
    process.stdout.write(
      `\nsoak ${round(seconds, 0)} s: ${result.load.writes} writes (p99 ${writes.p99} ms), ${result.load.routesPublished} publishes + ${result.load.routesWithdrawn} withdraws ` +
        `(publish → visible p99 ${routes.p99} ms); errors ${JSON.stringify({ ...errors, firstFew: undefined })}\n` +
        `memory after warm-up: live heap ${soakMemory.liveHeapAfterWarmupMiB} → ${soakMemory.liveHeapEndMiB} MiB, slope ${soakMemory.liveHeapSlopeMiBPerMin} MiB/min ` +
        `(${soakMemory.liveHeapSlopeGrowthPercent}%); RSS mean ${soakMemory.rssMeanFirstHalfMiB} → ${soakMemory.rssMeanSecondHalfMiB} MiB (${soakMemory.rssMeanGrowthPercent}%), ` +
        `peak ${soakMemory.rssPeakMiB} MiB; idle baseline live heap ${baselineMemory.liveHeapSlopeMiBPerMin} MiB/min, RSS mean ${baselineMemory.rssMeanGrowthPercent}%\n` +
        `bar: ${result.bar.met ? 'MET' : 'MISSED'} (${result.bar.text})\nwritten to ${file}\n`,
    );
  } finally {
    await fleet?.closeAll();
    await controller.process.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
