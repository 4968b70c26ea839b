import { settleLimited } from '../concurrency.js';
import { connectAgents, waitForAgents, type ConnectOutcome, type ConvergenceReport, type FleetTotals, type MemorySnapshot } from '../fleet.js';
import { summarize } from '../latency-stats.js';
import { agentAddress, agentName } from '../sim-plan.js';
import { XmppSimulatedAgent, type XmppSimulatedAgentOptions } from './xmpp-agent.js';

export interface XmppFleetOptions {
  /** host:port of control's XMPP listener. */
  target: string;
  agents: number;
  /** Agent i (1-based) is `<prefix><i>`. Default 'sim-agent-'. */
  prefix?: string;
  /** Sessions being opened at once. Default 64. */
  connectConcurrency?: number;
  /** More options for agent i (1-based): hold time, followConfig, tables … */
  agentOptions?: (i: number) => Partial<XmppSimulatedAgentOptions>;
}

/**
 * N XMPP simulated agents, one TCP connection each, with AgentFleet's aggregate waits and measures. XMPP has no acks:
 * convergence is measured until the arrival of the stanza after which an agent's predicate first held.
 */
export class XmppFleet {
  readonly agents: XmppSimulatedAgent[];
  private commitAt: number | undefined;

  constructor(private readonly options: XmppFleetOptions) {
    this.agents = Array.from({ length: options.agents }, (_, k) => {
      const i = k + 1;
      return new XmppSimulatedAgent({ target: options.target, name: agentName(options.prefix ?? 'sim-agent-', i), address: agentAddress(i), ...options.agentOptions?.(i) });
    });
  }

  /** TCP connections: one per agent. */
  get channelCount(): number {
    return this.agents.length;
  }

  /** Connects every agent, `connectConcurrency` at a time; `onProgress` after each attempt. */
  async connectAll(onProgress?: (progress: { done: number; failed: number; total: number }) => void): Promise<ConnectOutcome> {
    return connectAgents(this.agents, this.options.connectConcurrency ?? 64, onProgress);
  }

  /** Resolves when every agent had control's end-of-RIB for every VRF it subscribed to; a FleetTimeoutError otherwise. */
  async waitAllSynced(timeoutMs = 60_000): Promise<void> {
    await this.waitAll((a) => a.synced, 'synced', timeoutMs);
  }

  async waitAll(predicate: (agent: XmppSimulatedAgent) => boolean, what: string, timeoutMs: number): Promise<void> {
    await waitForAgents(this.agents, (agent, ms) => agent.waitFor(predicate, ms, what), what, timeoutMs);
  }

  /** The instant convergence is measured from (performance.now()); call it just before the change is made. */
  markCommit(): number {
    this.commitAt = performance.now();
    return this.commitAt;
  }

  /**
   * Waits until `predicate` holds for every agent, up to `timeoutMs`, and reports per agent the time from
   * markCommit() until the bytes of the stanza after which the predicate first held arrived (XMPP has no acks: the
   * agent's receipt is the end). Never rejects: a timeout gives complete = false and the agents still pending.
   */
  waitConverged(predicate: (agent: XmppSimulatedAgent) => boolean, timeoutMs = 60_000): Promise<ConvergenceReport> {
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
      const check = (agent: XmppSimulatedAgent, at: number): void => {
        if (!pending.has(agent) || !predicate(agent)) return;
        latencies.set(agent.name, Math.max(0, at - start));
        pending.delete(agent);
        if (pending.size === 0) finish();
      };
      const timer = setTimeout(finish, timeoutMs);
      for (const agent of this.agents) {
        const onMessage = ({ at }: { at: number }): void => check(agent, at);
        agent.on('message', onMessage);
        detach.push(() => agent.off('message', onMessage));
      }
      // Already there before anything arrived after the commit: 0.
      for (const agent of this.agents) check(agent, start);
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
      t.anomalies += a.anomalies.length;
      t.publishedRoutes += a.stats.publishedRoutes;
    }
    return t;
  }

  memory(): MemorySnapshot {
    const usage = process.memoryUsage();
    return { ...usage, heapUsedPerAgent: this.agents.length > 0 ? usage.heapUsed / this.agents.length : 0 };
  }

  /** Ends every session cleanly (`</stream:stream>`). */
  async closeAll(concurrency = 256): Promise<void> {
    await settleLimited(this.agents, concurrency, (a) => a.close());
  }

  /** Cuts every connection abruptly. */
  async disconnectAll(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.disconnect()));
  }
}
