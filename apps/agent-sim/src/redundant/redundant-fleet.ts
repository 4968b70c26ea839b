import { settleLimited } from '../concurrency.js';
import type { Channel, ChannelCredentials } from '@grpc/grpc-js';
import { connectAgents, waitForAgents, type ConnectOutcome, type ConvergenceReport, type FleetTotals, type MemorySnapshot } from '../fleet.js';
import { summarize } from '../latency-stats.js';
import { agentAddress, agentName } from '../sim-plan.js';
import { RedundantAgent, controlChannel, type ControlSessionOptions } from './redundant-agent.js';

export interface RedundantFleetOptions {
  /** host:port of each control replica's gRPC port: every agent holds a session with each. */
  controls: readonly string[];
  agents: number;
  /** Agent i (1-based) is `<prefix><i>`. Default 'sim-agent-'. */
  prefix?: string;
  cluster?: string;
  /** gRPC channels per control replica that the agents share round-robin; default one per agent and replica. */
  channels?: number;
  /** Agents being connected at once. Default 64. */
  connectConcurrency?: number;
  /** TLS to the replicas (credentials.createSsl); default plain TCP. */
  credentials?: ChannelCredentials;
  /** More options for the sessions of agent i (1-based): a slow ack … */
  sessionOptions?: (i: number) => ControlSessionOptions;
}

/**
 * N agents, each with a session to every control replica (RedundantAgent), with AgentFleet's aggregate waits and
 * measures. Convergence is measured until the message after which an agent's union view first held: whichever
 * replica delivered first.
 */
export class RedundantFleet {
  readonly agents: RedundantAgent[];
  private readonly channels = new Map<string, Channel[]>();
  private commitAt: number | undefined;

  constructor(private readonly options: RedundantFleetOptions) {
    const perControl = Math.max(1, Math.min(options.channels ?? options.agents, options.agents));
    for (const control of options.controls) this.channels.set(control, Array.from({ length: perControl }, () => controlChannel(control, undefined, options.credentials)));
    this.agents = Array.from({ length: options.agents }, (_, k) => {
      const i = k + 1;
      return new RedundantAgent({
        controls: options.controls,
        name: agentName(options.prefix ?? 'sim-agent-', i),
        address: agentAddress(i),
        cluster: options.cluster,
        channelFor: (control) => this.channels.get(control)![k % perControl],
        session: options.sessionOptions?.(i),
      });
    });
  }

  /** gRPC channels (TCP connections) over every replica. */
  get channelCount(): number {
    let n = 0;
    for (const list of this.channels.values()) n += list.length;
    return n;
  }

  /** Connects every agent to every replica, `connectConcurrency` agents at a time; an agent counts once any replica welcomed it. */
  async connectAll(onProgress?: (progress: { done: number; failed: number; total: number }) => void): Promise<ConnectOutcome> {
    return connectAgents(this.agents, this.options.connectConcurrency ?? 64, onProgress);
  }

  /** Resolves when every agent's live sessions all had their EndOfRibs; a FleetTimeoutError otherwise. */
  async waitAllSynced(timeoutMs = 60_000): Promise<void> {
    await waitForAgents(this.agents, (agent, ms) => agent.waitForSynced(ms), 'synced', timeoutMs);
  }

  /** The instant convergence is measured from (performance.now()); call it just before the change is made. */
  markCommit(): number {
    this.commitAt = performance.now();
    return this.commitAt;
  }

  /**
   * Waits until `predicate` holds for every agent, up to `timeoutMs`, and reports per agent the time from
   * markCommit() until the message after which it first held. Never rejects: a timeout gives complete = false.
   */
  waitConverged(predicate: (agent: RedundantAgent) => boolean, timeoutMs = 60_000): Promise<ConvergenceReport> {
    const start = this.commitAt ?? this.markCommit();
    const latencies = new Map<string, number>();
    const pending = new Set(this.agents);
    return new Promise((resolve) => {
      const detach: Array<() => void> = [];
      const finish = (): void => {
        clearTimeout(timer);
        for (const off of detach) off();
        resolve({ complete: pending.size === 0, latencies, summary: summarize([...latencies.values()]), pending: [...pending].map((a) => a.name), elapsedMs: performance.now() - start });
      };
      const check = (agent: RedundantAgent, at: number): void => {
        if (!pending.has(agent) || !predicate(agent)) return;
        latencies.set(agent.name, Math.max(0, at - start));
        pending.delete(agent);
        if (pending.size === 0) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      for (const agent of this.agents) {
        const onChange = (at: number): void => check(agent, at);
        agent.on('change', onChange);
        detach.push(() => agent.off('change', onChange));
      }
      for (const agent of this.agents) check(agent, start);
      if (this.agents.length === 0) finish();
    });
  }

  /** Totals over every session; `connected` counts agents with at least one live session, `routesHeld` their union views. */
  totals(): FleetTotals {
    const t: FleetTotals = { connected: 0, messages: 0, routeUpdates: 0, withdrawals: 0, routesHeld: 0, acks: 0, notices: 0, anomalies: 0, publishedRoutes: 0 };
    for (const a of this.agents) {
      const stats = a.stats;
      if (a.connected) t.connected += 1;
      t.messages += stats.messages;
      t.routeUpdates += stats.routeUpdates;
      t.withdrawals += stats.withdrawals;
      t.routesHeld += a.routeCount;
      t.acks += stats.acks;
      t.notices += stats.notices;
      t.anomalies += a.anomalies.length;
      t.publishedRoutes += stats.publishedRoutes;
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
    for (const list of this.channels.values()) for (const channel of list) channel.close();
  }
}
