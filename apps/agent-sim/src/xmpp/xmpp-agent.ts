import type { X509Certificate } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { agentProto } from '#libs/proto';
import {
  decodeStanzaText,
  decodeStartTlsAnswer,
  decodeStreamError,
  decodeStreamFeatures,
  decodeStreamHeader,
  encodeStartTls,
  encodeAgentEndOfRibIqs,
  encodeAgentEndOfRibMessage,
  encodeAgentStreamHeader,
  encodeConfigSubscribe,
  encodeConfigUnsubscribe,
  encodeRoutePublish,
  encodeVrfSubscribe,
  encodeVrfUnsubscribe,
  DEFAULT_HOLD_TIME_SECONDS,
  GLOBAL_SYSTEM_CONFIG,
  KEEPALIVE_BYTES,
  MASTER_INSTANCE,
  STREAM_CLOSE,
  XmppError,
  XmppFramer,
  type ConfigSubject,
  type Frame,
  type RouteEntry,
  type Stanza,
  type StreamHeader,
} from '#libs/xmpp';
import { configVrfs, type AgentConfig } from '../agent-config.js';
import { LabelAllocator, interfaceRoutes, routeChanges, type RouteSet } from '../interface-routes.js';
import { PublishedRoutes } from '../published-routes.js';
import type { AgentStats, ReceivedNotice } from '../received-state.js';
import { DEFAULT_RECONNECT_BACKOFF, reconnectDelay } from '../redundant/reconnect-backoff.js';
import { Waiters } from '../waiters.js';
import { IfmapGraph } from './ifmap-config.js';
import { pathsOfItem, publishedEntry, scanRoutePush, withdrawnEntry } from './xmpp-routes.js';

/** Iqs per socket write when publishing many routes (two iqs, about 2 KiB, per route). */
export const XMPP_PUBLISH_CHUNK = 500;

/**
 * How control's end-of-RIB (`0/0/EndOfRib`, which names no VRF, §4) is matched to subscriptions:
 * - 'per-session': a marker settles every subscription waiting. TF's control node, and our bridge, send one per
 *   session once the VRFs subscribed so far had their initial sync; a subscription made after it gets none (its
 *   hasEndOfRib stays false);
 * - 'per-subscribe': each marker settles the oldest subscription still waiting (for a control node that sends one
 *   after each subscription's initial routes, in the order of the subscribes).
 */
export type EndOfRibMode = 'per-subscribe' | 'per-session';

export interface XmppSimulatedAgentOptions {
  /** host:port of control's XMPP listener (TF: 5269). */
  target: string;
  /** The agent name: the header's `from`, the iqs' `from`, its virtual-router's name. */
  name: string;
  /** The vhost0 address: the next hop of its routes. */
  address: string;
  /** The stream header's default namespace (§1.2: the subcluster, '' by default). */
  subcluster?: string;
  /** Silence from control beyond this drops the session; keepalives (0xC8 0x80) every third of it. Default 90. */
  holdTimeSeconds?: number;
  /** Sends a keepalive when nothing was sent for this long; default hold/3 (§1.4). */
  keepaliveSeconds?: number;
  /** Control's header must come within this. Default 10000. */
  connectTimeoutMs?: number;
  /**
   * How long connect() keeps reconnecting when control closes the connection without a byte of answer: the
   * dialect's only way to say "not now" (control pacing a connect storm, AGENT_CONNECT_RATE, or refusing the agent
   * for a while), which a TF agent meets with its reconnect timer. Waits 100 ms doubling to 2 s, less up to a fifth
   * at random. Default 30000; 0: the first such close fails connect().
   */
  unansweredRetryMs?: number;
  /** Subscribe to `virtual-router:default-global-system-config:<name>` once the stream is open (§6). Default true. */
  configSubscribe?: boolean;
  /** Act on config like a real agent: subscribe to its interfaces' VRFs, publish their host routes, end-of-RIB. */
  followConfig?: boolean;
  /** On a new session, subscribe again to every VRF it subscribed to. Default true. */
  autoResubscribe?: boolean;
  /** On a session after an earlier one, republish its routes and send its end-of-RIB (graceful restart). */
  autoRepublish?: boolean;
  /** Default 'per-session', as TF's control node and our bridge send it. */
  endOfRibMode?: EndOfRibMode;
  /**
   * 'full' (default): every stanza decoded and checked, tables hold Paths. 'ids': route pushes are scanned for their
   * item and retract ids only and tables hold the ids (with no paths): what benchmarks use on both sides.
   */
  tables?: 'full' | 'ids';
  /** The framer's largest stanza. */
  maxStanzaBytes?: number;
  /**
   * §1.5: wait for control's STARTTLS offer, start TLS and restart the stream, presenting `cert`/`key` (mutual TLS,
   * as a TF agent with xmpp_auth_enable) and checking control's certificate against `ca` and the target's host.
   * Undefined: a plain agent (which leaves if control requires TLS).
   */
  tls?: XmppAgentTls;
}

/** The agent's side of §1.5's TLS: PEM text or buffers. */
export interface XmppAgentTls {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** The name control's certificate must carry; default the target's host. */
  servername?: string;
}

