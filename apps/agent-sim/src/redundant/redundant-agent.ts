import { EventEmitter } from 'node:events';
import { Channel, credentials, type ChannelCredentials, type StatusObject } from '@grpc/grpc-js';
import { agentProto } from '#libs/proto';
import { routeChanges, type RouteSet } from '../interface-routes.js';
import type { AgentStats, ReceivedNotice } from '../received-state.js';
import { AGENT_CHANNEL_OPTIONS, SimulatedAgent, type SimulatedAgentOptions } from '../simulated-agent.js';
import { Waiters } from '../waiters.js';
import { DEFAULT_RECONNECT_BACKOFF, reconnectDelay, type ReconnectBackoff } from './reconnect-backoff.js';
import { unionOfSessions, unionOfVrf, type VrfRoutes } from './route-union.js';

/** What each session may be tuned with; identity, target and what to republish are the redundant agent's. */
export type ControlSessionOptions = Partial<
  Omit<SimulatedAgentOptions, 'target' | 'name' | 'address' | 'cluster' | 'followConfig' | 'channel' | 'client' | 'autoRepublish'>
>;

export interface RedundantAgentOptions {
  /** host:port of each control replica's gRPC port, most preferred first: one session to each. */
  controls: readonly string[];
  /** The virtual-router's name: every session says Hello with it. */
  name: string;
  /** The vRouter address: the default next hop of its routes. */
  address: string;
  cluster?: string;
  /** Act on config like a real agent, in every session: subscribe to its VRFs, publish its interfaces' routes. */
  followConfig?: boolean;
  /** How a lost session is retried. Default 100 ms doubling up to 2 s. */
  backoff?: Partial<ReconnectBackoff>;
  /** A channel to a control endpoint shared with other agents (not closed by this one); default: one of its own. */
  channelFor?: (control: string) => Channel | undefined;
  /** TLS of its own channels (credentials.createSsl); default plain TCP. */
  credentials?: ChannelCredentials;
  /** More options for every session: acks, timeouts … */
  session?: ControlSessionOptions;
}

export interface RedundantAgentEvents {
  /** A session to `control` was welcomed (a first connect, a reconnect or a resume). */
  'session-up': [control: string, welcome: agentProto.Welcome];
  /** A welcomed session to `control` ended; it is retried with backoff. */
  'session-down': [control: string, status: StatusObject];
  /** Anything a session received or sent that may change what the agent holds. */
  change: [at: number];
}

/** One session to one control replica, as the redundant agent sees it. */
export interface ControlSession {
  readonly control: string;
  readonly agent: SimulatedAgent;
  /** Welcomed and not ended. */
  readonly live: boolean;
  /** Welcomes after the first: reconnects and resumes. */
  readonly reconnects: number;
  /** Why the last attempt to (re)connect failed, if it did. */
  readonly lastError: Error | undefined;
}

interface Link {
  control: string;
  agent: SimulatedAgent;
  /** The channel this agent opened and closes; undefined when it uses a shared one. */
  ownChannel: Channel | undefined;
  welcomes: number;
  /** Welcomed, and its stream has not ended since. */
  up: boolean;
  /** Failed attempts since the last Welcome: the backoff's exponent. */
  failures: number;
  retryTimer: NodeJS.Timeout | undefined;
  lastError: Error | undefined;
  /** What this session was asked to publish and subscribe to (not the config-derived routes). */
  sentRoutes: RouteSet;
  sentSubscriptions: Set<string>;
}

/**
 * A vRouter agent with a session to each of several control replicas, as Tungsten Fabric agents hold one with each
 * of two control nodes (DESIGN §5, "Control replicas"). Each session is a SimulatedAgent under the same agent name
 * and publishes the agent's routes to its replica. What the agent holds is the union of what its live sessions
 * hold (unionOfVrf), so when one replica goes away the agent keeps its routes from the other. A lost session is
 * retried with backoff; once welcomed again it resyncs: subscriptions, routes published meanwhile, and with
 * followConfig, its config and interface routes as any new session does.
 */
