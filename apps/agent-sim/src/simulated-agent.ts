import { EventEmitter } from 'node:events';
import { credentials, status as GrpcStatus, type Channel, type ChannelCredentials, type ClientDuplexStream, type StatusObject } from '@grpc/grpc-js';
import { agentProto } from '#libs/proto';
import { AckScheduler } from './ack-scheduler.js';
import { configVrfs, type AgentConfig } from './agent-config.js';
import { LabelAllocator, interfaceRoutes, routeChanges, type RouteSet } from './interface-routes.js';
import { DEFAULT_PACED_TIMEOUT_MS, pacedRetryDelay, retryAfterOf } from './paced-connect.js';
import { PublishedRoutes } from './published-routes.js';
import { ReceivedState, type AgentStats, type ReceivedNotice } from './received-state.js';
import { VersionHistory } from './version-history.js';
import { Waiters } from './waiters.js';

type Session = ClientDuplexStream<agentProto.AgentMessage, agentProto.ControlMessage>;
type AgentBody = NonNullable<agentProto.AgentMessage['body']>;

/** Routes per PublishRoutes message: keeps each well under gRPC's default 4 MiB message limit. */
export const PUBLISH_CHUNK = 1000;
/** Channel options of the agents' own channels: a full sync of a big cluster may exceed 4 MiB in one message. */
export const AGENT_CHANNEL_OPTIONS = { 'grpc.max_receive_message_length': -1, 'grpc.max_send_message_length': -1 };

export interface SimulatedAgentOptions {
  /** host:port of the control service's gRPC port. */
  target: string;
  /** The virtual-router's name. */
  name: string;
  /** The vRouter address: the default next hop of its routes. */
  address: string;
  cluster?: string;
  /** A channel shared with other agents (not closed by this agent). */
  channel?: Channel;
  /** TLS to control (credentials.createSsl(ca, key, cert)); default plain TCP. Ignored with `channel` or `client`. */
  credentials?: ChannelCredentials;
  /** A client shared with other agents (not closed by this agent); wins over `channel`. */
  client?: agentProto.AgentServiceClient;
  /** Ack each message this long after it arrived (a slow agent); 0 acks at once. */
  ackDelayMs?: number;
  /** Ack every n messages (capped by the window; a lone message is acked after ackFlushMs). */
  ackEvery?: number;
  ackFlushMs?: number;
  /** On a new session (not resumed), subscribe again to every VRF it subscribed to. Default true. */
  autoResubscribe?: boolean;
  /** On a new session after an earlier one, republish its routes and send AgentEndOfRib (graceful restart). */
  autoRepublish?: boolean;
  /** Act on config like a real agent: subscribe to its VRFs, publish its interfaces' routes, then AgentEndOfRib. */
  followConfig?: boolean;
  connectTimeoutMs?: number;
  /**
   * How long connect() keeps coming back while control paces new sessions (UNAVAILABLE with a retry-after-ms
   * trailer: AGENT_CONNECT_RATE). Default 120000; 0: the first such refusal fails connect().
   */
  pacedTimeoutMs?: number;
  /** How many versions' receive/ack times are kept. */
  historyLimit?: number;
}

/** The session ended before its Welcome; `code` is the gRPC status, `retryAfterMs` control's wait when it paced it. */
export class SessionRefusedError extends Error {
  constructor(
    readonly code: number,
    readonly details: string,
    readonly retryAfterMs?: number,
  ) {
    super(`session ended before Welcome: ${GrpcStatus[code] ?? code} ${details}`);
    this.name = 'SessionRefusedError';
  }
}

export interface AgentEvents {
  welcome: [agentProto.Welcome];
  /** A ControlMessage after Welcome, once applied. */
  message: [agentProto.ControlMessage];
  ack: [version: number, at: number];
  notice: [ReceivedNotice];
  /** A stream ended (not a Hello control paced: connect() comes back itself). */
  disconnected: [StatusObject];
}

/**
 * One simulated vRouter agent on a real AgentService.Session stream: holds what control sent it (tables of the
 * VRFs it subscribes to, its config, EndOfRibs, notices), acks by version, and resumes a held session.
 */