/** Where a session stands in §1.5's negotiation (always 'plain' for an agent without TLS). */
type TlsPhase = 'plain' | 'awaiting-features' | 'awaiting-proceed' | 'handshake' | 'secured';

export interface XmppAgentStats extends AgentStats {
  keepalivesSent: number;
  /** Reads that carried only keepalive bytes or whitespace. */
  keepalivesReceived: number;
  bytesSent: number;
  bytesReceived: number;
  /** Items of a route push the codec refused (each also an anomaly). */
  rejectedItems: number;
  /** Route pushes of families other than inet/inet6 (held apart, see otherRoutes). */
  otherFamilyUpdates: number;
  /** End-of-RIB markers that found no subscription waiting. */
  unmatchedEndOfRibs: number;
  /** Connections control closed without a byte of answer, tried again (unansweredRetryMs). */
  unansweredConnects: number;
}

/** What one stanza from control did, with the time its bytes arrived (performance.now()). */
export interface XmppReceived {
  kind: 'route-update' | 'end-of-rib' | 'config' | 'other';
  at: number;
}

export interface XmppAgentEvents {
  /** Control's header arrived: the session is open. */
  established: [StreamHeader];
  /** A stanza from control, once applied. */
  message: [XmppReceived];
  /** The text of each stanza from control as framed, before it is applied (emitted only while listened to). */
  stanza: [xml: string];
  keepalive: [at: number];
  disconnected: [reason: string];
}

const EMPTY_PATHS: readonly agentProto.Path[] = Object.freeze([]);
type Table = Map<string, readonly agentProto.Path[]>;

/**
 * One simulated vRouter agent speaking Tungsten Fabric's XMPP dialect (../shared/specs/xmpp-dialect.md) on a raw TCP
 * socket: the agent's stream header (§1.2), keepalives and hold time (§1.4), routing-instance subscribes with
 * instance-id (§2), publish + collection pairs (§3.1), end-of-RIB, config subscribe (§6). It keeps what control
 * pushes: a table per VRF (items add or replace by id, retracts delete, §4), end-of-RIBs, its config (IF-MAP nodes
 * and links). Its surface follows the gRPC SimulatedAgent (table, tables, waitFor, stats, connect/close/disconnect)
 * so that tests, fleets and run-sim treat both alike; XMPP has no acks, versions or resume.
 */
export class XmppSimulatedAgent extends EventEmitter<XmppAgentEvents> {
  readonly name: string;
  readonly address: string;
  /** Protocol surprises: a bad stanza, a stanza before the header, an unexpected kind … */
  readonly anomalies: string[] = [];
  /** XMPP carries no notices; always empty (the gRPC agent's surface). */
  readonly notices: readonly ReceivedNotice[] = [];
  readonly stats: XmppAgentStats = {
    messages: 0,
    routeUpdates: 0,
    withdrawals: 0,
    ignoredUpdates: 0,
    configUpdates: 0,
    endOfRibs: 0,
    notices: 0,
    acks: 0,
    publishedRoutes: 0,
    withdrawnRoutes: 0,
    keepalivesSent: 0,
    keepalivesReceived: 0,
    bytesSent: 0,
    bytesReceived: 0,
    rejectedItems: 0,
    otherFamilyUpdates: 0,
    unmatchedEndOfRibs: 0,
    unansweredConnects: 0,
  };
  /** Why the last session ended. */
  lastDisconnectReason: string | undefined;
  /** A <stream:error> control sent in this session: the reason its end is reported with. */
  private lastStreamError: string | undefined;
  /** Control's header of the current (or last) session. */
  controlHeader: StreamHeader | undefined;

  private readonly holdMs: number;
  private readonly keepaliveMs: number;
  private socket: Socket | undefined;
  /** The TCP socket under a TLS one (destroyed with it). */
  private rawSocket: Socket | undefined;
  private tlsPhase: TlsPhase = 'plain';
  /** Control's certificate in a session over TLS. */
  private controlCertificate: X509Certificate | undefined;
  private unwire: (() => void) | undefined;
  private resolveSocketClosed: (() => void) | undefined;
  private framer: XmppFramer | undefined;
  private established = false;
  private closing = false;
  /** Control sent `</stream:stream>` in this session. */
  private closedByControl = false;
  /** close() calls so far: connect() stops retrying once it changes. */
  private closes = 0;
  private sessions = 0;
  private pendingConnect: { resolve(header: StreamHeader): void; reject(error: Error): void } | undefined;
  private socketClosed: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private lastSentAt = 0;
  private lastReceivedAt = 0;
  private lastMessage = 0;
  private iqSequence = 0;
  /** What was sent in this tick, written in one go (corked) at the end of it. */
  private outbox: Array<string | Uint8Array> = [];
  private flushScheduled = false;

