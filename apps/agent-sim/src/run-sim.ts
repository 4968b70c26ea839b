import type { agentProto } from '#libs/proto';
import { BearerTokenFile } from '#libs/security';
import { EXIT, UsageError, type SimArgs } from './cli-args.js';
import { AgentFleet, FleetTimeoutError, type ConnectOutcome, type ConvergenceReport, type FleetTotals, type MemorySnapshot } from './fleet.js';
import { summarize } from './latency-stats.js';
import { provisionCluster, provisionNetworks, provisionVirtualRouters, type ProvisionOptions } from './provision.js';
import { FIRST_LABEL, INTERFACE_ENCAPSULATIONS } from './interface-routes.js';
import { SimPlan } from './sim-plan.js';
import { firstNotices, latencyLine, memoryOf, ms, problemsOf, round, type SimReport } from './sim-report.js';
import type { ReceivedNotice } from './received-state.js';
import { XmppFleet } from './xmpp/xmpp-fleet.js';
import { RedundantFleet } from './redundant/redundant-fleet.js';
import { simTlsOf, type SimTls } from './sim-tls.js';

export interface SimIo {
  out(line: string): void;
  err(line: string): void;
  /** Aborted by Ctrl-C / SIGTERM: the run stops waiting and closes the sessions. */
  signal?: AbortSignal;
  /** Status line period with --duration. Default 5000. */
  statusEveryMs?: number;
}

/** What a run needs of an agent: the gRPC SimulatedAgent and the XmppSimulatedAgent both are one. */
export interface SimAgent {
  readonly name: string;
  readonly address: string;
  readonly notices: readonly ReceivedNotice[];
  readonly anomalies: readonly string[];
  subscribe(vrf: string): void;
  publish(vrf: string, routes: ReadonlyArray<Partial<agentProto.Route>>): void;
  endOfRib(): void;
  table(vrf: string): ReadonlyMap<string, readonly agentProto.Path[]>;
}

/** What a run needs of a fleet: AgentFleet (gRPC) and XmppFleet both are one. */
export interface SimFleet {
  readonly agents: readonly SimAgent[];
  readonly channelCount: number;
  connectAll(onProgress?: (progress: { done: number; failed: number; total: number }) => void): Promise<ConnectOutcome>;
  waitAllSynced(timeoutMs?: number): Promise<void>;
  markCommit(): number;
  waitConverged(predicate: (agent: SimAgent) => boolean, timeoutMs?: number): Promise<ConvergenceReport>;
  totals(): FleetTotals;
  memory(): MemorySnapshot;
  closeAll(): Promise<void>;
}

/**
 * The fleet of the run's protocol: gRPC agents over shared channels (with --control, a session to each replica per
 * agent), or XMPP agents with a connection each.
 */
function fleetOf(args: SimArgs, tls: SimTls | undefined): SimFleet {
  if (args.controls) {
    return new RedundantFleet({
      ...(tls ? { credentials: tls.grpc } : {}),
      controls: args.controls,
      agents: args.agents,
      prefix: args.prefix,
      cluster: args.cluster,
      channels: args.channels,
      connectConcurrency: args.connectConcurrency,
      sessionOptions: (i) => (isSlow(args, i) ? { ackDelayMs: args.ackDelayMs } : {}),
    });
  }
  if (args.proto === 'xmpp') {
    return new XmppFleet({
      target: args.target,
      agents: args.agents,
      prefix: args.prefix,
      connectConcurrency: args.connectConcurrency,
      agentOptions: () => ({ holdTimeSeconds: args.holdTimeS, ...(tls ? { tls: tls.xmpp } : {}) }),
    });
  }
  return new AgentFleet({
    ...(tls ? { credentials: tls.grpc } : {}),
    target: args.target,
    agents: args.agents,
    prefix: args.prefix,
    cluster: args.cluster,
    channels: args.channels,
    connectConcurrency: args.connectConcurrency,
    agentOptions: (i) => (isSlow(args, i) ? { ackDelayMs: args.ackDelayMs } : {}),
  });
}

class Interrupted extends Error {}