export class SimulatedAgent extends EventEmitter<AgentEvents> {
  readonly name: string;
  readonly address: string;
  readonly cluster: string;
  /** Protocol surprises: version gaps, a message before Welcome … — what a test of control wants to see empty. */
  readonly anomalies: string[] = [];
  /** The status of the last stream that ended. */
  lastStatus: StatusObject | undefined;
  /** Hellos control paced (told to come back later) over this agent's life. */
  pacedConnects = 0;

  private client: agentProto.AgentServiceClient | undefined;
  private readonly ownsClient: boolean;
  private call: Session | undefined;
  private callEnded: Promise<StatusObject> | undefined;
  private pendingWelcome: { resolve(w: agentProto.Welcome): void; reject(e: Error): void } | undefined;
  private welcome: agentProto.Welcome | undefined;
  /** False after close(): the next connect starts a new session. */
  private sessionKnown = false;
  private sessions = 0;
  private lastReceived = 0;
  /** The last Welcome resumed the session and no message came since. */
  private justResumed = false;
  private acked = 0;
  private readonly acks: AckScheduler;
  private readonly state = new ReceivedState();
  private readonly origin = new PublishedRoutes();
  private readonly labels = new LabelAllocator();
  private interfaceRouteSet: RouteSet = new Map();
  /** VRFs followConfig subscribed to (it leaves those alone that the user subscribed to). */
  private readonly configSubscribed = new Set<string>();
  private configFollowedInSession = false;
  private readonly history: VersionHistory;
  private readonly waiters = new Waiters();
  /** close() calls so far: a paced connect() that sees it change stops coming back. */
  private closes = 0;

  constructor(private readonly options: SimulatedAgentOptions) {
    super();
    this.name = options.name;
    this.address = options.address;
    this.cluster = options.cluster ?? 'default';
    this.client = options.client;
    this.ownsClient = !options.client && !options.channel;
    this.history = new VersionHistory(options.historyLimit);
    this.acks = new AckScheduler(
      { delayMs: options.ackDelayMs ?? 0, every: options.ackEvery ?? 1, flushMs: options.ackFlushMs ?? 20 },
      (version) => this.sendAck(version),
    );
  }

  // --- session ---

  /**
   * Opens the stream and says Hello (resuming the known session, if any); resolves on Welcome. When control paces new
   * sessions it comes back after the wait control gave, plus a little at random (pacedRetryDelay), until
   * pacedTimeoutMs; close() meanwhile ends the attempts.
   */
  async connect(): Promise<agentProto.Welcome> {
    const deadline = performance.now() + (this.options.pacedTimeoutMs ?? DEFAULT_PACED_TIMEOUT_MS);
    const generation = this.closes;
    for (;;) {
      try {
        return await this.connectOnce();
      } catch (error) {
        const retryAfterMs = error instanceof SessionRefusedError ? error.retryAfterMs : undefined;
        if (retryAfterMs === undefined) throw error;
        const wait = pacedRetryDelay(retryAfterMs, Math.random());
        if (performance.now() + wait > deadline || this.closes !== generation) throw error;
        this.pacedConnects += 1;
        await new Promise((resolve) => setTimeout(resolve, wait));
        if (this.closes !== generation) throw error;
      }
    }
  }