  /** Subscribed VRFs and the instance-id each was subscribed with. */
  private readonly subscribed = new Map<string, number>();
  /** Subscribed with no-ribout. */
  private readonly publishOnly = new Set<string>();
  private readonly instanceIds = new Map<string, number>();
  private nextInstanceId = 1;
  /** Subscriptions waiting for an end-of-RIB, oldest first. */
  private waitingEndOfRib: string[] = [];
  private readonly endOfRibs = new Set<string>();
  private readonly routes = new Map<string, Table>();
  private readonly others = new Map<string, Map<string, RouteEntry>>();
  private readonly graph = new IfmapGraph();
  private configCache: AgentConfig | undefined;
  private configSubscribed = false;
  private followScheduled = false;
  private configFollowedInSession = false;
  private readonly configVrfsSubscribed = new Set<string>();
  private readonly origin = new PublishedRoutes();
  private readonly labels = new LabelAllocator();
  private interfaceRouteSet: RouteSet = new Map();
  private readonly waiters = new Waiters();

  constructor(private readonly options: XmppSimulatedAgentOptions) {
    super();
    this.name = options.name;
    this.address = options.address;
    const hold = options.holdTimeSeconds ?? DEFAULT_HOLD_TIME_SECONDS;
    if (!(hold > 0)) throw new RangeError(`holdTimeSeconds must be positive, got ${hold}`);
    this.holdMs = hold * 1000;
    const keepalive = options.keepaliveSeconds ?? hold / 3;
    if (!(keepalive > 0)) throw new RangeError(`keepaliveSeconds must be positive, got ${keepalive}`);
    this.keepaliveMs = keepalive * 1000;
  }

  // --- session ---

  /**
   * Opens TCP, sends the agent header and resolves with control's header (§1.2); then subscribes as configured. A
   * connection control closes unanswered is tried again (unansweredRetryMs).
   */
  async connect(): Promise<StreamHeader> {
    const deadline = performance.now() + (this.options.unansweredRetryMs ?? 30_000);
    const closes = this.closes;
    for (let retry = 0; ; retry++) {
      const attempt = { reached: false, answered: false, timedOut: false };
      try {
        return await this.connectOnce(attempt);
      } catch (error) {
        const unanswered = attempt.reached && !attempt.answered && !attempt.timedOut && this.closes === closes;
        const wait = reconnectDelay(retry, DEFAULT_RECONNECT_BACKOFF, Math.random());
        if (!unanswered || performance.now() + wait > deadline) throw error;
        this.stats.unansweredConnects += 1;
        await new Promise((resolve) => setTimeout(resolve, wait));
        if (this.closes !== closes) throw error;
      }
    }
  }

