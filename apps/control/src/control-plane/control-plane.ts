import { randomUUID } from 'node:crypto';
import {
  AgentUpdateQueue,
  canonicalPrefix,
  DEFAULT_CLUSTER,
  RoutingTables,
  type AgentConfig,
  type NetworkChange,
  type NetworkModel,
  type RouteChange,
} from '#libs/routing';
import { agentIdentityProblem, type AgentIdentityMode } from './agent-identity.js';
import { ConnectPacer } from './connect-pacer.js';
import { checkRoutes, helloProblem, type RouteInput } from './route-input.js';
import { configDelta, type NoticeCode, type SessionMessage } from './session-messages.js';

/** Where control reads the desired state: the per-cluster desired-state projection. */
export interface DesiredStateSource {
  readonly model: NetworkModel;
  /** Called after each settled run of config events with what changed; returns an unsubscribe function. */
  onChange(listener: (change: NetworkChange) => void): () => void;
}

export interface ControlPlaneOptions {
  /** How long a dropped session's routes stay (stale) and its session can be resumed. */
  holdTimeMs: number;
  /** Messages sent ahead of an agent's acks. */
  window: number;
  /** Route updates per message. */
  maxBatchRoutes: number;
  /**
   * AGENT_MAX_PENDING: route updates (dirty prefixes) that may wait for one agent that takes none (its window full,
   * its transport full, or held); past it the agent is too far behind: its session ends (a notice, then the stream)
   * and is forgotten, so it comes back with a full resync. 0 or absent: no limit (the tables bound the queue).
   */
  maxPendingRoutes?: number;
  /** AGENT_MAX_SESSIONS_PER_ADDRESS: live sessions from one source address; 0 or absent: no limit. */
  maxSessionsPerAddress?: number;
  /** Source addresses maxSessionsPerAddress does not count. Default: 127.0.0.1 and ::1 (isLoopbackHost). */
  exemptFromAddressLimit?: (address: string) => boolean;
  /** AGENT_CONNECT_RATE and AGENT_CONNECT_BURST: new sessions per second and at once; rate 0 or absent: not paced. */
  connectRate?: number;
  connectBurst?: number;
  /** AGENT_IDENTITY: whether an agent's name must be one its client certificate names. Default 'any'. */
  agentIdentity?: AgentIdentityMode;
  /** Called on every hit of a limit (contrail_limit_hits_total). */
  onLimitHit?: (limit: ControlLimit) => void;
  /** The clock of the connect pacer (ms). Default Date.now. */
  now?: () => number;
  log?: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;
}

/** The limits the control plane enforces, as contrail_limit_hits_total names them. */
export type ControlLimit = 'agent_pending_routes' | 'agent_sessions_per_address' | 'agent_connect_rate';

/** Sessions from the controller's own host, where simulators, tests and benchmarks run thousands of agents. */
export function isLoopbackHost(address: string): boolean {
  return address === '127.0.0.1' || address === '::1' || address === '::ffff:127.0.0.1';
}

/** What admit() says of a new session before it opens. */
export type Admission =
  | { kind: 'now' }
  /** Hold the connection this long, then open (XMPP: the header reply waits). */
  | { kind: 'hold'; waitMs: number }
  /** Refuse it for now; the agent is to come back after `retryAfterMs` (gRPC: UNAVAILABLE, trailer retry-after-ms). */
  | { kind: 'later'; retryAfterMs: number; message: string };

/** One agent's connection as control sees it: the wire adapter (gRPC stream, XMPP socket) implements it. */
export interface SessionTransport {
  /** Writes one message; false when the transport is full and control must wait for `AgentSession.drained()`. */
  send(message: SessionMessage): boolean;
  /** Ends the connection from control's side. */
  end(reason: { code: 'replaced' | 'shutdown' | 'too-far-behind'; message: string }): void;
}

/** The wire an agent speaks: AgentService over gRPC, or Tungsten Fabric's XMPP dialect. */
export type AgentProtocol = 'grpc' | 'xmpp';