  private connectOnce(): Promise<agentProto.Welcome> {
    if (this.call) return Promise.reject(new Error(`${this.name} is already connected`));
    const resume = this.sessionKnown && this.welcome ? { resumeSessionId: this.welcome.sessionId, lastAckedVersion: this.acked } : {};
    const call = this.clientOrNew().session();
    this.call = call;
    this.callEnded = new Promise((resolve) => call.once('status', resolve));
    call.on('data', (message: agentProto.ControlMessage) => {
      if (this.call === call) this.onMessage(message);
    });
    call.on('error', () => undefined); // the 'status' that follows carries it
    call.on('status', (status: StatusObject) => this.onStatus(call, status));
    const welcomed = new Promise<agentProto.Welcome>((resolve, reject) => (this.pendingWelcome = { resolve, reject }));
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      if (this.call !== call || !this.pendingWelcome) return;
      this.failWelcome(new Error(`${this.name}: no Welcome within ${timeoutMs} ms`));
      this.detach();
      call.cancel();
    }, timeoutMs);
    this.send({ $case: 'hello', value: agentProto.Hello.fromPartial({ agentName: this.name, address: this.address, cluster: this.cluster, ...resume }) });
    return welcomed.finally(() => clearTimeout(timer));
  }

  /** connect() after an abrupt drop: resumes the session if control still holds it. */
  async reconnect(): Promise<agentProto.Welcome> {
    if (this.call) await this.disconnect();
    return this.connect();
  }

  /** Ends the stream abruptly (a crash, a cut link): the session id and tables stay for a resume. */
  async disconnect(): Promise<void> {
    const call = this.call;
    if (!call) return;
    const ended = this.callEnded!;
    this.detach();
    call.cancel();
    await ended;
  }

  /**
   * Leaves on purpose: Goodbye (control withdraws its routes at once), half-close, then control's status. The next
   * connect starts a new session.
   */
  async close(timeoutMs = 5000, reason = 'closing'): Promise<void> {
    const call = this.call;
    this.sessionKnown = false;
    this.closes += 1;
    if (call) {
      const ended = this.callEnded!;
      if (this.welcome) call.write({ body: { $case: 'goodbye', value: { reason } } });
      this.detach();
      call.end();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
      if ((await Promise.race([ended, late])) === 'late') {
        call.cancel();
        await ended;
      }
      clearTimeout(timer);
    }
    if (this.ownsClient && this.client) {
      this.client.close();
      this.client = undefined;
    }
  }

  get connected(): boolean {
    return this.call !== undefined && this.pendingWelcome === undefined;
  }

  get sessionId(): string | undefined {
    return this.welcome?.sessionId;
  }

  /** Whether the last Welcome resumed the session. */
  get resumed(): boolean {
    return this.welcome?.resumed ?? false;
  }

  get lastWelcome(): agentProto.Welcome | undefined {
    return this.welcome;
  }

  /** The version of the last message applied. */
  get lastVersion(): number {
    return this.lastReceived;
  }

  /** The version of the last Ack sent. */
  get ackedVersion(): number {
    return this.acked;
  }

  // --- requests ---

  subscribe(vrf: string): void {
    this.send({ $case: 'subscribe', value: { vrf } });
    this.state.subscribing(vrf);
    this.waiters.changed();
  }

  unsubscribe(vrf: string): void {
    this.send({ $case: 'unsubscribe', value: { vrf } });
    this.state.unsubscribing(vrf);
    this.configSubscribed.delete(vrf);
    this.waiters.changed();
  }

  publish(vrf: string, routes: ReadonlyArray<Partial<agentProto.Route>>): void {
    const full = routes.map((r) => agentProto.Route.fromPartial(r));
    for (let i = 0; i < full.length; i += PUBLISH_CHUNK) {
      this.send({ $case: 'publish', value: { vrf, routes: full.slice(i, i + PUBLISH_CHUNK) } });
    }
    this.origin.published(vrf, full);
    this.state.stats.publishedRoutes += full.length;
  }

  withdraw(vrf: string, prefixes: readonly string[]): void {
    for (let i = 0; i < prefixes.length; i += PUBLISH_CHUNK) {
      this.send({ $case: 'withdraw', value: { vrf, prefixes: prefixes.slice(i, i + PUBLISH_CHUNK) } });
    }
    this.origin.withdrawn(vrf, prefixes);
    this.state.stats.withdrawnRoutes += prefixes.length;
  }

  /** AgentEndOfRib: everything is republished; control may drop the stale routes not refreshed. */
  endOfRib(): void {
    this.send({ $case: 'endOfRib', value: {} });
    this.origin.endOfRib();
  }

  /** Publishes again what the previous session had published (graceful restart), without AgentEndOfRib. */
  republish(): number {
    let n = 0;
    for (const [vrf, table] of this.origin.stale) {
      if (table.size === 0) continue;
      this.publish(vrf, [...table.values()]);
      n += table.size;
    }
    return n;
  }

  /** Routes this session published (by VRF, then prefix). */
  get published(): RouteSet {
    return this.origin.current;
  }

  /** Routes of an earlier session not republished yet, which control may hold as stale. */
  get stalePublished(): RouteSet {
    return this.origin.stale;
  }

  /**
   * Publishes a host route per IP of each interface of its config into the interface's VRF (one label per
   * interface from 16), and withdraws those of interfaces or addresses that left the config.
   */
  publishInterfaceRoutes(): void {
    const wanted = interfaceRoutes(this.state.config, this.labels);
    const { publish, withdraw } = routeChanges(this.interfaceRouteSet, wanted);
    for (const [vrf, prefixes] of withdraw) this.withdraw(vrf, prefixes);
    for (const [vrf, table] of publish) this.publish(vrf, [...table.values()]);
    this.interfaceRouteSet = wanted;
  }

  /** Subscribes to the VRFs its config names, and unsubscribes those it subscribed so that left the config. */
  subscribeConfigVrfs(): void {
    const wanted = configVrfs(this.state.config);
    for (const vrf of wanted) {
      if (this.state.subscribed.has(vrf)) continue;
      this.subscribe(vrf);
      this.configSubscribed.add(vrf);
    }
    for (const vrf of [...this.configSubscribed]) if (!wanted.has(vrf)) this.unsubscribe(vrf);
  }

  // --- what it holds ---

  table(vrf: string): ReadonlyMap<string, readonly agentProto.Path[]> {
    return this.state.routes.table(vrf);
  }

  tables(): ReadonlyMap<string, ReadonlyMap<string, readonly agentProto.Path[]>> {
    return this.state.routes.all();
  }

  /** Prefixes held over every VRF. */
  get routeCount(): number {
    return this.state.routes.routeCount;
  }

  get config(): AgentConfig {
    return this.state.config;
  }

  get subscriptions(): ReadonlySet<string> {
    return this.state.subscribed;
  }

  hasEndOfRib(vrf: string): boolean {
    return this.state.endOfRibs.has(vrf);
  }

  /** Connected, and every subscribed VRF has had its EndOfRib. */
  get synced(): boolean {
    return this.connected && this.state.allEndOfRibs;
  }

  get stats(): AgentStats {
    return this.state.stats;
  }

  get notices(): readonly ReceivedNotice[] {
    return this.state.notices;
  }

  receivedAt(version: number): number | undefined {
    return this.history.receivedAt(version);
  }

  ackedAt(version: number): number | undefined {
    return this.history.ackedAt(version);
  }

  // --- waiting ---

  /** Resolves once `predicate(this)` holds, re-checked after every message, ack and session change. */
  waitFor(predicate: (agent: SimulatedAgent) => boolean, timeoutMs = 10_000, what = 'a condition'): Promise<void> {
    return this.waiters.until(() => predicate(this), timeoutMs, () => `${this.name}: ${what} (${this.describeState()})`);
  }

  waitForVersion(version: number, timeoutMs?: number): Promise<void> {
    return this.waitFor((a) => a.lastVersion >= version, timeoutMs, `version ${version}`);
  }

  waitForAck(version: number, timeoutMs?: number): Promise<void> {
    return this.waitFor((a) => a.ackedVersion >= version, timeoutMs, `ack of version ${version}`);
  }

  waitForEndOfRib(vrf: string, timeoutMs?: number): Promise<void> {
    return this.waitFor((a) => a.hasEndOfRib(vrf), timeoutMs, `EndOfRib of ${vrf}`);
  }

  waitForSynced(timeoutMs?: number): Promise<void> {
    return this.waitFor((a) => a.synced, timeoutMs, 'EndOfRib of every subscribed VRF');
  }

  waitForNotice(code?: string, timeoutMs?: number): Promise<ReceivedNotice> {
    const find = () => this.notices.find((n) => code === undefined || n.code === code);
    return this.waitFor(() => find() !== undefined, timeoutMs, `a notice ${code ?? ''}`).then(() => find()!);
  }

  // --- internals ---

  private clientOrNew(): agentProto.AgentServiceClient {
    if (!this.client) {
      const { channel } = this.options;
      const creds = this.options.credentials ?? credentials.createInsecure();
      this.client = new agentProto.AgentServiceClient(this.options.target, creds, channel ? { channelOverride: channel } : AGENT_CHANNEL_OPTIONS);
    }
    return this.client;
  }

  private send(body: AgentBody): void {
    if (!this.call) throw new Error(`${this.name} is not connected`);
    this.call.write({ body });
  }

  private sendAck(version: number): void {
    if (!this.call) return;
    this.send({ $case: 'ack', value: { version } });
    const at = performance.now();
    this.acked = version;
    this.state.stats.acks += 1;
    this.history.noteAcked(version, at);
    this.emit('ack', version, at);
    this.waiters.changed();
  }

  private onMessage(message: agentProto.ControlMessage): void {
    const body = message.body;
    if (body?.$case === 'welcome') return this.onWelcome(message.version, body.value);
    if (this.pendingWelcome) this.anomalies.push(`${body?.$case ?? 'empty message'} v${message.version} before Welcome`);
    // agent.proto: after a resume, numbering goes on after the last version control sent before the drop, which the
    // agent may not have received: the first message may skip to it.
    const next = this.lastReceived + 1;
    if (message.version !== next && !(this.justResumed && message.version > next)) this.anomalies.push(`expected version ${next}, got ${message.version} (${body?.$case})`);
    this.justResumed = false;
    const at = performance.now();
    this.lastReceived = Math.max(this.lastReceived, message.version);
    this.history.noteReceived(message.version, at);
    const applied = this.state.apply(message, at);
    if (applied.kind === 'empty') this.anomalies.push(`v${message.version} has no body`);
    if (applied.kind === 'notice') this.emit('notice', applied.notice);
    if (applied.kind === 'config' && this.options.followConfig && this.state.config.complete) this.followConfig();
    this.emit('message', message);
    this.acks.received(message.version);
    this.waiters.changed();
  }

  private onWelcome(version: number, welcome: agentProto.Welcome): void {
    if (version !== 0) this.anomalies.push(`Welcome with version ${version}`);
    if (!this.pendingWelcome) this.anomalies.push('a second Welcome');
    const hadSession = this.sessions > 0;
    this.sessions += 1;
    this.welcome = welcome;
    this.sessionKnown = true;
    if (welcome.resumed) {
      if (welcome.resumedAfter > this.acked) this.anomalies.push(`resumed after ${welcome.resumedAfter}, but the last ack was ${this.acked}`);
      // Control resends everything after resumedAfter; applying it again is harmless (latest state per key).
      this.lastReceived = welcome.resumedAfter;
      this.acked = welcome.resumedAfter;
      this.justResumed = true;
    } else {
      this.startOver();
    }
    this.acks.reset(this.acked, welcome.window);
    const pending = this.pendingWelcome;
    this.pendingWelcome = undefined;
    if (!welcome.resumed) this.restoreSession(hadSession);
    this.emit('welcome', welcome);
    pending?.resolve(welcome);
    this.waiters.changed();
  }

  /** A new session: control has nothing of the old one but stale routes; versions count from 1 again. */
  private startOver(): void {
    this.lastReceived = 0;
    this.acked = 0;
    this.state.clear();
    this.interfaceRouteSet = new Map();
    this.configFollowedInSession = false;
    this.history.clear();
    this.origin.newSession();
  }

  private restoreSession(hadSession: boolean): void {
    if (this.options.autoResubscribe !== false) {
      for (const vrf of [...this.state.subscribed]) this.subscribe(vrf);
    }
    if (hadSession && this.options.autoRepublish) {
      this.republish();
      this.endOfRib();
    }
  }

  private followConfig(): void {
    this.subscribeConfigVrfs();
    this.publishInterfaceRoutes();
    if (!this.configFollowedInSession) {
      this.configFollowedInSession = true;
      this.endOfRib();
    }
  }

  private onStatus(call: Session, status: StatusObject): void {
    if (this.call !== call) return;
    this.lastStatus = status;
    const paced = this.pendingWelcome !== undefined && retryAfterOf(status) !== undefined;
    this.failWelcome(new SessionRefusedError(status.code, status.details, retryAfterOf(status)));
    this.detach();
    // A paced Hello is no drop: connect() comes back by itself (and says so if it gives up).
    if (!paced) this.emit('disconnected', status);
    this.waiters.changed();
  }

  private failWelcome(error: Error): void {
    const pending = this.pendingWelcome;
    this.pendingWelcome = undefined;
    pending?.reject(error);
  }

  private detach(): void {
    this.call = undefined;
    this.acks.stop();
    if (this.pendingWelcome) this.failWelcome(new Error(`${this.name}: the stream was ended before Welcome`));
  }

  private describeState(): string {
    const status = this.lastStatus ? `, last status ${GrpcStatus[this.lastStatus.code]} ${this.lastStatus.details}` : '';
    return `connected ${this.connected}, version ${this.lastReceived}, acked ${this.acked}, ${this.routeCount} routes${status}`;
  }
}
