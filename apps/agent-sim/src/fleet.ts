import { Channel, credentials, type ChannelCredentials } from '@grpc/grpc-js';
import { settleLimited } from './concurrency.js';
import { summarize, type LatencySummary } from './latency-stats.js';
import { agentAddress, agentName } from './sim-plan.js';
import { AGENT_CHANNEL_OPTIONS, SimulatedAgent, type SimulatedAgentOptions } from './simulated-agent.js';

export interface AgentFleetOptions {
  target: string;
  agents: number;
  /** Agent i (1-based) is `<prefix><i>`. Default 'sim-agent-'. */
  prefix?: string;
  cluster?: string;
  /** gRPC channels (TCP connections) the agents share round-robin; default one per agent. */
  channels?: number;
  /** Sessions being opened at once. Default 64. */
  connectConcurrency?: number;
  /** TLS to control (credentials.createSsl); default plain TCP. */
  credentials?: ChannelCredentials;
  /** More options for agent i (1-based): a slow ack, followConfig … */
  agentOptions?: (i: number) => Partial<SimulatedAgentOptions>;
}

export interface ConnectOutcome {
  connected: number;
  failed: Array<{ name: string; error: Error }>;
  ms: number;
}

export interface ConvergenceReport {
  /** Every agent converged before the timeout. */
  complete: boolean;
  /** Per agent: ms from markCommit() until it acked the message that made the predicate hold. */
  latencies: Map<string, number>;
  summary: LatencySummary;
  /** Agents that had not converged at the timeout. */
  pending: string[];
  /** ms from markCommit() until the report. */
  elapsedMs: number;
}

export interface FleetTotals {
  connected: number;
  messages: number;
  routeUpdates: number;
  withdrawals: number;
  routesHeld: number;
  acks: number;
  notices: number;
  anomalies: number;
  publishedRoutes: number;
}

export interface MemorySnapshot extends NodeJS.MemoryUsage {
  heapUsedPerAgent: number;
}

/** The fleet did not reach a state in time; `pending` names the agents that had not. */
export class FleetTimeoutError extends Error {
  constructor(
    what: string,
    readonly pending: string[],
  ) {
    super(`${pending.length} agent(s) not ${what}: ${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ' …' : ''}`);
    this.name = 'FleetTimeoutError';
  }
}

/** N simulated agents over K shared channels, with the aggregate waits and measures a scale test needs. */
/** What connectAgents and waitForAgents need of an agent, whatever its protocol. */
interface NamedAgent {
  readonly name: string;
  connect(): Promise<unknown>;
}

/** Connects `agents`, `concurrency` at a time; `onProgress` after each attempt. Shared by every fleet. */
export async function connectAgents(
  agents: readonly NamedAgent[],
  concurrency: number,
  onProgress?: (progress: { done: number; failed: number; total: number }) => void,
): Promise<ConnectOutcome> {
  const start = performance.now();
  let done = 0;
  let failures = 0;
  const results = await settleLimited(agents, concurrency, async (agent) => {
    try {
      return await agent.connect();
    } catch (error) {
      failures += 1;
      throw error;
    } finally {
      onProgress?.({ done: ++done, failed: failures, total: agents.length });
    }
  });
  const failed = results.flatMap((r, k) => (r.status === 'rejected' ? [{ name: agents[k]!.name, error: r.reason as Error }] : []));
  return { connected: agents.length - failed.length, failed, ms: performance.now() - start };
}

/**
 * Runs `wait` for every agent with what is left of one shared `timeoutMs`; a FleetTimeoutError naming the agents that
 * did not get there. Shared by every fleet.
 */
export async function waitForAgents<A extends { readonly name: string }>(
  agents: readonly A[],
  wait: (agent: A, remainingMs: number) => Promise<void>,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const results = await Promise.allSettled(agents.map((a) => wait(a, Math.max(1, deadline - performance.now()))));
  const pending = results.flatMap((r, k) => (r.status === 'rejected' ? [agents[k]!.name] : []));
  if (pending.length > 0) throw new FleetTimeoutError(what, pending);
}

export class AgentFleet {
  readonly agents: SimulatedAgent[];
  private readonly channels: Channel[];
  private commitAt: number | undefined;

  constructor(private readonly options: AgentFleetOptions) {
    const count = Math.max(1, Math.min(options.channels ?? options.agents, options.agents));
    // A local subchannel pool per channel: otherwise grpc-js would share one connection between equal channels.
    const creds = options.credentials ?? credentials.createInsecure();
    this.channels = Array.from({ length: count }, () => new Channel(options.target, creds, { ...AGENT_CHANNEL_OPTIONS, 'grpc.use_local_subchannel_pool': 1 }));
    this.agents = Array.from({ length: options.agents }, (_, k) => {
      const i = k + 1;
      return new SimulatedAgent({
        target: options.target,
        name: agentName(options.prefix ?? 'sim-agent-', i),
        address: agentAddress(i),
        cluster: options.cluster,
        channel: this.channels[k % count],
        ...options.agentOptions?.(i),
      });
    });
  }