export class RedundantAgent extends EventEmitter<RedundantAgentEvents> {
  readonly name: string;
  readonly address: string;
  readonly cluster: string;
  private readonly links: Link[];
  private readonly backoff: ReconnectBackoff;
  private readonly wantedRoutes: RouteSet = new Map();
  private readonly wantedSubscriptions = new Set<string>();
  private endOfRibSent = false;
  private started = false;
  private closing = false;
  private union: Map<string, VrfRoutes> | undefined;
  private readonly waiters = new Waiters();

  constructor(private readonly options: RedundantAgentOptions) {
    super();
    if (options.controls.length === 0) throw new Error(`${options.name}: no control endpoint`);
    if (new Set(options.controls).size !== options.controls.length) throw new Error(`${options.name}: a control endpoint is listed twice`);
    this.name = options.name;
    this.address = options.address;
    this.cluster = options.cluster ?? 'default';
    this.backoff = { ...DEFAULT_RECONNECT_BACKOFF, ...options.backoff };
    this.links = options.controls.map((control) => this.link(control));
  }

  // --- sessions ---

  /**
   * Opens a session to every control replica. Resolves with the number welcomed once each has been welcomed or has
   * failed its first attempt (those are retried with backoff meanwhile); rejects, naming each replica's answer, when
   * none was welcomed. Either way, sessions not welcomed are retried until close().
   */
  async connect(): Promise<number> {
    if (this.started) throw new Error(`${this.name} is already connected`);
    this.started = true;
    const first = await Promise.allSettled(this.links.map((link) => this.dial(link)));
    const live = first.filter((outcome) => outcome.status === 'fulfilled').length;
    if (live > 0) return live;
    const reasons = this.links.map((link) => `${link.control}: ${link.lastError?.message ?? 'no answer'}`);
    throw new Error(`${this.name}: no control replica welcomed it (${reasons.join('; ')})`);
  }

  /** Leaves every replica on purpose (Goodbye: each withdraws the agent's routes) and stops retrying. */
  async close(timeoutMs = 5000): Promise<void> {
    this.closing = true;
    for (const link of this.links) clearTimeout(link.retryTimer);
    await Promise.all(this.links.map((link) => link.agent.close(timeoutMs)));
    for (const link of this.links) link.ownChannel?.close();
    this.changed();
  }

  get sessions(): readonly ControlSession[] {
    return this.links.map((link) => ({
      control: link.control,
      agent: link.agent,
      live: link.agent.connected,
      reconnects: Math.max(0, link.welcomes - 1),
      lastError: link.lastError,
    }));
  }

  /** The session to `control` (as listed in the options). */
  session(control: string): SimulatedAgent {
    const link = this.links.find((l) => l.control === control);
    if (!link) throw new Error(`${this.name} has no session to ${control}`);
    return link.agent;
  }

  /** The control endpoints whose session is live, in order of preference. */
  get liveControls(): string[] {
    return this.links.filter((link) => link.agent.connected).map((link) => link.control);
  }

  /** At least one session is live. */
  get connected(): boolean {
    return this.links.some((link) => link.agent.connected);
  }

  /** At least one session is live, and every live one has had the EndOfRib of each VRF it subscribed to. */
  get synced(): boolean {
    const live = this.liveLinks();
    return live.length > 0 && live.every((link) => link.agent.synced);
  }

  // --- requests, to every live session and to every session welcomed later ---

  subscribe(vrf: string): void {
    this.wantedSubscriptions.add(vrf);
    for (const link of this.liveLinks()) this.subscribeLink(link, vrf);
    this.changed();
  }

  unsubscribe(vrf: string): void {
    this.wantedSubscriptions.delete(vrf);
    for (const link of this.liveLinks()) this.unsubscribeLink(link, vrf);
    this.changed();
  }

  publish(vrf: string, routes: ReadonlyArray<Partial<agentProto.Route>>): void {
    const full = routes.map((r) => agentProto.Route.fromPartial(r));
    setRoutes(this.wantedRoutes, vrf, full);
    for (const link of this.liveLinks()) {
      link.agent.publish(vrf, full);
      setRoutes(link.sentRoutes, vrf, full);
    }
  }

