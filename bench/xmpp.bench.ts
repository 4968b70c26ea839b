/**
 * bench/xmpp: the XMPP bridge of the control service, each figure beside a raw baseline from the same run.
 *
 * 1. Sessions held by one control process. A fresh built controller (child process, XMPP_PORT=0) per round; N
 *    XmppSimulatedAgents (this process, a TCP connection each) connect and hold their sessions for HOLD seconds with
 *    keepalives flowing: each agent sends 0xC8 0x80 whenever it sent nothing for KEEPALIVE seconds, control sends
 *    its own every hold/3 (the bridge's hold time is the dialect's 90 s: keepalives every 30 s). None may drop.
 *    Controller RSS and CPU per session from /metrics (process_resident_memory_bytes before the agents connected and
 *    at the end of the hold, process_cpu_seconds_total over the hold, contrail_xmpp_sessions). Raw baseline, rounds
 *    alternating: a plain `net` server child (bench/support/raw-xmpp-server.ts) holding the same number of sockets
 *    from the same agents, answering the header and writing the same keepalive bytes at the same cadence; its RSS
 *    and CPU from /proc.
 * 2. Routes pushed per second. A XMPP subscribers to one VRF (tables: 'ids', see below) and one publisher (gRPC by
 *    default, BENCH_XMPP_PUBLISHER=xmpp for an XMPP agent subscribed with no-ribout) publishing ROUTES fresh /32s in
 *    publishes of PUBLISH_SIZE; timed from the first publish until every subscriber holds all ROUTES: routes/s =
 *    A × R / s; then withdrawn (timed, for information). Raw baseline in the same run, rounds alternating: the raw
 *    server child writes to A subscribers of its own the same 32-item route messages libs/xmpp's encodeRouteUpdates
 *    makes for the same routes (same prefixes, next hop, label, VN: byte for byte what the bridge sends, checked on
 *    the warm-up round), in the same 256-route session-message chunks, encoding per subscriber as it writes (as the
 *    bridge does); and, for information, a third variant writing bytes encoded before the clock starts.
 *    Client-side work is the same on both sides: the same XmppSimulatedAgent class with tables: 'ids' frames every
 *    stanza with libs/xmpp's XmppFramer and takes the item / retract ids out of each route message by string search
 *    (no XML parse, no entry decode, no Path objects), one Map entry per id.
 *
 * Environment: BENCH_XMPP_SESSIONS ("1000,2000": the session counts, a round of ours and one of raw each),
 * BENCH_XMPP_HOLD_SECONDS (30), BENCH_XMPP_IDLE_SECONDS (10: the server's CPU measured with no session first),
 * BENCH_XMPP_KEEPALIVE_SECONDS (3), BENCH_XMPP_SUBSCRIBERS (10), BENCH_XMPP_ROUTES
 * (20000), BENCH_XMPP_ROUNDS (5), BENCH_XMPP_PUBLISH_SIZE (1000), BENCH_XMPP_PUBLISHER (grpc | xmpp),
 * BENCH_XMPP_SKIP (sessions | routes). AGENT_WINDOW, AGENT_BATCH_ROUTES, AGENT_HOLD_TIME_MS pass to the controller.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SimulatedAgent, XmppFleet, XmppSimulatedAgent } from '#apps/agent-sim';
import { DEFAULT_HOLD_TIME_SECONDS, MAX_ITEMS_PER_MESSAGE } from '#libs/xmpp';
import { benchSetting, fanoutMeasurement, median, printTable, progress, projectRoot, round, row, writeResults, type FanoutMeasurement } from './support/measure.js';
import { JsonChild } from './support/json-child.js';
import { cpuMeter, cpuSecondsOf, lowest, metrics, rssOf, sleep, startXmppController, type XmppController } from './support/xmpp-bench-processes.js';
import { prefixOf, PUBLISHER_ADDRESS } from './support/xmpp-routes.js';

const SESSIONS = (process.env.BENCH_XMPP_SESSIONS ?? '1000,2000').split(',').map((s) => Number(s.trim()));
if (SESSIONS.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`BENCH_XMPP_SESSIONS must list positive integers, got ${process.env.BENCH_XMPP_SESSIONS}`);
const HOLD_SECONDS = benchSetting('BENCH_XMPP_HOLD_SECONDS', 30);
const IDLE_SECONDS = benchSetting('BENCH_XMPP_IDLE_SECONDS', 10);
const KEEPALIVE_SECONDS = benchSetting('BENCH_XMPP_KEEPALIVE_SECONDS', 3);
const SUBSCRIBERS = benchSetting('BENCH_XMPP_SUBSCRIBERS', 10);
const ROUTES = benchSetting('BENCH_XMPP_ROUTES', 20_000);
const ROUNDS = benchSetting('BENCH_XMPP_ROUNDS', 5);
const PUBLISH_SIZE = benchSetting('BENCH_XMPP_PUBLISH_SIZE', 1000);
const PUBLISHER_PROTO = process.env.BENCH_XMPP_PUBLISHER ?? 'grpc';
if (PUBLISHER_PROTO !== 'grpc' && PUBLISHER_PROTO !== 'xmpp') throw new Error(`BENCH_XMPP_PUBLISHER must be grpc or xmpp, got ${PUBLISHER_PROTO}`);
const SKIP = process.env.BENCH_XMPP_SKIP ?? '';
/** The bridge's hold time (XMPP_HOLD_TIME_S, which this benchmark leaves at its default): the agents use the same. */
const CONTROL_HOLD_SECONDS = DEFAULT_HOLD_TIME_SECONDS;