export interface HelloInput {
  agentName: string;
  address: string;
  cluster: string;
  resumeSessionId: string;
  lastAckedVersion: number;
  /** Default 'grpc'. */
  protocol?: AgentProtocol;
  /** The connection's source address, which AGENT_MAX_SESSIONS_PER_ADDRESS counts; absent: not counted. */
  peerAddress?: string;
  /** The names the connection's TLS client certificate vouches for (certificateNames); absent: it has none. */
  certificateNames?: readonly string[];
}

export interface WelcomeInfo {
  sessionId: string;
  resumed: boolean;
  resumedAfter: number;
  holdTimeSeconds: number;
  window: number;
  configPosition: number;
}

export interface AgentInfo {
  name: string;
  address: string;
  cluster: string;
  /** The wire of its last session. */
  protocol: AgentProtocol;
  session: string;
  state: 'connected' | 'held';
  subscriptions: string[];
  lastSentVersion: number;
  lastAckedVersion: number;
  pendingRoutes: number;
  /** A virtual-router of that name exists in the config. */
  configured: boolean;
}

/** Why a hello was refused: the wire adapter maps the code to its own error. */
export class HelloRefused extends Error {
  constructor(
    readonly code: 'invalid' | 'unauthenticated' | 'cluster-mismatch' | 'shutting-down' | 'too-many-sessions',
    message: string,
  ) {
    super(message);
  }
}

interface AgentRecord {
  name: string;
  address: string;
  cluster: string;
  protocol: AgentProtocol;
  sessionId: string;
  queue: AgentUpdateQueue;
  transport: SessionTransport | undefined;
  /** The source address of the live connection (counted in sessionsByAddress while it is live). */
  peerAddress: string | undefined;
  /** The transport is full: wait for drained(). */
  blocked: boolean;
  /** The config as last sent (as if every message was delivered; a resume resends it in full). */
  sentConfig: AgentConfig | undefined;
  holdTimer: NodeJS.Timeout | undefined;
  /**
   * A fresh session of a known agent has not sent its end-of-RIB yet: its paths still stale are the ones it has
   * not republished, and only those go at its end-of-RIB. A drop and resume meanwhile must not make them current.
   */
  restarting: boolean;
}

/**
 * The control service's core (DESIGN §5): routing tables fed by agents' routes and by the desired state, one
 * coalescing queue per agent, sessions with resume and graceful restart. It knows no wire protocol: the gRPC
 * AgentService and the XMPP bridge drive it through `open` and the AgentSession it returns.
 */
export class ControlPlane {
  readonly tables = new RoutingTables();
  private readonly records = new Map<string, AgentRecord>();
  private readonly subscribers = new Map<string, Set<AgentRecord>>();
  private readonly pumpsDue = new Set<AgentRecord>();
  private pumpScheduled = false;
  private stopFollowing: (() => void) | undefined;
  private closing = false;
  /** Live sessions by source address (AGENT_MAX_SESSIONS_PER_ADDRESS). */
  private readonly sessionsByAddress = new Map<string, number>();
  private readonly pacer: ConnectPacer | undefined;
  private readonly now: () => number;
  private readonly exempt: (address: string) => boolean;
  /** Sessions paced since the last log line about it (one line a second at most). */
  private pacedUnlogged = 0;
  private pacedLoggedAt = -Infinity;
  /** Counters for /metrics. */
  readonly counters = { routeUpdatesSent: 0, messagesSent: 0, sessionsResumed: 0, sessionsStarted: 0, staleSwept: 0 };

  constructor(
    private readonly source: DesiredStateSource,
    private readonly options: ControlPlaneOptions,
  ) {
    this.now = options.now ?? Date.now;
    this.exempt = options.exemptFromAddressLimit ?? isLoopbackHost;
    const rate = options.connectRate ?? 0;
    this.pacer = rate > 0 ? new ConnectPacer({ ratePerSecond: rate, burst: options.connectBurst ?? rate }, this.now()) : undefined;
  }

  /** Loads every VRF of the desired state and follows its changes. */
  start(): void {
    for (const vrf of this.source.model.vrfs()) this.fanOut(this.tables.setVrf(vrf.name, vrf.importTargets, vrf.exportTargets));
    this.stopFollowing = this.source.onChange((change) => this.applyChange(change));
  }