  private connectOnce(attempt: { reached: boolean; answered: boolean; timedOut: boolean }): Promise<StreamHeader> {
    if (this.socket) return Promise.reject(new Error(`${this.name} is already connected`));
    let host: string;
    let port: number;
    try {
      ({ host, port } = parseTarget(this.options.target));
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const socket = netConnect({ host, port });
    socket.setNoDelay(true);
    this.socket = socket;
    this.rawSocket = socket;
    this.framer = this.newFramer();
    this.tlsPhase = this.options.tls ? 'awaiting-features' : 'plain';
    this.controlCertificate = undefined;
    this.established = false;
    this.closing = false;
    this.closedByControl = false;
    this.socketClosed = new Promise((resolve) => (this.resolveSocketClosed = resolve));
    socket.once('close', () => this.resolveSocketClosed?.());
    const opened = new Promise<StreamHeader>((resolve, reject) => (this.pendingConnect = { resolve, reject }));
    const timeoutMs = this.options.connectTimeoutMs ?? 10_000;
    const timer = setTimeout(() => {
      attempt.timedOut = true;
      if (this.socket) this.drop(this.socket, `no stream header from control within ${timeoutMs} ms`);
    }, timeoutMs);
    socket.once('connect', () => {
      attempt.reached = true;
      this.sendHeader(socket);
    });
    socket.once('data', () => (attempt.answered = true));
    this.wire(socket);
    return opened.finally(() => clearTimeout(timer));
  }

  /** The session runs over TLS (§1.5). */
  get secured(): boolean {
    return this.tlsPhase === 'secured';
  }

  /** Control's certificate, in a session over TLS. */
  get controlPeerCertificate(): X509Certificate | undefined {
    return this.controlCertificate;
  }

  /** Ends the TCP connection abruptly (a crash, a cut link), without `</stream:stream>`. */
  async disconnect(): Promise<void> {
    const socket = this.socket;
    if (!socket) return;
    const closed = this.socketClosed!;
    this.drop(socket, 'disconnected');
    await closed;
  }

  /** Leaves on purpose: `</stream:stream>`, then half-close; waits up to `timeoutMs` for control to close. */
  async close(timeoutMs = 5000): Promise<void> {
    this.closes += 1;
    const socket = this.socket;
    if (!socket) return;
    const closed = this.socketClosed!;
    this.closing = true;
    if (this.established && socket.writable) {
      this.send(STREAM_CLOSE);
      this.flush();
      socket.end();
    } else {
      socket.destroy();
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)));
    if ((await Promise.race([closed, late])) === 'late') {
      socket.destroy();
      await closed;
    }
    clearTimeout(timer);
  }

  /** A session is open (control's header arrived and the socket is up). */
  get connected(): boolean {
    return this.socket !== undefined && this.established;
  }

  /** performance.now() when the bytes of the last stanza from control arrived (0 before any). */
  get lastMessageAt(): number {
    return this.lastMessage;
  }

  // --- requests ---

  /**
   * §2 subscribe with instance-id (the master instance gets 0, others 1, 2 … in order of first subscription, kept
   * for the agent's life). A VRF already subscribed is left alone: a real agent never repeats a subscribe. With
   * `noRibOut` the agent only publishes there: control pushes nothing and no end-of-RIB is awaited.
   */
  subscribe(vrf: string, instanceId?: number, noRibOut = false): void {
    if (this.subscribed.has(vrf)) return;
    if (instanceId !== undefined) this.instanceIds.set(vrf, instanceId);
    const id = this.instanceIdOf(vrf);
    this.send(encodeVrfSubscribe({ from: this.name, vrf, instanceId: id, noRibOut }));
    this.subscribed.set(vrf, id);
    if (noRibOut) {
      this.publishOnly.add(vrf);
      this.endOfRibs.add(vrf);
    } else {
      this.endOfRibs.delete(vrf);
      this.waitingEndOfRib.push(vrf);
    }
    if (!this.routes.has(vrf)) this.routes.set(vrf, new Map());
    this.waiters.changed();
  }

  /** §2 unsubscribe; the agent drops the VRF's table itself (control sends no retracts). */
  unsubscribe(vrf: string): void {
    const id = this.subscribed.get(vrf);
    if (id === undefined) return;
    this.send(encodeVrfUnsubscribe({ from: this.name, vrf, instanceId: id }));
    this.subscribed.delete(vrf);
    this.publishOnly.delete(vrf);
    this.configVrfsSubscribed.delete(vrf);
    this.endOfRibs.delete(vrf);
    this.waitingEndOfRib = this.waitingEndOfRib.filter((v) => v !== vrf);
    this.routes.delete(vrf);
    this.waiters.changed();
  }

  /** §6 config subscribe for its virtual-router (sent once per session), or for a VM. */
  subscribeConfig(subject: ConfigSubject = { type: 'virtual-router', fqName: `${GLOBAL_SYSTEM_CONFIG}:${this.name}` }): void {
    if (subject.type === 'virtual-router') {
      if (this.configSubscribed) return;
      this.configSubscribed = true;
    }
    this.send(encodeConfigSubscribe(this.name, subject));
  }

  unsubscribeConfig(subject: ConfigSubject): void {
    this.send(encodeConfigUnsubscribe(this.name, subject));
  }

  /**
   * Publishes routes into a VRF (§3.1): per route a publish iq and its collection `associate`, back to back (inet,
   * or inet6 for an IPv6 prefix). An empty next hop is the agent's address.
   */
  publish(vrf: string, routes: ReadonlyArray<Partial<agentProto.Route>>): void {
    const full = routes.map((route) => agentProto.Route.fromPartial(route));
    this.sendPairs(full.map((route) => encodeRoutePublish({ from: this.name, vrf, route: publishedEntry(route, vrf, this.address), op: 'associate', sequence: this.iqSequence++ })));
    this.origin.published(vrf, full);
    this.stats.publishedRoutes += full.length;
  }

  /** Withdraws prefixes (§3.1): the publish iq again (its entry as published, or just the nlri), then `dissociate`. */
  withdraw(vrf: string, prefixes: readonly string[]): void {
    const known = this.origin.current.get(vrf);
    this.sendPairs(
      prefixes.map((prefix) => {
        const route = known?.get(prefix);
        const entry = route === undefined ? withdrawnEntry(prefix) : publishedEntry(route, vrf, this.address);
        return encodeRoutePublish({ from: this.name, vrf, route: entry, op: 'dissociate', sequence: this.iqSequence++ });
      }),
    );
    this.origin.withdrawn(vrf, prefixes);
    this.stats.withdrawnRoutes += prefixes.length;
  }

  /**
   * The agent's end-of-RIB: by default the empty publish + empty collection the TF control node recognises (§3.1);
   * 'message' sends the `<message>` form TF's agent sends (which the real control node ignores).
   */
  endOfRib(form: 'iqs' | 'message' = 'iqs'): void {
    if (form === 'message') this.send(encodeAgentEndOfRibMessage(this.name));
    else this.send(encodeAgentEndOfRibIqs(this.name, this.iqSequence++).join('\n'));
    this.origin.endOfRib();
  }

  /** Publishes again what the previous session had published (graceful restart), without the end-of-RIB. */
  republish(): number {
    let n = 0;
    for (const [vrf, table] of this.origin.stale) {
      if (table.size === 0) continue;
      this.publish(vrf, [...table.values()]);
      n += table.size;
    }
    return n;
  }

  /** Writes raw bytes or text on the socket as they are (tests of control's error handling). */
  sendRaw(data: string | Uint8Array): void {
    this.send(data);
  }

  /** Sends a keepalive now (§1.4). */
  sendKeepalive(): void {
    this.send(KEEPALIVE_BYTES);
    this.stats.keepalivesSent += 1;
  }

  get published(): RouteSet {
    return this.origin.current;
  }

  get stalePublished(): RouteSet {
    return this.origin.stale;
  }

  /** Host routes of its config's interfaces into their VRFs (one label per interface from 16); withdraws the rest. */
  publishInterfaceRoutes(): void {
    const wanted = interfaceRoutes(this.config, this.labels);
    const { publish, withdraw } = routeChanges(this.interfaceRouteSet, wanted);
    for (const [vrf, prefixes] of withdraw) this.withdraw(vrf, prefixes);
    for (const [vrf, table] of publish) this.publish(vrf, [...table.values()]);
    this.interfaceRouteSet = wanted;
  }

  /** Subscribes to the VRFs its config names, and unsubscribes those it subscribed so that left the config. */
  subscribeConfigVrfs(): void {
    const wanted = configVrfs(this.config);
    for (const vrf of wanted) {
      if (this.subscribed.has(vrf)) continue;
      this.subscribe(vrf);
      this.configVrfsSubscribed.add(vrf);
    }
    for (const vrf of [...this.configVrfsSubscribed]) if (!wanted.has(vrf)) this.unsubscribe(vrf);
  }

  // --- what it holds ---

  /** A VRF's table: prefix → paths (one per next-hop); in 'ids' mode the paths are empty. */
  table(vrf: string): ReadonlyMap<string, readonly agentProto.Path[]> {
    return this.routes.get(vrf) ?? new Map();
  }

  tables(): ReadonlyMap<string, ReadonlyMap<string, readonly agentProto.Path[]>> {
    return this.routes;
  }

  /** Pushed routes of other families (EVPN, multicast …), by `<family>/<vrf>`, then item id. */
  otherRoutes(): ReadonlyMap<string, ReadonlyMap<string, RouteEntry>> {
    return this.others;
  }

  get routeCount(): number {
    let n = 0;
    for (const table of this.routes.values()) n += table.size;
    return n;
  }

  /** The IF-MAP graph control pushed. */
  get ifmap(): IfmapGraph {
    return this.graph;
  }

  /** The config read back as the gRPC agent's AgentConfig (see IfmapGraph.toAgentConfig). */
  get config(): AgentConfig {
    this.configCache ??= this.graph.toAgentConfig(this.name);
    return this.configCache;
  }

  get subscriptions(): ReadonlySet<string> {
    return new Set(this.subscribed.keys());
  }

  instanceIdOf(vrf: string): number {
    let id = this.instanceIds.get(vrf);
    if (id === undefined && vrf === MASTER_INSTANCE) return 0;
    if (id === undefined) {
      id = this.nextInstanceId++;
      this.instanceIds.set(vrf, id);
    }
    return id;
  }

  hasEndOfRib(vrf: string): boolean {
    return this.endOfRibs.has(vrf);
  }

  /** Connected, and every subscribed VRF has had its end-of-RIB. */
  get synced(): boolean {
    if (!this.connected) return false;
    for (const vrf of this.subscribed.keys()) if (!this.endOfRibs.has(vrf)) return false;
    return true;
  }

  // --- waiting ---

  /** Resolves once `predicate(this)` holds, re-checked after every stanza and session change. */
  waitFor(predicate: (agent: XmppSimulatedAgent) => boolean, timeoutMs = 10_000, what = 'a condition'): Promise<void> {
    return this.waiters.until(() => predicate(this), timeoutMs, () => `${this.name}: ${what} (${this.describeState()})`);
  }

  waitForEndOfRib(vrf: string, timeoutMs?: number): Promise<void> {
    return this.waitFor((a) => a.hasEndOfRib(vrf), timeoutMs, `end-of-RIB of ${vrf}`);
  }

  waitForSynced(timeoutMs?: number): Promise<void> {
    return this.waitFor((a) => a.synced, timeoutMs, 'end-of-RIB of every subscribed VRF');
  }

  // --- internals ---

  /**
   * Queues bytes for the socket: everything sent in one tick is written together at its end (corked), so a burst of
   * subscribes or publishes reaches control in as few reads as possible, in order.
   */
  private send(data: string | Uint8Array): void {
    if (!this.socket || !this.established) throw new Error(`${this.name} is not connected`);
    this.outbox.push(data);
    this.stats.bytesSent += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    this.lastSentAt = performance.now();
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      process.nextTick(() => this.flush());
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const out = this.outbox;
    this.outbox = [];
    const socket = this.socket;
    if (!socket || out.length === 0 || socket.destroyed) return;
    socket.cork();
    for (const data of out) socket.write(data);
    socket.uncork();
  }

  /** Publish + collection pairs, newline-separated (§1.3), a few hundred iqs per write. */
  private sendPairs(pairs: ReadonlyArray<readonly [string, string]>): void {
    for (let i = 0; i < pairs.length; i += XMPP_PUBLISH_CHUNK) {
      const parts: string[] = [];
      for (const [publish, collection] of pairs.slice(i, i + XMPP_PUBLISH_CHUNK)) parts.push(publish, collection);
      this.send(`${parts.join('\n')}\n`);
    }
  }

  private onData(socket: Socket, chunk: Buffer): void {
    if (this.socket !== socket) return;
    const at = performance.now();
    this.lastReceivedAt = at;
    this.stats.bytesReceived += chunk.length;
    let frames: Frame[];
    try {
      frames = this.framer!.push(chunk);
    } catch (error) {
      this.anomalies.push(`unreadable bytes from control: ${(error as Error).message}`);
      this.drop(socket, `unreadable bytes from control: ${(error as Error).message}`);
      return;
    }
    if (frames.length === 0 && this.framer!.bufferedBytes === 0) {
      this.stats.keepalivesReceived += 1;
      this.emit('keepalive', at);
    }
    for (const frame of frames) {
      if (this.socket !== socket) return;
      if (frame.kind === 'stream-open') this.onHeader(socket, frame.xml);
      else if (frame.kind === 'stream-close') this.onStreamClose(socket);
      else if (frame.name === 'stream:features') this.onFeatures(socket, frame.xml);
      else if (frame.name === 'stream:error') this.onStreamError(frame.xml);
      else if (this.tlsPhase === 'awaiting-proceed' && (frame.name === 'proceed' || frame.name === 'failure')) return this.onStartTlsAnswer(socket, frame.xml);
      else if (!this.established) this.anomalies.push(`a <${frame.name}> before control's stream header`);
      else this.onStanza(frame.xml, at);
    }
  }

  private onHeader(socket: Socket, xml: string): void {
    if (this.established) {
      this.anomalies.push('a second stream header from control');
      return;
    }
    // §1.5: with TLS, control's first header is followed by its features; the session opens on the header over TLS.
    if (this.tlsPhase === 'awaiting-features' || this.tlsPhase === 'awaiting-proceed') return;
    let header: StreamHeader;
    try {
      header = decodeStreamHeader(xml);
    } catch (error) {
      this.anomalies.push(`bad stream header from control: ${(error as Error).message}`);
      this.drop(socket, `bad stream header from control: ${(error as Error).message}`);
      return;
    }
    if (header.to !== '' && header.to !== this.name) this.anomalies.push(`control's header is addressed to ${JSON.stringify(header.to)}, not ${this.name}`);
    const hadSession = this.sessions > 0;
    this.sessions += 1;
    if (hadSession) this.startOver();
    this.established = true;
    this.controlHeader = header;
    this.lastReceivedAt = performance.now();
    // §1.2 step 4: the agent answers the header with one keepalive, then is established.
    this.sendKeepalive();
    this.schedule();
    this.restoreSession(hadSession);
    const pending = this.pendingConnect;
    this.pendingConnect = undefined;
    this.emit('established', header);
    pending?.resolve(header);
    this.waiters.changed();
  }

  private onStreamClose(socket: Socket): void {
    if (this.closing) return;
    this.closing = true;
    this.closedByControl = true;
    if (socket.writable) socket.end(STREAM_CLOSE);
  }

  private onStanza(xml: string, at: number): void {
    if (this.listenerCount('stanza') > 0) this.emit('stanza', xml);
    let kind: XmppReceived['kind'];
    const scanned = this.options.tables === 'ids' ? scanRoutePush(xml) : undefined;
    if (scanned !== undefined && scanned.kind === 'route-update') {
      this.applyIds(scanned.vrf, scanned.family, scanned.items, scanned.retracts);
      kind = 'route-update';
    } else if (scanned !== undefined && scanned.kind === 'end-of-rib') {
      this.applyEndOfRib();
      kind = 'end-of-rib';
    } else {
      let stanza: Stanza;
      try {
        stanza = decodeStanzaText(xml);
      } catch (error) {
        if (!(error instanceof XmppError)) throw error;
        this.anomalies.push(`a stanza from control was dropped: ${error.message}`);
        return;
      }
      kind = this.apply(stanza);
    }
    this.stats.messages += 1;
    this.lastMessage = at;
    this.emit('message', { kind, at });
    this.waiters.changed();
  }

  private apply(stanza: Stanza): XmppReceived['kind'] {
    switch (stanza.kind) {
      case 'route-update': {
        for (const rejection of stanza.rejected) this.anomalies.push(`${stanza.node}: item ${rejection.index} refused: ${rejection.reason}`);
        this.stats.rejectedItems += stanza.rejected.length;
        if (stanza.family !== 'inet' && stanza.family !== 'inet6') {
          this.applyOther(stanza.family, stanza.vrf, stanza.items, stanza.retracts);
          return 'route-update';
        }
        const table = this.subscribedTable(stanza.vrf, stanza.items.length + stanza.retracts.length);
        if (table === undefined) return 'route-update';
        if (stanza.retracts.length > 0) {
          // §4: a TF agent that sees any retract processes only the retracts of the message.
          for (const id of stanza.retracts) table.delete(id);
          this.stats.withdrawals += stanza.retracts.length;
          this.stats.routeUpdates += stanza.retracts.length;
        } else {
          for (const item of stanza.items) table.set(item.id, pathsOfItem(item));
          this.stats.routeUpdates += stanza.items.length;
        }
        return 'route-update';
      }
      case 'end-of-rib':
        this.applyEndOfRib();
        return 'end-of-rib';
      case 'config':
        this.graph.apply(stanza.blocks);
        this.configCache = undefined;
        this.stats.configUpdates += 1;
        if (this.options.followConfig) this.scheduleFollowConfig();
        return 'config';
      default:
        this.anomalies.push(`control sent a ${stanza.kind}, which only agents send`);
        return 'other';
    }
  }

  private applyIds(vrf: string, family: string, items: readonly string[], retracts: readonly string[]): void {
    if (family !== 'inet' && family !== 'inet6') {
      this.stats.otherFamilyUpdates += items.length + retracts.length;
      return;
    }
    const table = this.subscribedTable(vrf, items.length + retracts.length);
    if (table === undefined) return;
    if (retracts.length > 0) {
      for (const id of retracts) table.delete(id);
      this.stats.withdrawals += retracts.length;
      this.stats.routeUpdates += retracts.length;
    } else {
      for (const id of items) table.set(id, EMPTY_PATHS);
      this.stats.routeUpdates += items.length;
    }
  }

  private applyOther(family: string, vrf: string, items: ReadonlyArray<{ id: string; route: RouteEntry }>, retracts: readonly string[]): void {
    this.stats.otherFamilyUpdates += items.length + retracts.length;
    const key = `${family}/${vrf}`;
    let table = this.others.get(key);
    if (!table) this.others.set(key, (table = new Map()));
    if (retracts.length > 0) for (const id of retracts) table.delete(id);
    else for (const item of items) table.set(item.id, item.route);
  }

  /** The table of a subscribed VRF; undefined (and counted as ignored) for another VRF (§4: it must exist). */
  private subscribedTable(vrf: string, updates: number): Table | undefined {
    if (!this.subscribed.has(vrf)) {
      this.stats.ignoredUpdates += updates;
      return undefined;
    }
    let table = this.routes.get(vrf);
    if (!table) this.routes.set(vrf, (table = new Map()));
    return table;
  }

  private applyEndOfRib(): void {
    this.stats.endOfRibs += 1;
    if (this.waitingEndOfRib.length === 0) {
      this.stats.unmatchedEndOfRibs += 1;
      return;
    }
    if ((this.options.endOfRibMode ?? 'per-session') === 'per-session') {
      for (const vrf of this.waitingEndOfRib) this.endOfRibs.add(vrf);
      this.waitingEndOfRib = [];
    } else {
      this.endOfRibs.add(this.waitingEndOfRib.shift()!);
    }
  }

  /** A new session after an earlier one: control starts from nothing (XMPP has no resume). */
  private startOver(): void {
    this.routes.clear();
    this.others.clear();
    this.endOfRibs.clear();
    this.waitingEndOfRib = [];
    this.graph.clear();
    this.configCache = undefined;
    this.configSubscribed = false;
    this.configFollowedInSession = false;
    this.interfaceRouteSet = new Map();
    this.origin.newSession();
  }

  private restoreSession(hadSession: boolean): void {
    const vrfs = [...this.subscribed.keys()].map((vrf) => [vrf, this.publishOnly.has(vrf)] as const);
    this.subscribed.clear();
    this.publishOnly.clear();
    if (this.options.autoResubscribe !== false) for (const [vrf, noRibOut] of vrfs) this.subscribe(vrf, undefined, noRibOut);
    if (this.options.configSubscribe !== false) this.subscribeConfig();
    if (hadSession && this.options.autoRepublish) {
      this.republish();
      this.endOfRib();
    }
  }

  /** Config often comes as a burst of iqs: the agent acts once the burst read is applied. */
  private scheduleFollowConfig(): void {
    if (this.followScheduled) return;
    this.followScheduled = true;
    setImmediate(() => {
      this.followScheduled = false;
      if (!this.connected || !this.config.complete) return;
      this.subscribeConfigVrfs();
      this.publishInterfaceRoutes();
      if (!this.configFollowedInSession) {
        this.configFollowedInSession = true;
        this.endOfRib();
      }
      this.waiters.changed();
    });
  }

  /** Keepalive when nothing was sent for hold/3; a drop when control was silent for the hold time (§1.4). */
  private schedule(): void {
    clearTimeout(this.timer);
    const socket = this.socket;
    if (!socket || !this.established) return;
    const now = performance.now();
    if (now - this.lastReceivedAt >= this.holdMs) {
      this.drop(socket, `hold time expired: nothing from control for ${this.holdMs / 1000} s`);
      return;
    }
    if (now - this.lastSentAt >= this.keepaliveMs) this.sendKeepalive();
    const next = Math.min(this.lastReceivedAt + this.holdMs, this.lastSentAt + this.keepaliveMs) - now;
    this.timer = setTimeout(() => this.schedule(), Math.max(5, next));
    this.timer.unref();
  }

  private newFramer(): XmppFramer {
    return new XmppFramer(this.options.maxStanzaBytes === undefined ? {} : { maxStanzaBytes: this.options.maxStanzaBytes });
  }

  /** The agent's header (§1.2), at the start and again over TLS (§1.5 step 6). */
  private sendHeader(socket: Socket): void {
    const header = encodeAgentStreamHeader(this.name, { subcluster: this.options.subcluster ?? '' });
    socket.write(header);
    this.stats.bytesSent += Buffer.byteLength(header);
  }

  /** Reads, errors and the end of the socket the stream runs on (the TCP one, then the TLS one). */
  private wire(socket: Socket): void {
    const onData = (chunk: Buffer): void => this.onData(socket, chunk);
    const onError = (error: Error): void => this.drop(socket, this.describeSocketError(error));
    const onClose = (): void => this.drop(socket, this.describeClose());
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
    this.unwire = () => {
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
    };
  }

  private describeSocketError(error: Error): string {
    return this.tlsPhase === 'handshake' ? `TLS handshake with control failed: ${error.message}` : `socket error: ${error.message}`;
  }

  private describeClose(): string {
    if (this.closing) return 'closed';
    // TLS 1.3: a client certificate control refuses shows only as the connection closing after the handshake.
    if (this.tlsPhase === 'handshake' || (this.tlsPhase === 'secured' && !this.established)) {
      return 'control closed the connection in the TLS handshake (is this agent\'s certificate issued by the CA control trusts?)';
    }
    return 'control closed the connection';
  }

  /** §1.5 step 2: control's features; this agent asks for TLS (step 3), or, plain, leaves if TLS is required. */
  private onFeatures(socket: Socket, xml: string): void {
    let features;
    try {
      features = decodeStreamFeatures(xml);
    } catch (error) {
      this.anomalies.push(`bad stream features from control: ${(error as Error).message}`);
      return;
    }
    if (this.tlsPhase === 'awaiting-features') {
      if (!features.starttls) {
        this.drop(socket, 'control offered no STARTTLS, and this agent is configured for TLS');
        return;
      }
      const starttls = encodeStartTls();
      socket.write(starttls);
      this.stats.bytesSent += Buffer.byteLength(starttls);
      this.tlsPhase = 'awaiting-proceed';
      return;
    }
    if (this.tlsPhase === 'plain' && features.starttls && features.required) {
      this.drop(socket, 'control requires STARTTLS (xmpp-dialect.md §1.5) and this agent has no TLS configured (--tls-ca, --tls-cert, --tls-key)');
    }
  }

  /** §1.5 step 4-6: on <proceed/>, the TLS handshake on the same socket, then the header again. */
  private onStartTlsAnswer(socket: Socket, xml: string): void {
    let answer;
    try {
      answer = decodeStartTlsAnswer(xml);
    } catch (error) {
      this.drop(socket, `bad answer to <starttls/> from control: ${(error as Error).message}`);
      return;
    }
    if (answer === 'failure') {
      this.drop(socket, 'control answered <failure/> to <starttls/>');
      return;
    }
    if (this.framer!.bufferedBytes > 0) {
      this.drop(socket, 'control sent bytes after <proceed/> before the TLS handshake');
      return;
    }
    const tls = this.options.tls!;
    const { host } = parseTarget(this.options.target);
    this.unwire?.();
    this.tlsPhase = 'handshake';
    const secure: TLSSocket = tlsConnect({
      socket,
      host,
      ...(tls.servername !== undefined ? { servername: tls.servername } : isIP(host) === 0 ? { servername: host } : {}),
      ...(tls.ca !== undefined ? { ca: tls.ca } : {}),
      ...(tls.cert !== undefined ? { cert: tls.cert } : {}),
      ...(tls.key !== undefined ? { key: tls.key } : {}),
    });
    this.socket = secure;
    this.framer = this.newFramer();
    secure.once('close', () => this.resolveSocketClosed?.());
    this.wire(secure);
    secure.once('secureConnect', () => {
      if (this.socket !== secure) return;
      this.tlsPhase = 'secured';
      this.controlCertificate = secure.getPeerX509Certificate();
      this.sendHeader(secure);
    });
  }

  /** RFC 6120 §4.9: control says why it ends the stream; its close follows. */
  private onStreamError(xml: string): void {
    try {
      const { condition, text } = decodeStreamError(xml);
      this.lastStreamError = `control refused the stream: ${condition}${text ? `: ${text}` : ''}`;
    } catch (error) {
      this.anomalies.push(`bad stream error from control: ${(error as Error).message}`);
    }
  }

  /** Ends the session now (once per socket): every wait re-checks, connect() rejects if it was pending. */
  private drop(socket: Socket, reason: string): void {
    if (this.socket !== socket) return;
    const streamError = this.lastStreamError;
    this.lastStreamError = undefined;
    this.unwire?.();
    this.unwire = undefined;
    this.rawSocket?.destroy();
    this.rawSocket = undefined;
    this.socket = undefined;
    this.framer = undefined;
    this.outbox = [];
    const wasEstablished = this.established;
    this.established = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    socket.destroy();
    this.lastDisconnectReason = streamError ?? (this.closedByControl && reason !== 'disconnected' ? 'control closed the stream' : reason);
    const pending = this.pendingConnect;
    this.pendingConnect = undefined;
    pending?.reject(new Error(`${this.name}: ${streamError ?? reason}`));
    if (wasEstablished) this.emit('disconnected', this.lastDisconnectReason);
    this.waiters.changed();
  }

  private describeState(): string {
    const reason = !this.connected && this.lastDisconnectReason ? `, last drop: ${this.lastDisconnectReason}` : '';
    return `connected ${this.connected}, ${this.stats.messages} stanzas, ${this.routeCount} routes, end-of-RIB ${this.endOfRibs.size}/${this.subscribed.size}${reason}`;
  }
}

/** `host:port` or `[v6]:port`. */
export function parseTarget(target: string): { host: string; port: number } {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:\s]+)):(\d{1,5})$/.exec(target);
  if (!match) throw new Error(`target must be host:port, got ${JSON.stringify(target)}`);
  return { host: match[1] ?? match[2]!, port: Number(match[3]) };
}