/** `work`, or Interrupted as soon as the signal fires. */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new Interrupted());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new Interrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * One simulation: provision (optionally), connect, subscribe and sync, publish, measure convergence, optionally
 * stay connected; always ends the sessions cleanly. Answers the exit code.
 */
export async function runSim(args: SimArgs, io: SimIo): Promise<number> {
  const log = args.json ? io.err : io.out;
  const plan = new SimPlan(args.agents, args.vrfs, args.routesPerAgent);
  const report: SimReport = {
    ok: false,
    proto: args.proto,
    ...(args.controls ? { controls: args.controls } : {}),
    agents: args.agents,
    vrfs: args.vrfs,
    routesPerAgent: args.routesPerAgent,
    totalRoutes: plan.totalRoutes,
    channels: args.channels,
    slowAgents: args.slowAgents,
    ackDelayMs: args.ackDelayMs,
    notices: {},
    anomalies: [],
  };
  let tls: SimTls | undefined;
  try {
    tls = simTlsOf(args.tls);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`agent-sim: ${error.message}`);
    return EXIT.usage;
  }
  const fleet = fleetOf(args, tls);
  let code: number = EXIT.failed;
  try {
    code = await phases(args, plan, fleet, report, log, io);
  } catch (error) {
    report.failure = error instanceof Interrupted ? 'interrupted' : (error as Error).message;
    log(`agent-sim: ${report.failure}`);
  } finally {
    Object.assign(report, problemsOf(fleet.agents));
    await fleet.closeAll();
    log('closed every session');
  }
  report.ok = code === EXIT.ok;
  if (args.json) io.out(JSON.stringify(report, null, 2));
  return code;
}

function isSlow(args: SimArgs, i: number): boolean {
  return i > args.agents - args.slowAgents;
}

type Log = (line: string) => void;