  /** Ends every session and stops following the desired state. */
  shutdown(): void {
    this.closing = true;
    this.stopFollowing?.();
    for (const record of this.records.values()) {
      if (record.holdTimer) clearTimeout(record.holdTimer);
      const transport = record.transport;
      this.detach(record);
      transport?.end({ code: 'shutdown', message: 'the control service is shutting down' });
    }
  }

  /**
   * Whether a new session may open now, before its edge spends anything on it: refused (HelloRefused) when control
   * is shutting down or its source address has all the sessions it may have; paced when new sessions come faster
   * than AGENT_CONNECT_RATE allows (beyond AGENT_CONNECT_BURST at once). `holdUpToMs`: how long the edge can hold the
   * connection itself instead of sending the agent away.
   */
  admit(hello: { agentName?: string; peerAddress?: string }, options: { holdUpToMs?: number } = {}): Admission {
    if (this.closing) throw new HelloRefused('shutting-down', 'the control service is shutting down');
    // Without the name (a connection not read yet) a reconnect cannot be told from a newcomer: open() checks then.
    if (hello.agentName !== undefined) this.checkAddress(hello.peerAddress, this.records.get(hello.agentName));
    if (!this.pacer) return { kind: 'now' };
    const decision = this.pacer.request(hello.agentName, this.now(), options.holdUpToMs ?? 0);
    if (decision.kind === 'admit') return { kind: 'now' };
    this.options.onLimitHit?.('agent_connect_rate');
    this.notePaced(decision.kind === 'hold' ? decision.waitMs : decision.retryAfterMs);
    if (decision.kind === 'hold') return { kind: 'hold', waitMs: decision.waitMs };
    const message =
      `new agent sessions are paced at ${this.options.connectRate} a second (AGENT_CONNECT_RATE, bursts of ` +
      `${this.options.connectBurst ?? this.options.connectRate}: AGENT_CONNECT_BURST): retry after ${decision.retryAfterMs} ms`;
    return { kind: 'later', retryAfterMs: decision.retryAfterMs, message };
  }

  /** The connect pacer's tokens (negative: sessions promised a later slot); undefined when not paced. */
  connectTokens(): number | undefined {
    return this.pacer?.available(this.now());
  }

  /** Starts or resumes an agent's session. Throws HelloRefused. */
  open(hello: HelloInput, transport: SessionTransport): { session: AgentSession; welcome: WelcomeInfo } {
    if (this.closing) throw new HelloRefused('shutting-down', 'the control service is shutting down');
    const problem = helloProblem(hello);
    if (problem) throw new HelloRefused('invalid', problem);
    const impostor = agentIdentityProblem(this.options.agentIdentity ?? 'any', hello.agentName, hello.certificateNames);
    if (impostor) throw new HelloRefused('unauthenticated', impostor);
    const configured = this.source.model.virtualRouter(hello.agentName);
    if (configured && configured.cluster !== DEFAULT_CLUSTER && hello.cluster !== '' && hello.cluster !== configured.cluster) {
      throw new HelloRefused(
        'cluster-mismatch',
        `virtual-router ${hello.agentName} belongs to cluster ${configured.cluster}, but the agent says it runs in ${hello.cluster}`,
      );
    }
    let record = this.records.get(hello.agentName);
    this.checkAddress(hello.peerAddress, record);
    const previous = record?.transport;
    let resumed = false;
    if (record && hello.resumeSessionId !== '' && hello.resumeSessionId === record.sessionId && record.queue.resume(hello.lastAckedVersion)) {
      resumed = true;
      if (record.restarting) {
        // Still republishing after a restart: what is stale stays stale, with a fresh hold time to finish in.
        this.startHoldTimer(record);
      } else {
        // The session goes on: the agent kept its tables and its routes are current again.
        this.tables.clearStale(record.name);
        if (record.holdTimer) clearTimeout(record.holdTimer);
        record.holdTimer = undefined;
      }
      this.counters.sessionsResumed += 1;
    } else if (record) {
      // A new session of a known agent: what it published stays, stale, until it republishes and sends its
      // end-of-RIB (or the hold time ends); it starts with no subscription and gets everything again.
      this.dropSubscriptions(record);
      record.queue = this.newQueue();
      record.sessionId = randomUUID();
      record.sentConfig = undefined;
      this.tables.markStale(record.name);
      record.restarting = true;
      this.startHoldTimer(record);
      record.queue.configChanged(true);
      this.counters.sessionsStarted += 1;
    } else {
      record = {
        name: hello.agentName,
        address: hello.address,
        cluster: hello.cluster,
        protocol: hello.protocol ?? 'grpc',
        sessionId: randomUUID(),
        queue: this.newQueue(),
        transport: undefined,
        peerAddress: undefined,
        blocked: false,
        sentConfig: undefined,
        holdTimer: undefined,
        restarting: false,
      };
      record.queue.configChanged(true);
      this.records.set(record.name, record);
      this.counters.sessionsStarted += 1;
    }
    if (previous && previous !== transport) previous.end({ code: 'replaced', message: `a new session of ${hello.agentName} from ${hello.address} took over` });
    record.address = hello.address;
    record.cluster = hello.cluster;
    record.protocol = hello.protocol ?? 'grpc';
    this.detach(record);
    this.attach(record, transport, hello.peerAddress);
    record.blocked = false;
    const welcome: WelcomeInfo = {
      sessionId: record.sessionId,
      resumed,
      resumedAfter: resumed ? hello.lastAckedVersion : 0,
      holdTimeSeconds: Math.ceil(this.options.holdTimeMs / 1000),
      window: this.options.window,
      configPosition: this.source.model.position,
    };
    this.options.log?.('info', resumed ? 'agent session resumed' : 'agent session started', {
      agent: record.name,
      address: record.address,
      cluster: record.cluster,
      protocol: record.protocol,
      session: record.sessionId,
    });
    this.schedulePump(record);
    return { session: new AgentSession(this, record, transport), welcome };
  }

