import type { FleetTotals, MemorySnapshot } from './fleet.js';
import type { LatencySummary } from './latency-stats.js';
import type { SimulatedAgent } from './simulated-agent.js';

/** What a run found, as --json prints it. */
export interface SimReport {
  ok: boolean;
  /** The agents' protocol. */
  proto: 'grpc' | 'xmpp';
  /** --control: the control replicas every agent held a session with. */
  controls?: string[];
  agents: number;
  vrfs: number;
  routesPerAgent: number;
  totalRoutes: number;
  channels: number;
  slowAgents: number;
  ackDelayMs: number;
  provision?: Record<string, { created: number; reused: number; failed: number }>;
  connectMs?: number;
  syncMs?: number;
  publishMs?: number;
  convergence?: {
    complete: boolean;
    elapsedMs: number;
    /** Agents not converged at the timeout. */
    pending: number;
    /** (agent, expected prefix) pairs missing after convergence by count. */
    missingRoutes: number;
    all: LatencySummary;
    normal?: LatencySummary;
    slow?: LatencySummary;
  };
  received?: { messages: number; routeUpdates: number; perSecond: number };
  totals?: FleetTotals;
  memory?: { rssMiB: number; heapUsedMiB: number; heapUsedPerAgentKiB: number };
  notices: Record<string, number>;
  anomalies: string[];
  /** Why it failed, when it did. */
  failure?: string;
}

const MiB = 1024 * 1024;

export function memoryOf(m: MemorySnapshot): NonNullable<SimReport['memory']> {
  return { rssMiB: round(m.rss / MiB), heapUsedMiB: round(m.heapUsed / MiB), heapUsedPerAgentKiB: round(m.heapUsedPerAgent / 1024) };
}

/** Notice codes over the fleet, and the first anomalies (with the agent's name). */
/** What the report reads of an agent (gRPC or XMPP). */
export interface AgentProblems {
  readonly name: string;
  readonly notices: SimulatedAgent['notices'];
  readonly anomalies: readonly string[];
}

export function problemsOf(agents: readonly AgentProblems[], limit = 10): Pick<SimReport, 'notices' | 'anomalies'> {
  const notices: Record<string, number> = {};
  const anomalies: string[] = [];
  for (const a of agents) {
    for (const n of a.notices) notices[n.code] = (notices[n.code] ?? 0) + 1;
    for (const text of a.anomalies) if (anomalies.length < limit) anomalies.push(`${a.name}: ${text}`);
  }
  return { notices, anomalies };
}

/** The first notice of each code, for a failure message. */
export function firstNotices(agents: readonly AgentProblems[]): string[] {
  const seen = new Map<string, string>();
  for (const a of agents) for (const n of a.notices) if (!seen.has(n.code)) seen.set(n.code, `${n.code} (${a.name}): ${n.message}`);
  return [...seen.values()];
}

export function round(n: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function ms(n: number): string {
  return n >= 10_000 ? `${round(n / 1000, 2)} s` : `${round(n)} ms`;
}

export function latencyLine(label: string, s: LatencySummary): string {
  return `${label}: ${s.count} agents, p50 ${ms(s.p50)}, p99 ${ms(s.p99)}, max ${ms(s.max)}`;
}