async function phases(args: SimArgs, plan: SimPlan, fleet: SimFleet, report: SimReport, log: Log, io: SimIo): Promise<number> {
  const timeoutMs = args.timeoutS * 1000;
  if (args.provision && !(await provision(args, fleet, report, log))) return EXIT.failed;

  const step = Math.max(1, Math.ceil(args.agents / 10));
  const connect = await unlessAborted(
    fleet.connectAll(({ done, failed, total }) => {
      if (done % step === 0 || done === total) log(`connected ${done - failed}/${total}${failed > 0 ? ` (${failed} failed)` : ''}`);
    }),
    io.signal,
  );
  report.connectMs = round(connect.ms);
  if (connect.failed.length > 0) {
    report.failure = `${connect.failed.length} of ${args.agents} agents could not connect`;
    log(report.failure);
    for (const [message, names] of byMessage(connect.failed).slice(0, 3)) log(`  ${names.length} × ${message} (${names.slice(0, 3).join(', ')}${names.length > 3 ? ' …' : ''})`);
    return EXIT.failed;
  }
  if (args.proto === 'xmpp') log(`connected ${args.agents} XMPP agents (a TCP connection each) in ${ms(connect.ms)}`);
  else if (args.controls) log(`connected ${args.agents} agents to ${args.controls.length} control replicas (${args.controls.join(', ')}) over ${fleet.channelCount} channel(s) in ${ms(connect.ms)}`);
  else log(`connected ${args.agents} agents over ${fleet.channelCount} channel(s) in ${ms(connect.ms)}`);

  const vrfs = plan.vrfNames();
  const syncStart = performance.now();
  // A fresh agent has nothing to republish: AgentEndOfRib at once lets control drop what an earlier run of the same
  // names left stale (held for the hold time), so the tables start without the routes about to be published.
  for (const agent of fleet.agents) agent.endOfRib();
  for (const agent of fleet.agents) for (const vrf of vrfs) agent.subscribe(vrf);
  try {
    await unlessAborted(fleet.waitAllSynced(timeoutMs), io.signal);
  } catch (error) {
    if (!(error instanceof FleetTimeoutError)) throw error;
    report.failure = `not synced within ${args.timeoutS} s: ${error.message}`;
    log(report.failure);
    for (const notice of firstNotices(fleet.agents)) log(`  notice ${notice}`);
    return EXIT.failed;
  }
  report.syncMs = round(performance.now() - syncStart);
  log(`synced: ${args.agents} agents × ${args.vrfs} VRFs had their EndOfRib in ${ms(report.syncMs)}`);
  const present = plan.totalRoutes - countMissing(fleet.agents.slice(0, 1), plan);
  if (present > 0) log(`  warning: ${present} of the ${plan.totalRoutes} routes are there before publishing: the convergence figures understate`);

  const before = fleet.totals();
  fleet.markCommit();
  const publishStart = performance.now();
  fleet.agents.forEach((agent, k) => publishPlanned(agent, plan, k + 1));
  report.publishMs = round(performance.now() - publishStart);
  log(`published ${args.agents} × ${args.routesPerAgent} = ${plan.totalRoutes} routes in ${ms(report.publishMs)}`);

  const expected = vrfs.map((vrf, k) => [vrf, plan.routesIn(k + 1)] as const);
  const converged = await unlessAborted(
    fleet.waitConverged((a) => expected.every(([vrf, n]) => a.table(vrf).size >= n), timeoutMs),
    io.signal,
  );
  const after = fleet.totals();
  const missingRoutes = converged.complete ? countMissing(fleet.agents, plan) : 0;
  const group = (slow: boolean) => summarize(fleet.agents.filter((a, k) => isSlow(args, k + 1) === slow && converged.latencies.has(a.name)).map((a) => converged.latencies.get(a.name)!));
  report.convergence = {
    complete: converged.complete,
    elapsedMs: round(converged.elapsedMs),
    pending: converged.pending.length,
    missingRoutes,
    all: converged.summary,
    ...(args.slowAgents > 0 ? { normal: group(false), slow: group(true) } : {}),
  };
  const routeUpdates = after.routeUpdates - before.routeUpdates;
  report.received = { messages: after.messages - before.messages, routeUpdates, perSecond: round(routeUpdates / Math.max(converged.elapsedMs / 1000, 1e-3), 0) };
  report.totals = after;
  report.memory = memoryOf(fleet.memory());

  if (converged.complete) log(`converged: every agent holds all ${plan.totalRoutes} routes of its ${args.vrfs} VRFs after ${ms(converged.summary.max)}`);
  else log(`NOT converged within ${args.timeoutS} s: ${converged.pending.length} agent(s) pending, first: ${converged.pending.slice(0, 5).join(', ')}`);
  // XMPP has no acks, and a redundant agent's routes arrive on whichever session is first: both count receipt.
  const receipt = args.proto === 'xmpp' || args.controls !== undefined;
  log(latencyLine(receipt ? '  latency (commit → receipt)' : '  latency (commit → ack)', converged.summary));
  if (report.convergence.normal) log(latencyLine('  normal agents', report.convergence.normal));
  if (report.convergence.slow) log(latencyLine(`  slow agents (+${args.ackDelayMs} ms)`, report.convergence.slow));
  log(`  received ${routeUpdates} route updates in ${report.received.messages} messages, ${report.received.perSecond} routes/s`);
  log(`  memory: rss ${report.memory.rssMiB} MiB, heap ${report.memory.heapUsedMiB} MiB (${report.memory.heapUsedPerAgentKiB} KiB per agent)`);
  if (missingRoutes > 0) log(`  but ${missingRoutes} expected (agent, prefix) pairs are missing: other prefixes filled the tables`);
  const { notices, anomalies } = problemsOf(fleet.agents);
  if (Object.keys(notices).length > 0) log(`  notices: ${JSON.stringify(notices)}`);
  for (const text of anomalies) log(`  anomaly ${text}`);

  const code = converged.complete && missingRoutes === 0 ? EXIT.ok : EXIT.failed;
  if (!converged.complete) report.failure = `not converged within ${args.timeoutS} s`;
  else if (missingRoutes > 0) report.failure = `${missingRoutes} expected routes missing`;
  if (args.durationS !== undefined) await stayConnected(args.durationS, fleet, log, io);
  return code;
}