  /** Live and held sessions, for /metrics and tests. */
  stats(): { agents: number; held: number; vrfs: number; paths: number; pendingRoutes: number; maxPendingRoutes: number; inFlight: number } {
    let agents = 0;
    let held = 0;
    let pendingRoutes = 0;
    let maxPendingRoutes = 0;
    let inFlight = 0;
    for (const record of this.records.values()) {
      if (record.transport) agents += 1;
      else held += 1;
      pendingRoutes += record.queue.pendingRoutes;
      maxPendingRoutes = Math.max(maxPendingRoutes, record.queue.pendingRoutes);
      inFlight += record.queue.inFlight;
    }
    let vrfs = 0;
    for (const _ of this.source.model.vrfs()) vrfs += 1;
    return { agents, held, vrfs, paths: this.tables.pathCount(), pendingRoutes, maxPendingRoutes, inFlight };
  }

  /** Every agent with a live or held session, by name. */
  agents(): AgentInfo[] {
    return [...this.records.values()]
      .map((r) => ({
        name: r.name,
        address: r.address,
        cluster: r.cluster,
        protocol: r.protocol,
        session: r.sessionId,
        state: r.transport ? ('connected' as const) : ('held' as const),
        subscriptions: r.queue.subscriptions().sort(),
        lastSentVersion: r.queue.lastSentVersion,
        lastAckedVersion: r.queue.lastAckedVersion,
        pendingRoutes: r.queue.pendingRoutes,
        configured: this.source.model.virtualRouter(r.name) !== undefined,
      }))
      .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  // ---- called by AgentSession ----

  subscribe(record: AgentRecord, vrf: string): void {
    if (!this.tables.hasVrf(vrf)) return this.notice(record, 'unknown-vrf', `subscribe: no VRF named ${JSON.stringify(vrf)}`);
    record.queue.subscribe(vrf);
    let set = this.subscribers.get(vrf);
    if (!set) this.subscribers.set(vrf, (set = new Set()));
    set.add(record);
    if (this.tooFarBehind(record)) return this.cutOff(record);
    this.schedulePump(record);
  }

  unsubscribe(record: AgentRecord, vrf: string): void {
    if (!record.queue.isSubscribed(vrf)) return this.notice(record, 'not-subscribed', `unsubscribe: not subscribed to ${JSON.stringify(vrf)}`);
    record.queue.unsubscribe(vrf);
    this.subscribers.get(vrf)?.delete(record);
    this.schedulePump(record);
  }

  publish(record: AgentRecord, vrf: string, routes: readonly RouteInput[]): void {
    if (!this.tables.hasVrf(vrf)) return this.notice(record, 'unknown-vrf', `publish: no VRF named ${JSON.stringify(vrf)}; nothing was published`);
    let checked;
    try {
      checked = checkRoutes(routes, record.address);
    } catch (error) {
      return this.notice(record, 'bad-route', `publish to ${vrf}: ${(error as Error).message}; nothing was published`);
    }
    for (const route of checked) this.fanOut(this.tables.publish(record.name, vrf, route.prefix, route.attributes));
  }

  withdraw(record: AgentRecord, vrf: string, prefixes: readonly string[]): void {
    let canonical: string[];
    try {
      canonical = prefixes.map((p) => canonicalPrefix(p));
    } catch (error) {
      return this.notice(record, 'bad-route', `withdraw from ${vrf}: ${(error as Error).message}; nothing was withdrawn`);
    }
    if (!this.tables.hasVrf(vrf)) return this.notice(record, 'unknown-vrf', `withdraw: no VRF named ${JSON.stringify(vrf)}`);
    for (const prefix of canonical) this.fanOut(this.tables.withdraw(record.name, vrf, prefix));
  }

  ack(record: AgentRecord, version: number): void {
    try {
      record.queue.ack(version);
    } catch (error) {
      return this.notice(record, 'bad-ack', (error as Error).message);
    }
    this.schedulePump(record);
  }

  agentEndOfRib(record: AgentRecord): void {
    record.restarting = false;
    if (record.holdTimer) clearTimeout(record.holdTimer);
    record.holdTimer = undefined;
    const changes = this.tables.sweepStale(record.name);
    this.counters.staleSwept += changes.length;
    this.fanOut(changes);
  }

  drained(record: AgentRecord): void {
    record.blocked = false;
    this.schedulePump(record);
  }

  /** The agent's connection is gone: hold its routes (stale) and its session for the hold time. */
  dropped(record: AgentRecord, transport: SessionTransport): void {
    if (record.transport !== transport) return;
    this.detach(record);
    if (this.closing) return;
    // While restarting, the stale marks tell republished paths from the others: keep them as they are.
    if (!record.restarting) this.tables.markStale(record.name);
    this.startHoldTimer(record);
    this.options.log?.('info', 'agent session dropped; routes held as stale', { agent: record.name, holdTimeMs: this.options.holdTimeMs });
  }

  /** The agent ended its session cleanly (it is shutting down): its routes go now, and its session with them. */
  ended(record: AgentRecord, transport: SessionTransport): void {
    if (record.transport !== transport) return;
    this.detach(record);
    if (record.holdTimer) clearTimeout(record.holdTimer);
    record.holdTimer = undefined;
    this.dropSubscriptions(record);
    this.records.delete(record.name);
    if (this.closing) return;
    const changes = this.tables.withdrawAll(record.name);
    this.options.log?.('info', 'agent session ended by the agent; its routes were withdrawn', { agent: record.name, withdrawn: changes.length });
    this.fanOut(changes);
  }

  // ---- internals ----

  private newQueue(): AgentUpdateQueue {
    return new AgentUpdateQueue(this.tables, { window: this.options.window, maxBatchRoutes: this.options.maxBatchRoutes });
  }

  private startHoldTimer(record: AgentRecord): void {
    if (record.holdTimer) clearTimeout(record.holdTimer);
    record.holdTimer = setTimeout(() => this.holdExpired(record), this.options.holdTimeMs);
    record.holdTimer.unref();
  }

  /**
   * The hold time ended. With a live session (a restart that sent no end-of-RIB in time) what it did not
   * republish goes; without one, every path of the agent goes, and its session is forgotten.
   */
  private holdExpired(record: AgentRecord): void {
    record.holdTimer = undefined;
    record.restarting = false;
    const changes = record.transport ? this.tables.sweepStale(record.name) : this.tables.withdrawAll(record.name);
    this.counters.staleSwept += changes.length;
    if (!record.transport) {
      this.dropSubscriptions(record);
      this.records.delete(record.name);
      this.options.log?.('info', 'agent hold time expired; its routes were withdrawn', { agent: record.name, withdrawn: changes.length });
    }
    this.fanOut(changes);
  }

  private dropSubscriptions(record: AgentRecord): void {
    for (const vrf of record.queue.subscriptions()) this.subscribers.get(vrf)?.delete(record);
  }

  private applyChange(change: NetworkChange): void {
    for (const vrf of change.vrfsChanged) this.fanOut(this.tables.setVrf(vrf.name, vrf.importTargets, vrf.exportTargets));
    for (const name of change.vrfsRemoved) this.fanOut(this.tables.removeVrf(name));
    for (const name of change.virtualRoutersChanged) {
      const record = this.records.get(name);
      if (!record) continue;
      const config = this.source.model.agentConfig(name);
      if (JSON.stringify(config) === JSON.stringify(record.sentConfig)) continue;
      record.queue.configChanged();
      this.schedulePump(record);
    }
  }

  private fanOut(changes: readonly RouteChange[]): void {
    let behind: Set<AgentRecord> | undefined;
    for (const change of changes) {
      const set = this.subscribers.get(change.vrf);
      if (!set) continue;
      for (const record of set) {
        record.queue.routeChanged(change.vrf, change.prefix);
        if (this.tooFarBehind(record)) (behind ??= new Set()).add(record);
        this.schedulePump(record);
      }
    }
    if (behind) for (const record of behind) this.cutOff(record);
  }

  /**
   * More than AGENT_MAX_PENDING updates wait for the agent while it takes none: its window is full of unacked
   * messages, its transport is full, or it is gone (held). An agent taking a full sync bigger than the limit, or a
   * burst, is not behind as long as it keeps taking.
   */
  private tooFarBehind(record: AgentRecord): boolean {
    const max = this.options.maxPendingRoutes ?? 0;
    if (max <= 0 || record.queue.pendingRoutes <= max) return false;
    return record.transport === undefined || record.blocked || record.queue.inFlight >= this.options.window;
  }

  /**
   * AGENT_MAX_PENDING: the agent fell too far behind (it does not read, or reads slower than its VRFs change). Its
   * queue goes (the memory it held with it) and its session is forgotten: a live connection gets a notice and is
   * ended, and whether live or held, the agent's next hello starts a new session with a full resync. Its routes are
   * held as for any drop, for the hold time, so that its graceful restart loses nothing.
   */
  private cutOff(record: AgentRecord): void {
    const pending = record.queue.pendingRoutes;
    const message =
      `agent ${record.name} is too far behind: ${pending} route updates wait for it, more than the ` +
      `${this.options.maxPendingRoutes} allowed (AGENT_MAX_PENDING); its session ends, and its next one starts with a full resync`;
    this.options.onLimitHit?.('agent_pending_routes');
    this.options.log?.('warn', 'agent too far behind: session ended for a full resync', { agent: record.name, pending, limit: this.options.maxPendingRoutes });
    this.dropSubscriptions(record);
    record.queue = this.newQueue();
    record.sessionId = randomUUID();
    record.sentConfig = undefined;
    this.pumpsDue.delete(record);
    const transport = record.transport;
    if (!transport) return;
    this.detach(record);
    transport.send({ version: 0, kind: 'notice', code: 'too-far-behind', message });
    transport.end({ code: 'too-far-behind', message });
    if (this.closing) return;
    if (!record.restarting) this.tables.markStale(record.name);
    this.startHoldTimer(record);
  }

  /** AGENT_MAX_SESSIONS_PER_ADDRESS; `record` is the agent's own, whose live session from there a new one replaces. */
  private checkAddress(peerAddress: string | undefined, record: AgentRecord | undefined): void {
    const max = this.options.maxSessionsPerAddress ?? 0;
    if (peerAddress === undefined || max <= 0 || this.exempt(peerAddress)) return;
    const live = this.sessionsByAddress.get(peerAddress) ?? 0;
    const replaced = record?.transport !== undefined && record.peerAddress === peerAddress ? 1 : 0;
    if (live - replaced < max) return;
    this.options.onLimitHit?.('agent_sessions_per_address');
    this.options.log?.('warn', 'agent session refused: too many sessions from one address', { address: peerAddress, live, limit: max });
    throw new HelloRefused(
      'too-many-sessions',
      `too many agent sessions from ${peerAddress}: ${live} are live, the limit is ${max} (AGENT_MAX_SESSIONS_PER_ADDRESS)`,
    );
  }

  private attach(record: AgentRecord, transport: SessionTransport, peerAddress: string | undefined): void {
    record.transport = transport;
    record.peerAddress = peerAddress;
    if (peerAddress !== undefined) this.sessionsByAddress.set(peerAddress, (this.sessionsByAddress.get(peerAddress) ?? 0) + 1);
  }

  private detach(record: AgentRecord): void {
    const peer = record.peerAddress;
    if (record.transport && peer !== undefined) {
      const left = (this.sessionsByAddress.get(peer) ?? 1) - 1;
      if (left > 0) this.sessionsByAddress.set(peer, left);
      else this.sessionsByAddress.delete(peer);
    }
    record.transport = undefined;
    record.peerAddress = undefined;
  }

  /** One info line a second at most while sessions are paced: a storm is expected, its every session is not news. */
  private notePaced(waitMs: number): void {
    this.pacedUnlogged += 1;
    const now = this.now();
    if (now - this.pacedLoggedAt < 1000) return;
    this.options.log?.('info', 'agent sessions paced: new sessions come faster than AGENT_CONNECT_RATE', {
      paced: this.pacedUnlogged,
      ratePerSecond: this.options.connectRate,
      burst: this.options.connectBurst ?? this.options.connectRate,
      lastWaitMs: waitMs,
    });
    this.pacedUnlogged = 0;
    this.pacedLoggedAt = now;
  }

  private notice(record: AgentRecord, code: NoticeCode, message: string): void {
    record.transport?.send({ version: 0, kind: 'notice', code, message });
  }

  /** Pumps run once per event-loop turn, so the changes of one turn leave in as few messages as they fit. */
  private schedulePump(record: AgentRecord): void {
    this.pumpsDue.add(record);
    if (this.pumpScheduled) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      const due = [...this.pumpsDue];
      this.pumpsDue.clear();
      for (const r of due) this.pump(r);
    });
  }

  private pump(record: AgentRecord): void {
    const transport = record.transport;
    while (transport && !record.blocked) {
      const next = record.queue.next();
      if (!next) return;
      let message: SessionMessage;
      if (next.kind === 'config') {
        const config = this.source.model.agentConfig(record.name);
        message = { version: next.version, kind: 'config', update: configDelta(record.sentConfig, config, next.full, this.source.model.position) };
        record.sentConfig = config;
      } else if (next.kind === 'routes') {
        message = { version: next.version, kind: 'routes', updates: next.updates };
        this.counters.routeUpdatesSent += next.updates.length;
      } else {
        message = { version: next.version, kind: 'end-of-rib', vrf: next.vrf };
      }
      this.counters.messagesSent += 1;
      if (!transport.send(message)) record.blocked = true;
    }
  }
}