  get channelCount(): number {
    return this.channels.length;
  }

  /** Connects every agent, `connectConcurrency` at a time; `onProgress` after each attempt. */
  async connectAll(onProgress?: (progress: { done: number; failed: number; total: number }) => void): Promise<ConnectOutcome> {
    return connectAgents(this.agents, this.options.connectConcurrency ?? 64, onProgress);
  }

  /** Resolves when every agent has every subscribed VRF's EndOfRib; a FleetTimeoutError otherwise. */
  async waitAllSynced(timeoutMs = 60_000): Promise<void> {
    await this.waitAll((a) => a.synced, 'synced', timeoutMs);
  }

  /** Resolves when `predicate` holds for every agent; a FleetTimeoutError naming the others otherwise. */
  async waitAll(predicate: (agent: SimulatedAgent) => boolean, what: string, timeoutMs: number): Promise<void> {
    await waitForAgents(this.agents, (agent, ms) => agent.waitFor(predicate, ms, what), what, timeoutMs);
  }

  /** The instant convergence is measured from (performance.now()); call it just before the change is made. */
  markCommit(): number {
    this.commitAt = performance.now();
    return this.commitAt;
  }

  /**
   * Waits until `predicate` holds for every agent, up to `timeoutMs`, and reports, per agent, the time from
   * markCommit() until it acked the message after which the predicate first held: applied and acknowledged, as
   * control sees it. Never rejects: a timeout gives complete = false and the agents still pending.
   */
  waitConverged(predicate: (agent: SimulatedAgent) => boolean, timeoutMs = 60_000): Promise<ConvergenceReport> {
    const start = this.commitAt ?? this.markCommit();
    const latencies = new Map<string, number>();
    const target = new Map<SimulatedAgent, number>();
    const pending = new Set(this.agents);
    return new Promise((resolve) => {
      const detach: Array<() => void> = [];
      const finish = () => {
        clearTimeout(timer);
        for (const off of detach) off();
        const elapsedMs = performance.now() - start;
        resolve({ complete: pending.size === 0, latencies, summary: summarize([...latencies.values()]), pending: [...pending].map((a) => a.name), elapsedMs });
      };
      const check = (agent: SimulatedAgent) => {
        if (!pending.has(agent)) return;
        let version = target.get(agent);
        if (version === undefined) {
          if (!predicate(agent)) return;
          version = agent.lastVersion;
          target.set(agent, version);
        }
        if (agent.ackedVersion < version) return;
        const ackedAt = version === 0 ? start : (agent.ackedAt(version) ?? performance.now());
        latencies.set(agent.name, Math.max(0, ackedAt - start));
        pending.delete(agent);
        if (pending.size === 0) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      for (const agent of this.agents) {
        const onChange = () => check(agent);
        agent.on('message', onChange);
        agent.on('ack', onChange);
        detach.push(() => {
          agent.off('message', onChange);
          agent.off('ack', onChange);
        });
      }
      for (const agent of this.agents) check(agent);
      if (this.agents.length === 0) finish();
    });
  }

  totals(): FleetTotals {
    const t: FleetTotals = { connected: 0, messages: 0, routeUpdates: 0, withdrawals: 0, routesHeld: 0, acks: 0, notices: 0, anomalies: 0, publishedRoutes: 0 };
    for (const a of this.agents) {
      if (a.connected) t.connected += 1;
      t.messages += a.stats.messages;
      t.routeUpdates += a.stats.routeUpdates;
      t.withdrawals += a.stats.withdrawals;
      t.routesHeld += a.routeCount;
      t.acks += a.stats.acks;
      t.notices += a.stats.notices;
      t.anomalies += a.anomalies.length;
      t.publishedRoutes += a.stats.publishedRoutes;
    }
    return t;
  }

  memory(): MemorySnapshot {
    const usage = process.memoryUsage();
    return { ...usage, heapUsedPerAgent: this.agents.length > 0 ? usage.heapUsed / this.agents.length : 0 };
  }

  /** Ends every session cleanly, then the channels. */
  async closeAll(concurrency = 256): Promise<void> {
    await settleLimited(this.agents, concurrency, (a) => a.close());
    for (const channel of this.channels) channel.close();
  }

  /** Drops every stream abruptly (sessions stay resumable). */
  async disconnectAll(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.disconnect()));
  }
}