async function provision(args: SimArgs, fleet: SimFleet, report: SimReport, log: Log): Promise<boolean> {
  let token: BearerTokenFile | undefined;
  try {
    token = args.tokenFile === undefined ? undefined : new BearerTokenFile(args.tokenFile);
  } catch (error) {
    report.failure = (error as Error).message;
    log(report.failure);
    return false;
  }
  const options: ProvisionOptions = { api: args.api, cluster: args.cluster, authorization: token && (() => token.authorization()) };
  const outcomes = {
    cluster: await provisionCluster(options),
    networks: await provisionNetworks(options, args.vrfs),
    virtualRouters: await provisionVirtualRouters(options, fleet.agents),
  };
  report.provision = {};
  const failures: string[] = [];
  for (const [what, o] of Object.entries(outcomes)) {
    report.provision[what] = { created: o.created, reused: o.reused, failed: o.failed.length };
    failures.push(...o.failed.map((f) => `${f.name}: ${f.error}`));
  }
  const { networks: n, virtualRouters: v } = outcomes;
  log(`provisioned ${args.vrfs} networks (${n.created} created, ${n.reused} reused), ${args.agents} virtual-routers (${v.created} created, ${v.reused} reused)`);
  if (failures.length === 0) return true;
  report.failure = `provisioning failed for ${failures.length} object(s)`;
  log(`${report.failure}; first: ${failures.slice(0, 3).join('; ')}`);
  return false;
}

/** Failures grouped by message, most frequent first: a thousand agents refused for one reason say it once. */
function byMessage(failed: ConnectOutcome['failed']): Array<[string, string[]]> {
  const groups = new Map<string, string[]>();
  for (const f of failed) groups.set(f.error.message, [...(groups.get(f.error.message) ?? []), f.name]);
  return [...groups].sort((a, b) => b[1].length - a[1].length);
}

/** Agent i's planned routes: labels from 16 up in publishing order, as a vRouter allocates them. */
function publishPlanned(agent: SimAgent, plan: SimPlan, i: number): void {
  let label = FIRST_LABEL;
  for (const [vrf, prefixes] of plan.routesOf(i)) {
    agent.publish(vrf, prefixes.map((prefix) => ({ prefix, label: label++, encapsulations: INTERFACE_ENCAPSULATIONS })));
  }
}

/** (agent, prefix) pairs the plan expects and the agent does not hold. */
function countMissing(agents: readonly SimAgent[], plan: SimPlan): number {
  const vrfs = plan.vrfNames();
  const prefixes = vrfs.map((_, k) => plan.prefixesIn(k + 1));
  let missing = 0;
  for (const agent of agents) {
    vrfs.forEach((vrf, k) => {
      const table = agent.table(vrf);
      for (const prefix of prefixes[k]!) if (!table.has(prefix)) missing += 1;
    });
  }
  return missing;
}

/** --duration: stays connected, a status line every few seconds, until the time is up or a signal (0 = signal only). */
async function stayConnected(durationS: number, fleet: SimFleet, log: Log, io: SimIo): Promise<void> {
  const start = performance.now();
  let last = fleet.totals();
  const every = io.statusEveryMs ?? 5000;
  const timer = setInterval(() => {
    const now = fleet.totals();
    const rss = memoryOf(fleet.memory()).rssMiB;
    log(`[+${Math.round((performance.now() - start) / 1000)}s] connected ${now.connected}/${fleet.agents.length}, routes held ${now.routesHeld}, messages ${now.messages} (+${round(((now.messages - last.messages) * 1000) / every, 0)}/s), notices ${now.notices}, rss ${rss} MiB`);
    last = now;
  }, every);
  log(durationS > 0 ? `staying connected for ${durationS} s` : 'staying connected until Ctrl-C');
  let end: NodeJS.Timeout | undefined;
  try {
    const until = new Promise<void>((resolve) => {
      if (durationS > 0) end = setTimeout(resolve, durationS * 1000);
    });
    await unlessAborted(until, io.signal).catch((error: unknown) => {
      if (!(error instanceof Interrupted)) throw error;
    });
  } finally {
    clearInterval(timer);
    clearTimeout(end);
  }
}