/** The handle a wire adapter holds for one connection; calls after the connection was replaced do nothing. */
export class AgentSession {
  constructor(
    private readonly plane: ControlPlane,
    private readonly record: AgentRecord,
    private readonly transport: SessionTransport,
  ) {}

  get agentName(): string {
    return this.record.name;
  }

  private get live(): boolean {
    return this.record.transport === this.transport;
  }

  subscribe(vrf: string): void {
    if (this.live) this.plane.subscribe(this.record, vrf);
  }
  unsubscribe(vrf: string): void {
    if (this.live) this.plane.unsubscribe(this.record, vrf);
  }
  publish(vrf: string, routes: readonly RouteInput[]): void {
    if (this.live) this.plane.publish(this.record, vrf, routes);
  }
  withdraw(vrf: string, prefixes: readonly string[]): void {
    if (this.live) this.plane.withdraw(this.record, vrf, prefixes);
  }
  ack(version: number): void {
    if (this.live) this.plane.ack(this.record, version);
  }
  endOfRib(): void {
    if (this.live) this.plane.agentEndOfRib(this.record);
  }
  /** The transport can take more after a `send` returned false. */
  drained(): void {
    if (this.live) this.plane.drained(this.record);
  }
  /** The connection was lost (client gone, network error, cancelled): graceful restart holds its routes. */
  closed(): void {
    this.plane.dropped(this.record, this.transport);
  }
  /** The agent ended the session on purpose (a clean end of its stream). */
  ended(): void {
    this.plane.ended(this.record, this.transport);
  }
}