  withdraw(vrf: string, prefixes: readonly string[]): void {
    deleteRoutes(this.wantedRoutes, vrf, prefixes);
    for (const link of this.liveLinks()) {
      link.agent.withdraw(vrf, prefixes);
      deleteRoutes(link.sentRoutes, vrf, prefixes);
    }
  }

  /** AgentEndOfRib on every live session, and on every new session once it has republished. */
  endOfRib(): void {
    this.endOfRibSent = true;
    for (const link of this.liveLinks()) link.agent.endOfRib();
  }

  // --- what it holds: the union of its live sessions ---

  table(vrf: string): VrfRoutes {
    return this.unionView().get(vrf) ?? unionOfVrf([]);
  }

  tables(): ReadonlyMap<string, VrfRoutes> {
    return this.unionView();
  }

  /** Prefixes held over every VRF. */
  get routeCount(): number {
    let n = 0;
    for (const table of this.unionView().values()) n += table.size;
    return n;
  }

  /** The config of the most preferred live session (every replica sends the same one). */
  get config(): SimulatedAgent['config'] | undefined {
    return this.liveLinks()[0]?.agent.config;
  }

  /** Every session's notices, in session order. */
  get notices(): readonly ReceivedNotice[] {
    return this.links.flatMap((link) => link.agent.notices);
  }

  /** Every session's protocol surprises, each prefixed with its control endpoint. */
  get anomalies(): readonly string[] {
    return this.links.flatMap((link) => link.agent.anomalies.map((text) => `${link.control}: ${text}`));
  }

  /** The sessions' counters, summed. */
  get stats(): AgentStats {
    const total: AgentStats = { messages: 0, routeUpdates: 0, withdrawals: 0, ignoredUpdates: 0, configUpdates: 0, endOfRibs: 0, notices: 0, acks: 0, publishedRoutes: 0, withdrawnRoutes: 0 };
    for (const link of this.links) {
      const stats = link.agent.stats;
      for (const key of Object.keys(total) as Array<keyof AgentStats>) total[key] += stats[key];
    }
    return total;
  }

  /** Resolves once `predicate(this)` holds, re-checked whenever a session changes. */
  waitFor(predicate: (agent: RedundantAgent) => boolean, timeoutMs = 10_000, what = 'a condition'): Promise<void> {
    return this.waiters.until(() => predicate(this), timeoutMs, () => `${this.name}: ${what} (${this.describeState()})`);
  }

  waitForSynced(timeoutMs?: number): Promise<void> {
    return this.waitFor((a) => a.synced, timeoutMs, 'EndOfRib of every subscribed VRF on every live session');
  }

  // --- internals ---

  private link(control: string): Link {
    const shared = this.options.channelFor?.(control);
    const ownChannel = shared ? undefined : controlChannel(control, this.backoff, this.options.credentials);
    const agent = new SimulatedAgent({
      ...this.options.session,
      target: control,
      name: this.options.name,
      address: this.options.address,
      cluster: this.options.cluster,
      followConfig: this.options.followConfig,
      channel: shared ?? ownChannel,
      // This agent republishes what it wants itself (resync), whatever the session had published before.
      autoRepublish: false,
    });
    const link: Link = { control, agent, ownChannel, welcomes: 0, up: false, failures: 0, retryTimer: undefined, lastError: undefined, sentRoutes: new Map(), sentSubscriptions: new Set() };
    agent.on('welcome', (welcome) => this.onWelcome(link, welcome));
    agent.on('disconnected', (status) => this.onDisconnected(link, status));
    agent.on('message', () => this.changed());
    return link;
  }

  private dial(link: Link): Promise<agentProto.Welcome> {
    link.retryTimer = undefined;
    const attempt = link.agent.connect();
    attempt.catch((error: unknown) => {
      link.lastError = error instanceof Error ? error : new Error(String(error));
      this.retry(link);
    });
    return attempt;
  }

  private retry(link: Link): void {
    if (this.closing || link.retryTimer !== undefined || link.agent.connected) return;
    const delay = reconnectDelay(link.failures, this.backoff, Math.random());
    link.failures += 1;
    link.retryTimer = setTimeout(() => void this.dial(link), delay);
  }