const PROJECT = ['default-domain', 'default-project'];
const vrfOf = (network: string): string => [...PROJECT, network, network].join(':');
const RAW_SERVER = join(projectRoot, 'dist/bench/support/raw-xmpp-server.js');


async function startRaw(keepaliveMs: number): Promise<{ server: JsonChild; target: string }> {
  const server = new JsonChild(RAW_SERVER, { RAW_KEEPALIVE_MS: String(keepaliveMs) });
  const line = await server.next((l) => typeof l.port === 'number', 30_000);
  return { server, target: `127.0.0.1:${line.port as number}` };
}

async function createNetwork(rest: string, name: string, secondOctet: number): Promise<void> {
  const res = await fetch(`${rest}/virtual-networks`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      'virtual-network': {
        fq_name: [...PROJECT, name],
        parent_type: 'project',
        network_ipam_refs: [{ to: [...PROJECT, 'default-network-ipam'], attr: { ipam_subnets: [{ subnet: { ip_prefix: `10.${secondOctet}.0.0`, ip_prefix_len: 16 } }] } }],
      },
    }),
  });
  if (res.status !== 200) throw new Error(`POST /virtual-networks → ${res.status}: ${(await res.text()).slice(0, 300)}`);
}

function printFigures(title: string, figures: Array<[string, string, string]>): void {
  const head: [string, string, string] = ['figure', 'value', 'bar'];
  const widths = head.map((h, i) => Math.max(h.length, ...figures.map((f) => f[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 1 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ');
  process.stdout.write(`\n${title}\n${fmt(head)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n`);
  for (const f of figures) process.stdout.write(`${fmt(f)}\n`);
}

// ---------------------------------------------------------------- scenario 1: sessions held

interface HoldResult {
  side: 'ours' | 'raw';
  sessions: number;
  connected: number;
  connectFailures: number;
  connectMs: number;
  /** Sessions the server counted at the end of the hold (contrail_xmpp_sessions; raw: sockets past the header). */
  held: number;
  /** Agents that lost their session during the hold. */
  drops: number;
  holdSeconds: number;
  rssBeforeBytes: number | undefined;
  rssAfterBytes: number | undefined;
  rssPerSessionBytes: number | undefined;
  /** Server CPU seconds over the hold; per session per second of hold (µs/s), gross and above the idle share. */
  cpuSeconds: number | undefined;
  cpuMicrosPerSessionSecond: number | undefined;
  cpuMicrosPerSessionSecondAboveIdle: number | undefined;
  /** The server's CPU share with no session (1 = one core), measured before the agents connect. */
  idleCpuShare: number | undefined;
  /** Controller only: nodejs_heap_size_used_bytes per session (lowest of 5 readings, before and after). */
  heapPerSessionBytes?: number | undefined;
  /** The same from /proc, for the controller (its /metrics figure is the primary one). */
  procCpuSeconds?: number | undefined;
  procRssAfterBytes?: number | undefined;
  /** Keepalives over the hold: sent by the agents, and received by them (reads of nothing but keepalive bytes). */
  keepalivesToServer: number;
  keepalivesFromServer: number;
  benchCpuShare: number;
}

function keepaliveTotals(fleet: XmppFleet): { sent: number; received: number } {
  let sent = 0;
  let received = 0;
  for (const a of fleet.agents) {
    sent += a.stats.keepalivesSent;
    received += a.stats.keepalivesReceived;
  }
  return { sent, received };
}

/** Connects `n` agents to `target`, holds them, measures the server with `sample`; closes them. */
async function holdSessions(
  side: 'ours' | 'raw',
  n: number,
  target: string,
  server: { pid: number | undefined; rss(): Promise<number | undefined>; cpu(): Promise<number | undefined>; held(): Promise<number>; heap?(): Promise<number | undefined> },
): Promise<HoldResult> {
  const idle0 = await server.cpu();
  const i0 = performance.now();
  await sleep(IDLE_SECONDS * 1000);
  const idle1 = await server.cpu();
  const idleShare = idle0 === undefined || idle1 === undefined ? undefined : (idle1 - idle0) / ((performance.now() - i0) / 1000);
  const rssBefore = await lowest(() => server.rss());
  const heapBefore = server.heap ? await lowest(() => server.heap!()) : undefined;
  const fleet = new XmppFleet({
    target,
    agents: n,
    prefix: 'bench-hold-',
    connectConcurrency: 64,
    agentOptions: () => ({ holdTimeSeconds: CONTROL_HOLD_SECONDS, keepaliveSeconds: KEEPALIVE_SECONDS, configSubscribe: false }),
  });
  let drops = 0;
  for (const agent of fleet.agents) agent.on('disconnected', () => (drops += 1));
  const outcome = await fleet.connectAll();
  progress(`sessions ${side}: ${outcome.connected}/${n} connected in ${Math.round(outcome.ms)} ms${outcome.failed.length > 0 ? ` (first failure: ${outcome.failed[0]!.error.message})` : ''}; holding ${HOLD_SECONDS} s`);
  await sleep(2000);
  const keep0 = keepaliveTotals(fleet);
  const cpu0 = await server.cpu();
  const proc0 = cpuSecondsOf(server.pid);
  const bench = cpuMeter(undefined);
  const t0 = performance.now();
  await sleep(HOLD_SECONDS * 1000);
  const cpu1 = await server.cpu();
  const proc1 = cpuSecondsOf(server.pid);
  const seconds = (performance.now() - t0) / 1000;
  const benchCpu = bench().bench;
  const keep1 = keepaliveTotals(fleet);
  const rssAfter = await lowest(() => server.rss());
  const heapAfter = server.heap ? await lowest(() => server.heap!()) : undefined;
  const held = await server.held();
  const connected = fleet.totals().connected;
  const dropped = drops;
  progress(`sessions ${side}: ${held} held by the server, ${connected} agents connected, ${dropped} drops`);
  await fleet.closeAll();
  const cpuSeconds = cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0;
  return {
    side,
    sessions: n,
    connected,
    connectFailures: outcome.failed.length,
    connectMs: Math.round(outcome.ms),
    held,
    drops: dropped,
    holdSeconds: round(seconds, 1),
    rssBeforeBytes: rssBefore,
    rssAfterBytes: rssAfter,
    rssPerSessionBytes: rssBefore === undefined || rssAfter === undefined ? undefined : Math.round((rssAfter - rssBefore) / n),
    cpuSeconds: cpuSeconds === undefined ? undefined : round(cpuSeconds, 2),
    cpuMicrosPerSessionSecond: cpuSeconds === undefined ? undefined : round((cpuSeconds * 1e6) / seconds / n, 2),
    cpuMicrosPerSessionSecondAboveIdle: cpuSeconds === undefined || idleShare === undefined ? undefined : round(((cpuSeconds / seconds - idleShare) * 1e6) / n, 2),
    idleCpuShare: idleShare === undefined ? undefined : round(idleShare, 4),
    heapPerSessionBytes: heapBefore === undefined || heapAfter === undefined ? undefined : Math.round((heapAfter - heapBefore) / n),
    procCpuSeconds: proc0 === undefined || proc1 === undefined ? undefined : round(proc1 - proc0, 2),
    keepalivesToServer: keep1.sent - keep0.sent,
    keepalivesFromServer: keep1.received - keep0.received,
    benchCpuShare: benchCpu,
  };
}

async function sessionsScenario(dir: string, stops: Array<() => Promise<void>>): Promise<{ rounds: HoldResult[] }> {
  const rounds: HoldResult[] = [];
  for (const n of SESSIONS) {
    progress(`sessions: ${n} XMPP sessions on a fresh controller`);
    const controller = await startXmppController(join(dir, `sessions-${n}`));
    stops.push(() => controller.process.stop());
    // what follows the start (first checkpoint, JIT) settles before the idle share is measured
    await sleep(5000);
    const ours = await holdSessions('ours', n, controller.xmpp, {
      pid: controller.process.pid,
      rss: async () => (await metrics(controller.rest)).process_resident_memory_bytes,
      cpu: async () => (await metrics(controller.rest)).process_cpu_seconds_total,
      held: async () => (await metrics(controller.rest)).contrail_xmpp_sessions ?? 0,
      heap: async () => (await metrics(controller.rest)).nodejs_heap_size_used_bytes,
    });
    ours.procRssAfterBytes = rssOf(controller.process.pid);
    rounds.push(ours);
    await controller.process.stop();

    progress(`sessions: ${n} sockets on the raw server`);
    const raw = await startRaw((CONTROL_HOLD_SECONDS * 1000) / 3);
    stops.push(() => raw.server.stop());
    await sleep(500);
    const pid = raw.server.pid;
    rounds.push(
      await holdSessions('raw', n, raw.target, {
        pid,
        rss: async () => rssOf(pid),
        cpu: async () => cpuSecondsOf(pid),
        held: async () => (await raw.server.request({ cmd: 'stats' }, (l) => typeof l.sessions === 'number')).sessions as number,
      }),
    );
    await raw.server.stop();
  }
  return { rounds };
}

// ---------------------------------------------------------------- scenario 2: routes pushed

/** Resolves with, per agent, the arrival time of the stanza after which its table of `vrf` met `done`. */
function whenTables(agents: readonly XmppSimulatedAgent[], vrf: string, done: (size: number) => boolean, timeoutMs: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    let pending = agents.length;
    const detach: Array<() => void> = [];
    const finished = (): void => {
      clearTimeout(timer);
      for (const off of detach) off();
      resolve(times);
    };
    const timer = setTimeout(() => {
      for (const off of detach) off();
      reject(new Error(`${pending} of ${agents.length} agents did not get there within ${timeoutMs} ms`));
    }, timeoutMs);
    for (const agent of agents) {
      if (done(agent.table(vrf).size)) {
        times.push(performance.now());
        pending -= 1;
        continue;
      }
      const onMessage = ({ at }: { at: number }): void => {
        if (!done(agent.table(vrf).size)) return;
        agent.off('message', onMessage);
        times.push(at);
        if (--pending === 0) finished();
      };
      agent.on('message', onMessage);
      detach.push(() => agent.off('message', onMessage));
    }
    if (pending === 0) finished();
  });
}

interface PushRound {
  seconds: number;
  perAgentMs: number[];
  withdrawSeconds: number;
  /** CPU share while pushing (1 = one core): the bench process (the clients, and the publisher) and the server child. */
  cpu: { bench: number; server: number | undefined };
  /** Items over every subscriber: exactly A × R when nothing was sent twice. */
  itemsReceived: number;
}

type Publisher = { publish(vrf: string, routes: Array<{ prefix: string; label: number; encapsulations: string[] }>): void; withdraw(vrf: string, prefixes: string[]): void };

async function oursRound(publisher: Publisher, fleet: XmppFleet, vrf: string, index: number, pid: number | undefined): Promise<PushRound> {
  const prefixes = Array.from({ length: ROUTES }, (_, i) => prefixOf(index * ROUTES + i));
  const published = prefixes.map((prefix) => ({ prefix, label: 1000 + (index % 1000), encapsulations: ['MPLSoUDP'] }));
  const before = fleet.totals().routeUpdates;
  const held = whenTables(fleet.agents, vrf, (size) => size >= ROUTES, 180_000);
  const meter = cpuMeter(pid);
  const t0 = performance.now();
  for (let i = 0; i < ROUTES; i += PUBLISH_SIZE) publisher.publish(vrf, published.slice(i, i + PUBLISH_SIZE));
  const times = await held;
  const cpu = meter();
  const seconds = (Math.max(...times) - t0) / 1000;
  const itemsReceived = fleet.totals().routeUpdates - before;
  const gone = whenTables(fleet.agents, vrf, (size) => size === 0, 180_000);
  const t1 = performance.now();
  publisher.withdraw(vrf, prefixes);
  const withdrawn = await gone;
  return { seconds, perAgentMs: times.map((t) => t - t0), withdrawSeconds: (Math.max(...withdrawn) - t1) / 1000, cpu, itemsReceived };
}

async function rawRound(raw: JsonChild, fleet: XmppFleet, vrf: string, index: number, prepared: boolean): Promise<PushRound> {
  const first = index * ROUTES;
  if (prepared) await raw.request({ cmd: 'prepare', first, routes: ROUTES }, (l) => typeof l.prepared === 'number');
  const before = fleet.totals().routeUpdates;
  const held = whenTables(fleet.agents, vrf, (size) => size >= ROUTES, 180_000);
  const meter = cpuMeter(raw.pid);
  const t0 = performance.now();
  const pushed = raw.request({ cmd: 'push', first, routes: ROUTES, prepared }, (l) => typeof l.pushed === 'number', 180_000);
  const times = await held;
  const cpu = meter();
  await pushed;
  const seconds = (Math.max(...times) - t0) / 1000;
  const itemsReceived = fleet.totals().routeUpdates - before;
  const gone = whenTables(fleet.agents, vrf, (size) => size === 0, 180_000);
  const t1 = performance.now();
  await raw.request({ cmd: 'push', first, routes: ROUTES, withdraw: true }, (l) => typeof l.pushed === 'number', 180_000);
  const withdrawn = await gone;
  return { seconds, perAgentMs: times.map((t) => t - t0), withdrawSeconds: (Math.max(...withdrawn) - t1) / 1000, cpu, itemsReceived };
}

interface PushMeasurement extends FanoutMeasurement {
  withdrawRoutesPerSecond: number;
  itemsReceived: number[];
}

function measurementOf(rounds: readonly PushRound[], count: number): PushMeasurement {
  return {
    ...fanoutMeasurement(rounds, count),
    withdrawRoutesPerSecond: Math.round(median(rounds.map((r) => count / r.withdrawSeconds))),
    itemsReceived: rounds.map((r) => r.itemsReceived),
  };
}

/** The first route message agent 1 of `fleet` gets while `work` runs. */
async function firstRouteMessage(fleet: XmppFleet, work: () => Promise<unknown>): Promise<string | undefined> {
  let first: string | undefined;
  const agent = fleet.agents[0]!;
  const listener = (xml: string): void => {
    if (first === undefined && xml.includes('<item id="')) first = xml;
  };
  agent.on('stanza', listener);
  try {
    await work();
  } finally {
    agent.off('stanza', listener);
  }
  return first;
}

async function routesScenario(dir: string, stops: Array<() => Promise<void>>): Promise<Record<string, unknown>> {
  progress('routes: starting the controller and the raw server');
  const controller: XmppController = await startXmppController(join(dir, 'routes'));
  stops.push(() => controller.process.stop());
  const raw = await startRaw((CONTROL_HOLD_SECONDS * 1000) / 3);
  stops.push(() => raw.server.stop());
  const network = 'bench-xmpp';
  await createNetwork(controller.rest, network, 210);
  const vrf = vrfOf(network);
  const subscriberOptions = () => ({ tables: 'ids' as const, configSubscribe: false });
  const fleet = new XmppFleet({ target: controller.xmpp, agents: SUBSCRIBERS, prefix: 'bench-sub-', agentOptions: subscriberOptions });
  const rawFleet = new XmppFleet({ target: raw.target, agents: SUBSCRIBERS, prefix: 'bench-sub-', agentOptions: subscriberOptions });
  for (const f of [fleet, rawFleet]) {
    const outcome = await f.connectAll();
    if (outcome.failed.length > 0) throw new Error(`routes: ${outcome.failed.length} subscribers failed to connect: ${outcome.failed[0]!.error.message}`);
    for (const agent of f.agents) agent.subscribe(vrf);
    await f.waitAllSynced(30_000);
  }
  let publisher: Publisher;
  let closePublisher: () => Promise<void>;
  if (PUBLISHER_PROTO === 'grpc') {
    const agent = new SimulatedAgent({ target: controller.grpc, name: 'bench-publisher', address: PUBLISHER_ADDRESS });
    await agent.connect();
    publisher = agent;
    closePublisher = () => agent.close();
  } else {
    const agent = new XmppSimulatedAgent({ target: controller.xmpp, name: 'bench-publisher', address: PUBLISHER_ADDRESS, configSubscribe: false });
    await agent.connect();
    agent.subscribe(vrf, undefined, true);
    publisher = agent;
    closePublisher = () => agent.close();
  }

  const count = SUBSCRIBERS * ROUTES;
  progress(`routes: warm-up (${ROUTES} routes to ${SUBSCRIBERS} subscribers: ours, raw, raw pre-encoded)`);
  const oursFirst = await firstRouteMessage(fleet, () => oursRound(publisher, fleet, vrf, 0, controller.process.pid));
  const rawFirst = await firstRouteMessage(rawFleet, () => rawRound(raw.server, rawFleet, vrf, 0, false));
  await rawRound(raw.server, rawFleet, vrf, 0, true);
  const sameBytes = oursFirst !== undefined && oursFirst === rawFirst;
  if (!sameBytes) progress(`routes: WARNING the first route message differs between the controller and the raw server:\n--- ours\n${oursFirst?.slice(0, 600)}\n--- raw\n${rawFirst?.slice(0, 600)}`);

  const ours: PushRound[] = [];
  const raws: PushRound[] = [];
  const rawsAhead: PushRound[] = [];
  for (let r = 1; r <= ROUNDS; r++) {
    const o = await oursRound(publisher, fleet, vrf, r, controller.process.pid);
    ours.push(o);
    const b = await rawRound(raw.server, rawFleet, vrf, r, false);
    raws.push(b);
    const p = await rawRound(raw.server, rawFleet, vrf, r, true);
    rawsAhead.push(p);
    progress(
      `routes round ${r}/${ROUNDS}: ours ${Math.round(count / o.seconds)} routes/s (${o.seconds.toFixed(2)} s; withdraw ${o.withdrawSeconds.toFixed(2)} s), raw ${Math.round(count / b.seconds)} routes/s (${b.seconds.toFixed(2)} s), raw pre-encoded ${Math.round(count / p.seconds)} routes/s; CPU ours: controller ${o.cpu.server} bench ${o.cpu.bench}; raw: server ${b.cpu.server} bench ${b.cpu.bench}`,
    );
  }
  const controlMetrics = await metrics(controller.rest);
  const anomalies = [...fleet.agents, ...rawFleet.agents].flatMap((a) => a.anomalies.map((text) => `${a.name}: ${text}`)).slice(0, 5);
  const drops = [...fleet.agents, ...rawFleet.agents].filter((a) => !a.connected).length;
  await Promise.all([fleet.closeAll(), rawFleet.closeAll(), closePublisher()]);
  await controller.process.stop();
  await raw.server.stop();

  const oursM = measurementOf(ours, count);
  const rawM = measurementOf(raws, count);
  const aheadM = measurementOf(rawsAhead, count);
  const ratio = oursM.perSecond / rawM.perSecond;
  return {
    rows: [
      row(`routes/s pushed to ${SUBSCRIBERS} XMPP agents (${ROUTES} routes, ${MAX_ITEMS_PER_MESSAGE}-item messages)`, oursM, rawM, { text: '>= 100,000 routes/s', met: oursM.perSecond >= 100_000 }),
      row(`  vs raw writing bytes encoded ahead`, oursM, aheadM),
    ],
    ours: oursM,
    raw: rawM,
    rawPreEncoded: aheadM,
    ratio: round(ratio, 3),
    ratioToPreEncoded: round(oursM.perSecond / aheadM.perSecond, 3),
    /** Raw server CPU per route ÷ controller CPU per route (the server side alone, for information). */
    serverCpuRatio: oursM.cpuMicrosPerRoute.server && rawM.cpuMicrosPerRoute.server ? round(rawM.cpuMicrosPerRoute.server / oursM.cpuMicrosPerRoute.server, 3) : undefined,
    sameBytesAsRaw: sameBytes,
    firstMessageBytes: oursFirst === undefined ? undefined : Buffer.byteLength(oursFirst),
    controllerStanzasSent: controlMetrics.contrail_xmpp_sent_stanzas_total,
    controllerBytesSent: controlMetrics.contrail_xmpp_sent_bytes_total,
    subscriberDrops: drops,
    firstAnomalies: anomalies,
  };
}

// ---------------------------------------------------------------- report

export async function run(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-xmpp-'));
  const stops: Array<() => Promise<void>> = [];
  const started = performance.now();
  const loadBefore = loadavg().map((l) => round(l, 2));
  try {
    const sessions = SKIP === 'sessions' ? undefined : await sessionsScenario(dir, stops);
    const routes = SKIP === 'routes' ? undefined : await routesScenario(dir, stops);

    const kib = (bytes: number | undefined) => (bytes === undefined ? 'n/a' : `${(bytes / 1024).toFixed(1)} KiB`);
    const us = (v: number | undefined) => (v === undefined ? 'n/a' : `${v} µs/s`);
    const sessionBars: Array<{ sessions: number; held: number; drops: number; met: boolean }> = [];
    if (sessions) {
      const figures: Array<[string, string, string]> = [];
      for (const n of SESSIONS) {
        const o = sessions.rounds.find((r) => r.side === 'ours' && r.sessions === n)!;
        const b = sessions.rounds.find((r) => r.side === 'raw' && r.sessions === n)!;
        const met = o.held === n && o.drops === 0 && o.connectFailures === 0;
        sessionBars.push({ sessions: n, held: o.held, drops: o.drops, met: met && n >= 1000 });
        figures.push(
          [`${n}: sessions held by the controller (contrail_xmpp_sessions)`, `${o.held}`, n >= 1000 ? `${met ? 'MET' : 'MISSED'} (>= 1,000 with keepalives, none dropped)` : ''],
          [`${n}: drops during the ${o.holdSeconds} s hold (ours / raw)`, `${o.drops} / ${b.drops}`, ''],
          [`${n}: RSS per session (controller / raw)`, `${kib(o.rssPerSessionBytes)} / ${kib(b.rssPerSessionBytes)}`, ''],
          [`${n}: CPU per session (controller / raw)`, `${us(o.cpuMicrosPerSessionSecond)} / ${us(b.cpuMicrosPerSessionSecond)}`, ''],
          [`${n}: CPU per session above idle (controller / raw)`, `${us(o.cpuMicrosPerSessionSecondAboveIdle)} / ${us(b.cpuMicrosPerSessionSecondAboveIdle)}`, ''],
          [`${n}: controller heap per session`, kib(o.heapPerSessionBytes), ''],
          [`${n}: keepalives to / from the controller`, `${o.keepalivesToServer} / ${o.keepalivesFromServer}`, ''],
          [`${n}: keepalives to / from the raw server`, `${b.keepalivesToServer} / ${b.keepalivesFromServer}`, ''],
        );
      }
      printFigures(`xmpp: sessions held by one control process (${HOLD_SECONDS} s, agent keepalive when idle ${KEEPALIVE_SECONDS} s, control every ${CONTROL_HOLD_SECONDS / 3} s)`, figures);
    }
    if (routes) {
      printTable(`xmpp: routes pushed (${SUBSCRIBERS} subscribers × ${ROUTES} routes, median of ${ROUNDS} rounds; p50/p99 = per-agent time to hold all routes)`, routes.rows as ReturnType<typeof row>[]);
      const o = routes.ours as PushMeasurement;
      const b = routes.raw as PushMeasurement;
      const a = routes.rawPreEncoded as PushMeasurement;
      const perRoute = (v: number | undefined) => (v === undefined ? 'n/a' : `${v} µs`);
      printFigures('xmpp: routes pushed, CPU per route delivered to one agent (median round)', [
        ['controller process', perRoute(o.cpuMicrosPerRoute.server), ''],
        ['raw server (encoding as it writes)', perRoute(b.cpuMicrosPerRoute.server), ''],
        ['raw server (bytes encoded ahead)', perRoute(a.cpuMicrosPerRoute.server), ''],
        ['subscribers (bench process), ours', perRoute(o.cpuMicrosPerRoute.clients), ''],
        ['subscribers (bench process), raw', perRoute(b.cpuMicrosPerRoute.clients), ''],
        ['withdraw routes/s (ours, median)', String(o.withdrawRoutesPerSecond), ''],
        ['same bytes as the raw server (warm-up)', String(routes.sameBytesAsRaw), ''],
      ]);
    }
    const firstRow = routes ? (routes.rows as ReturnType<typeof row>[])[0]! : undefined;
    const file = writeResults('xmpp', {
      parameters: {
        sessions: SESSIONS,
        holdSeconds: HOLD_SECONDS,
        idleSeconds: IDLE_SECONDS,
        agentKeepaliveSeconds: KEEPALIVE_SECONDS,
        controlHoldTimeSeconds: CONTROL_HOLD_SECONDS,
        controlKeepaliveSeconds: CONTROL_HOLD_SECONDS / 3,
        subscribers: SUBSCRIBERS,
        routes: ROUTES,
        rounds: ROUNDS,
        publishSize: PUBLISH_SIZE,
        publisher: PUBLISHER_PROTO,
        itemsPerMessage: MAX_ITEMS_PER_MESSAGE,
        batchRoutes: Number(process.env.AGENT_BATCH_ROUTES ?? 256),
      },
      bars: {
        sessionsHeld: sessions ? { bar: '>= 1,000 XMPP sessions with keepalives on 2 cores', rounds: sessionBars, met: sessionBars.some((s) => s.met) } : undefined,
        routesPerSecond: routes ? { bar: '>= 100,000 routes/s in 32-item messages', ours: (routes.ours as PushMeasurement).perSecond, raw: (routes.raw as PushMeasurement).perSecond, ratio: routes.ratio, met: firstRow!.met } : undefined,
      },
      sessions,
      routes: routes ? { ...routes, rows: undefined } : undefined,
      rows: firstRow ? [firstRow] : [],
      environment: {
        notes: [
          'One machine, 2 cores, loopback. The controller (all-in-one, SQLite, LOG_LEVEL=info) and the raw server each run in their own child process; every XMPP agent (and the gRPC publisher) runs in the bench process.',
          `Sessions: a fresh controller and a fresh raw server per round, rounds alternating (ours N, raw N). Each agent holds with the bridge's hold time (${CONTROL_HOLD_SECONDS} s: the bridge takes it from the dialect, the controller's environment does not set it) and sends a keepalive whenever it sent nothing for ${KEEPALIVE_SECONDS} s; control sends its keepalive every ${CONTROL_HOLD_SECONDS / 3} s, and so does the raw server per socket. Agents send no subscribe during the hold: keepalives are all that flows.`,
          `Session figures: RSS per session = (RSS at the end of the hold − RSS before the agents connected) ÷ N, each the lowest of 5 readings 400 ms apart (controller: /metrics process_resident_memory_bytes; raw: /proc VmRSS). CPU per session = server CPU seconds over the hold ÷ hold seconds ÷ N, in µs per second (controller: /metrics process_cpu_seconds_total, which the /metrics reads themselves add to; raw: /proc); this gross figure includes the whole process (the controller's config API, projections and gRPC server idling next to the sessions), so the figure "above idle" subtracts the server's CPU share measured over ${IDLE_SECONDS} s before any agent connected (5 s after the controller started); at these rates (about 1 % of a core) that difference is within the noise of one idle window, and can come out negative. RSS moves with the V8 heap's growth and GC, so per-session RSS is noisy from round to round; the controller's heap per session (nodejs_heap_size_used_bytes, lowest of 5 readings) is given beside it.`,
          'Routes: rounds alternate ours, raw (encoding as it writes, per subscriber, as the bridge does: this is the baseline of the ratio), raw (bytes encoded before the clock starts, for information), after one unmeasured warm-up of each; every round publishes fresh prefixes and withdraws them afterwards. The raw server writes, per 256-route chunk (the control plane\'s session message), the messages encodeRouteUpdates makes for that subscriber: the bytes were compared with the controller\'s on the warm-up round (sameBytesAsRaw).',
          'Client-side work is equal: both sides use XmppSimulatedAgent with tables: \'ids\' (XmppFramer cuts the stanzas; item and retract ids are found by string search; no XML parse, no entry decode), so routes/s compares what the servers deliver through the same clients on the same 2 cores.',
          'The subscribers all run on the bench process\'s one thread (cpu[].bench, 1 = a core): when it nears 1, the clients are the limit for every variant and routes/s says the server kept up with them; the servers\' own CPU per route delivered (cpuMicrosPerRoute.server) compares them apart from that limit. Most of it is encoding: one encode per subscriber, as the route messages name their agent in `to`.',
          `Publisher: ${PUBLISHER_PROTO === 'grpc' ? 'a gRPC SimulatedAgent (AgentService) publishing 1000 routes per message, so the time is mostly the XMPP push' : 'an XMPP agent subscribed with no-ribout, publishing a publish + collection pair per route (the bridge parses those too)'}; timed from the first publish to the arrival of the stanza that completed the last subscriber's table.`,
        ],
        loadAverageBefore: loadBefore,
        loadAverageAfter: loadavg().map((l) => round(l, 2)),
        totalSeconds: round((performance.now() - started) / 1000, 1),
      },
    });
    progress(`results in ${file}`);
  } finally {
    for (const stop of stops) await stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