  /** Emitted by the session as soon as it is welcomed, before anything else is sent on it: the place to resync. */
  private onWelcome(link: Link, welcome: agentProto.Welcome): void {
    link.welcomes += 1;
    link.up = true;
    link.failures = 0;
    link.lastError = undefined;
    if (!welcome.resumed) {
      // A new session: control holds nothing of what this one was sent (at most stale routes, until end-of-RIB).
      link.sentRoutes = new Map();
    }
    this.resync(link, welcome.resumed);
    this.emit('session-up', link.control, welcome);
    this.changed();
  }

  /** Brings a session up to what the agent wants: subscriptions, then routes, then (new session) end-of-RIB. */
  private resync(link: Link, resumed: boolean): void {
    for (const vrf of [...link.sentSubscriptions]) if (!this.wantedSubscriptions.has(vrf)) this.unsubscribeLink(link, vrf);
    for (const vrf of this.wantedSubscriptions) this.subscribeLink(link, vrf);
    const { publish, withdraw } = routeChanges(link.sentRoutes, this.wantedRoutes);
    for (const [vrf, prefixes] of withdraw) {
      link.agent.withdraw(vrf, prefixes);
      deleteRoutes(link.sentRoutes, vrf, prefixes);
    }
    for (const [vrf, table] of publish) {
      const routes = [...table.values()];
      link.agent.publish(vrf, routes);
      setRoutes(link.sentRoutes, vrf, routes);
    }
    // With followConfig the session sends its own end-of-RIB once its config's routes are out.
    if (!resumed && this.endOfRibSent && !this.options.followConfig) link.agent.endOfRib();
  }

  private subscribeLink(link: Link, vrf: string): void {
    link.sentSubscriptions.add(vrf);
    if (!link.agent.subscriptions.has(vrf)) link.agent.subscribe(vrf);
  }

  private unsubscribeLink(link: Link, vrf: string): void {
    link.sentSubscriptions.delete(vrf);
    if (link.agent.subscriptions.has(vrf)) link.agent.unsubscribe(vrf);
  }

  private onDisconnected(link: Link, status: StatusObject): void {
    // A failed retry ends a stream too, before any Welcome: only the end of a welcomed session is news.
    if (link.up && !this.closing) this.emit('session-down', link.control, status);
    link.up = false;
    this.retry(link);
    this.changed();
  }

  private liveLinks(): Link[] {
    return this.links.filter((link) => link.agent.connected);
  }

  private unionView(): Map<string, VrfRoutes> {
    this.union ??= unionOfSessions(this.liveLinks().map((link) => link.agent.tables()));
    return this.union;
  }

  private changed(): void {
    this.union = undefined;
    this.waiters.changed();
    this.emit('change', performance.now());
  }

  private describeState(): string {
    const sessions = this.links.map((link) => `${link.control} ${link.agent.connected ? 'live' : 'down'}${link.lastError ? ` (${link.lastError.message})` : ''}`);
    return `${sessions.join(', ')}; ${this.routeCount} routes`;
  }
}

/**
 * A channel to one control replica: its own TCP connection (a local subchannel pool, not shared with equal
 * channels), which grpc-js reconnects no more slowly than `backoff`, so a replica that is back is seen quickly.
 */
export function controlChannel(control: string, backoff: ReconnectBackoff = DEFAULT_RECONNECT_BACKOFF, creds?: ChannelCredentials): Channel {
  return new Channel(control, creds ?? credentials.createInsecure(), {
    ...AGENT_CHANNEL_OPTIONS,
    'grpc.use_local_subchannel_pool': 1,
    'grpc.initial_reconnect_backoff_ms': backoff.initialMs,
    'grpc.max_reconnect_backoff_ms': backoff.maxMs,
  });
}

function setRoutes(set: RouteSet, vrf: string, routes: readonly agentProto.Route[]): void {
  let table = set.get(vrf);
  if (!table) set.set(vrf, (table = new Map()));
  for (const route of routes) table.set(route.prefix, route);
}

function deleteRoutes(set: RouteSet, vrf: string, prefixes: readonly string[]): void {
  const table = set.get(vrf);
  if (!table) return;
  for (const prefix of prefixes) table.delete(prefix);
  if (table.size === 0) set.delete(vrf);
}
