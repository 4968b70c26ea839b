import type { X509Certificate } from 'node:crypto';
import type { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  agentConfigGraph,
  controlEncapsulations,
  diffIfmapGraphs,
  encodeConfigMessages,
  encodeControlEndOfRib,
  encodeRouteUpdates,
  GLOBAL_SYSTEM_CONFIG,
  XmppError,
  XmppFramer,
  XmppServerSession,
  type AdmissionDecision,
  type AgentIdentity,
  type AgentRequest,
  type AgentRoute,
  type Frame,
  type IfmapObject,
  type SessionAction,
} from '#libs/xmpp';
import type { AgentConfig, RouteEntry } from '#libs/routing';
import type { AgentSession, SessionTransport } from '../control-plane/control-plane.js';
import type { RouteInput } from '../control-plane/route-input.js';
import { certificateNames } from '../control-plane/agent-identity.js';
import type { NoticeCode, SessionMessage } from '../control-plane/session-messages.js';
import { applyConfigDelta } from './agent-config-copy.js';
import type { UpgradeHandlers } from './xmpp-tls-upgrade.js';

/** Why sessions end, as the `reason` label of contrail_xmpp_sessions_closed_total. */
export type CloseCategory =
  /** Nothing received for the hold time. */
  | 'hold-time'
  /** No stream header within the open time. */
  | 'open-timeout'
  /** The agent sent `</stream:stream>`. */
  | 'stream-closed'
  /** The TCP connection ended or failed. */
  | 'disconnected'
  /** Bytes that are no stream: garbage, an oversized stanza, malformed XML. */
  | 'unreadable'
  /** Admission or the control plane refused the agent (another address, a bad name, shutting down). */
  | 'refused'
  /** A rule of the dialect broken (a stanza before the header, a duplicate subscribe …). */
  | 'protocol'
  /** A newer session of the same agent took over. */
  | 'replaced'
  /** AGENT_CONNECT_RATE: a connection whose slot was too far away, closed before it was read. */
  | 'paced'
  /** AGENT_MAX_PENDING: the agent fell too far behind and must start afresh (a full resync). */
  | 'too-far-behind'
  /** §1.5: TLS required and not started, a TLS handshake that failed, a client certificate missing or refused. */
  | 'tls'
  | 'shutdown';

/** What a connection needs from its bridge. */
export interface ConnectionHost {
  readonly holdTimeSeconds: number;
  readonly openTimeSeconds: number;
  readonly maxStanzaBytes: number;
  readonly closeGraceMs: number;
  /** decideAdmission over the registry, then ControlPlane.open for this connection. */
  admit(connection: XmppConnection, agent: AgentIdentity): AdmissionDecision<XmppConnection>;
  /** The connection's session ended (whatever the reason): registry and gauges. */
  sessionEnded(connection: XmppConnection, category: CloseCategory, reason: string): void;
  /** The socket is closed: the connection is gone. */
  socketClosed(connection: XmppConnection): void;
  /** True when the VRF exists (its end-of-RIB is to be expected). */
  hasVrf(vrf: string): boolean;
  /** A stanza over maxStanzaBytes (XMPP_MAX_STANZA_BYTES) closed the session. */
  stanzaTooLarge(): void;
  /** XMPP_TLS on or require: STARTTLS offered, and how a socket is upgraded after <proceed/> (§1.5). */
  readonly tls?: { mode: 'on' | 'require'; upgrade(raw: Socket, handlers: UpgradeHandlers): void };
  readonly counters: { bytesIn: number; bytesOut: number; stanzasIn: number; stanzasOut: number; itemsRejected: number };
  log(level: 'info' | 'warn', message: string, fields?: Record<string, unknown>): void;
}

const EMPTY = new Uint8Array(0);
/** Notices whose cause TF would close the session for: protocol errors of the adapter, not of routing. */
const CLOSING_NOTICES: ReadonlySet<NoticeCode> = new Set(['bad-ack', 'bad-request']);

/**
 * One agent's TCP connection: the socket, the dialect's session machine (libs/xmpp XmppServerSession), and — once
 * the header is admitted — the agent's session on the control plane, for which this object is the
 * SessionTransport. Framing is done here (so that stanzas can be counted); the session machine is fed frame by
 * frame and told of every read, which restarts its hold timer.
 */
export class XmppConnection implements SessionTransport {
  readonly remoteAddress: string;
  private readonly session: XmppServerSession;
  private framer: XmppFramer;
  /** The TCP socket until STARTTLS, then the TLS socket over it (§1.5). */
  private socket: Socket;
  /** Set while the TLS handshake runs: the raw socket belongs to it. */
  private upgrading = false;
  /** The agent's certificate once the stream runs over mutual TLS. */
  private peerCertificate: X509Certificate | undefined;
  /** The frame being handled arrived while STARTTLS was negotiated (a close it causes is a 'tls' one). */
  private negotiatingTls = false;
  private socketGone = false;
  private plane: AgentSession | undefined;
  private identity: AgentIdentity | undefined;
  private finished = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Infinity;
  private destroyTimer: NodeJS.Timeout | undefined;
  /** A close of our own under way: how to count it, and whether the control plane is still to hear of it. */
  private closing: { category: CloseCategory; reportDrop: boolean } | undefined;
  private refusedAtAdmission = false;
  /** Set while a frame is handled: how a close it causes is counted. */
  private frameKind: Frame['kind'] | undefined;

  // The config channel (§6): the agent's whole config as control last described it, sent once it subscribed.
  private config: AgentConfig | undefined;
  private configSubscribed = false;
  /** The IF-MAP graph this connection last sent (undefined: nothing yet). */
  private sentGraph: IfmapObject[] | undefined;

  // Routing: the single control end-of-RIB (§4, §5) goes once every VRF subscribed so far had its initial sync.
  private readonly awaitingEndOfRib = new Set<string>();
  private endOfRibSent = false;
  /** `<no-ribout>` subscriptions: the agent only publishes there, control pushes nothing. */
  private readonly publishOnly = new Set<string>();
  /** What the agent published per VRF in this session, withdrawn when it unsubscribes (TF drops them, §2). */
  private readonly published = new Map<string, Set<string>>();

  constructor(
    socket: Socket,
    private readonly host: ConnectionHost,
  ) {
    this.socket = socket;
    this.remoteAddress = unmapped(socket.remoteAddress ?? '');
    this.framer = new XmppFramer({ maxStanzaBytes: host.maxStanzaBytes });
    this.session = new XmppServerSession({
      remoteAddress: this.remoteAddress,
      now: Date.now(),
      holdTimeSeconds: host.holdTimeSeconds,
      openTimeSeconds: host.openTimeSeconds,
      maxStanzaBytes: host.maxStanzaBytes,
      tls: host.tls?.mode ?? 'off',
      admit: (agent) => {
        const decision = host.admit(this, agent);
        if (decision.verdict === 'reject') this.refusedAtAdmission = true;
        return decision;
      },
    });
    socket.setNoDelay(true);
    this.listen(socket);
    this.arm();
  }

  private readonly onSocketData = (chunk: Buffer): void => {
    try {
      this.onData(chunk);
    } catch (error) {
      // A bug, not the agent's doing: this session ends, the process and the other sessions go on.
      const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
      this.host.log('warn', 'xmpp session failed', { agent: this.identity?.name, address: this.remoteAddress, error: detail });
      this.close('protocol', `internal error while serving ${this.describe()}: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  private readonly onSocketDrain = (): void => this.plane?.drained();
  private readonly onSocketEnd = (): void => this.finish('disconnected', `${this.describe()} closed the connection`, true);
  private readonly onSocketError = (error: Error): void => this.finish('disconnected', `connection to ${this.describe()} failed: ${error.message}`, true);
  private readonly onSocketClose = (): void => {
    this.finish('disconnected', `connection to ${this.describe()} closed`, true);
    this.gone();
  };

  /** The socket the stream runs on (the TCP one, then the TLS one): data, back-pressure, its end. */
  private listen(socket: Socket): void {
    socket.on('data', this.onSocketData);
    socket.on('drain', this.onSocketDrain);
    socket.on('end', this.onSocketEnd);
    socket.on('error', this.onSocketError);
    socket.on('close', this.onSocketClose);
  }

  private unlisten(socket: Socket): void {
    socket.off('data', this.onSocketData);
    socket.off('drain', this.onSocketDrain);
    socket.off('end', this.onSocketEnd);
    socket.off('error', this.onSocketError);
    socket.off('close', this.onSocketClose);
  }

  /** The socket is closed (once): the connection is gone. */
  private gone(): void {
    if (this.socketGone) return;
    this.socketGone = true;
    if (this.destroyTimer) clearTimeout(this.destroyTimer);
    this.host.socketClosed(this);
  }

  /** The agent's name once its header was admitted. */
  get agentName(): string | undefined {
    return this.identity?.name;
  }

  get closed(): boolean {
    return this.finished;
  }

  /** Called by the bridge's admission once ControlPlane.open accepted this agent. */
  attach(agent: AgentIdentity, session: AgentSession): void {
    this.identity = agent;
    this.plane = session;
  }

  /**
   * Ends the session from our side: `</stream:stream>` when established, then the socket. `reportDrop` false when
   * the control plane asked for it (it knows already).
   */
  close(category: CloseCategory, reason: string, reportDrop = true): void {
    if (this.finished) return;
    this.closing = { category, reportDrop };
    this.apply(this.session.close(reason));
    if (!this.finished) this.finish(category, reason, reportDrop);
  }

  /** Cuts the socket at once (a close whose agent does not close its side). */
  destroy(): void {
    this.socket.destroy();
  }

  // ---- SessionTransport: control → agent ----

  send(message: SessionMessage): boolean {
    if (this.finished) return true;
    let written = true;
    switch (message.kind) {
      case 'config':
        this.config = applyConfigDelta(this.config, message.update);
        if (this.configSubscribed) written = this.pushConfig();
        break;
      case 'routes':
        written = this.pushRoutes(message.updates);
        break;
      case 'end-of-rib':
        this.awaitingEndOfRib.delete(message.vrf);
        written = this.maybeEndOfRib();
        break;
      case 'notice':
        this.onNotice(message.code, message.message);
        return true;
    }
    // XMPP has no acks: a version is done once its bytes are the socket's (see the bridge's README section).
    this.plane?.ack(message.version);
    return written;
  }

  end(reason: { code: 'replaced' | 'shutdown' | 'too-far-behind'; message: string }): void {
    this.close(reason.code, reason.message, false);
  }

  // ---- agent → control ----

  private onData(chunk: Buffer): void {
    if (this.finished) return;
    const now = Date.now();
    this.host.counters.bytesIn += chunk.length;
    // Any bytes restart the hold timer (§1.4); the frames are cut here.
    this.session.received(EMPTY, now);
    let frames: Frame[];
    try {
      frames = this.framer.push(chunk);
    } catch (error) {
      if (!(error instanceof XmppError)) throw error;
      const oversized = error.code === 'oversized';
      if (oversized) this.host.stanzaTooLarge();
      this.close('unreadable', `unreadable stream from ${this.describe()}: ${error.message}${oversized ? ' (XMPP_MAX_STANZA_BYTES)' : ''}`);
      return;
    }
    for (let index = 0; index < frames.length; index++) {
      const frame = frames[index]!;
      if (frame.kind === 'stanza') this.host.counters.stanzasIn += 1;
      this.frameKind = frame.kind;
      this.negotiatingTls = this.session.state === 'tls-offered';
      try {
        const actions = this.session.handleFrame(frame, now);
        // §1.5: after <starttls/> the agent waits for <proceed/>; bytes sent before it would be read as TLS.
        if (actions.some((action) => action.type === 'start-tls') && (index < frames.length - 1 || this.framer.bufferedBytes > 0)) {
          this.close('tls', `${this.describe()} sent more after <starttls/> without waiting for <proceed/> (§1.5)`);
          return;
        }
        this.apply(actions);
      } finally {
        this.frameKind = undefined;
        this.negotiatingTls = false;
      }
      if (this.finished || this.upgrading) return;
    }
    this.arm();
  }

  /**
   * §1.5 step 5: <proceed/> is written; the socket is handed to the TLS handshake (its listeners off: the TLS socket
   * reads it now). On success the stream restarts over TLS (a fresh framer; the agent's header is awaited again).
   */
  private startTls(): void {
    const tls = this.host.tls;
    if (!tls) {
      this.close('protocol', `internal error: STARTTLS with ${this.describe()} while TLS is off`);
      return;
    }
    this.upgrading = true;
    const raw = this.socket;
    this.unlisten(raw);
    tls.upgrade(raw, {
      secured: (socket, peer) => this.secured(socket, peer),
      failed: (reason) => {
        this.upgrading = false;
        this.finish('tls', `TLS handshake with ${this.describe()} failed: ${reason}`, true);
        this.gone();
      },
    });
  }

  /** The names the agent's TLS client certificate vouches for; undefined before TLS or without a certificate. */
  get certificateNames(): string[] | undefined {
    return this.peerCertificate ? certificateNames(this.peerCertificate.subject, this.peerCertificate.subjectAltName) : undefined;
  }

  private secured(socket: TLSSocket, peer: X509Certificate): void {
    this.upgrading = false;
    this.socket = socket;
    this.listen(socket);
    if (this.finished) {
      socket.destroy();
      return;
    }
    this.peerCertificate = peer;
    this.framer = new XmppFramer({ maxStanzaBytes: this.host.maxStanzaBytes });
    this.apply(this.session.tlsEstablished(Date.now()));
    this.arm();
  }


  private apply(actions: readonly SessionAction[], category?: CloseCategory): void {
    for (const action of actions) {
      switch (action.type) {
        case 'send':
          this.write(action.data, 0);
          break;
        case 'established':
          this.host.log('info', 'xmpp session established', {
            agent: action.agent.name,
            address: this.remoteAddress,
            subcluster: action.agent.subcluster,
            tls: this.peerCertificate ? { subject: this.peerCertificate.subject.replaceAll('\n', ', '), serial: this.peerCertificate.serialNumber } : false,
          });
          break;
        case 'start-tls':
          this.startTls();
          return;
        case 'request':
          if (this.plane) this.onRequest(this.plane, action.request);
          break;
        case 'rejected':
          this.host.counters.itemsRejected += 1;
          this.host.log('warn', 'xmpp stanza dropped', { agent: this.identity?.name, address: this.remoteAddress, reason: action.reason });
          break;
        case 'close':
          this.finish(this.closing?.category ?? category ?? this.categoryOf(action.reason), action.reason, this.closing?.reportDrop ?? true);
          return;
      }
    }
  }

  private onRequest(plane: AgentSession, request: AgentRequest): void {
    switch (request.kind) {
      case 'subscribe':
        if (request.noRibOut) {
          this.publishOnly.add(request.vrf);
          return;
        }
        if (!this.endOfRibSent && this.host.hasVrf(request.vrf)) this.awaitingEndOfRib.add(request.vrf);
        plane.subscribe(request.vrf);
        return;
      case 'unsubscribe': {
        const published = this.published.get(request.vrf);
        this.published.delete(request.vrf);
        if (published && published.size > 0) plane.withdraw(request.vrf, [...published]);
        if (this.publishOnly.delete(request.vrf)) return;
        plane.unsubscribe(request.vrf);
        this.awaitingEndOfRib.delete(request.vrf);
        this.maybeEndOfRib();
        return;
      }
      case 'publish': {
        if (!servedFamily(request.family)) return this.dropFamily(request.family, request.vrf, request.routes.length);
        let published = this.published.get(request.vrf);
        if (!published) this.published.set(request.vrf, (published = new Set()));
        for (const route of request.routes) published.add(route.prefix);
        plane.publish(request.vrf, request.routes.map(routeInputOf));
        return;
      }
      case 'withdraw': {
        if (!servedFamily(request.family)) return this.dropFamily(request.family, request.vrf, request.prefixes.length);
        const published = this.published.get(request.vrf);
        for (const prefix of request.prefixes) published?.delete(prefix);
        plane.withdraw(request.vrf, request.prefixes);
        return;
      }
      case 'end-of-rib':
        plane.endOfRib();
        return;
      case 'config-subscribe':
        return this.onConfigSubscribe(request.subject);
      case 'config-unsubscribe':
        if (request.subject.type === 'virtual-router' && this.configSubscribed && request.subject.fqName === this.routerFqName()) {
          this.configSubscribed = false;
          this.sentGraph = undefined;
        }
        this.host.log('info', 'xmpp config unsubscribe', { agent: this.identity?.name, subject: request.subject });
        return;
    }
  }

  private onConfigSubscribe(subject: Extract<AgentRequest, { kind: 'config-subscribe' }>['subject']): void {
    const agent = this.identity?.name;
    if (subject.type === 'virtual-machine') {
      // §6: a VM subscribe before the VR subscribe is ignored; after it, the VM's interfaces already travel with
      // the virtual-router's config (our model binds interfaces to the router).
      if (!this.configSubscribed) this.host.log('warn', 'xmpp config subscribe ignored: virtual-machine before virtual-router', { agent, uuid: subject.uuid });
      return;
    }
    if (subject.fqName !== this.routerFqName()) {
      this.host.log('warn', 'xmpp config subscribe ignored: not this agent\'s virtual-router', { agent, fqName: subject.fqName, expected: this.routerFqName() });
      return;
    }
    if (this.configSubscribed) {
      this.host.log('warn', 'xmpp config subscribe ignored: duplicate', { agent, fqName: subject.fqName });
      return;
    }
    this.configSubscribed = true;
    this.pushConfig();
  }

  private dropFamily(family: string, vrf: string, count: number): void {
    this.host.counters.itemsRejected += count;
    this.host.log('warn', 'xmpp routes dropped: family not served', {
      agent: this.identity?.name,
      vrf,
      family,
      routes: count,
      reason: `the control plane routes inet and inet6 only; ${count} ${family} route(s) in ${vrf} dropped`,
    });
  }

  private onNotice(code: NoticeCode, message: string): void {
    this.host.log('warn', 'control notice for an xmpp agent', { agent: this.identity?.name, code, message });
    if (CLOSING_NOTICES.has(code)) this.close('protocol', `control refused a request of ${this.describe()}: ${message}`);
  }

  // ---- encoding ----

  /** The IF-MAP operations taking the agent from what it was sent to its current config (§6). */
  private pushConfig(): boolean {
    const agent = this.identity?.name;
    if (agent === undefined) return true;
    const graph = this.config === undefined ? [] : agentConfigGraph(this.config);
    const operations = diffIfmapGraphs(this.sentGraph, graph);
    this.sentGraph = graph;
    if (operations.length === 0) return true;
    const messages = encodeConfigMessages(agent, operations);
    return this.write(messages.join(''), messages.length);
  }

  private pushRoutes(updates: readonly RouteEntry[]): boolean {
    const agent = this.identity?.name;
    if (agent === undefined || updates.length === 0) return true;
    const byVrf = new Map<string, RouteEntry[]>();
    for (const update of updates) {
      const list = byVrf.get(update.vrf);
      if (list) list.push(update);
      else byVrf.set(update.vrf, [update]);
    }
    const messages: string[] = [];
    for (const [vrf, list] of byVrf) {
      for (const message of encodeRouteUpdates(agent, vrf, list)) messages.push(message);
    }
    return this.write(messages.join(''), messages.length);
  }

  /** The control node's end-of-RIB, once per session, when no subscribed VRF awaits its initial sync. */
  private maybeEndOfRib(): boolean {
    const agent = this.identity?.name;
    if (this.endOfRibSent || this.awaitingEndOfRib.size > 0 || agent === undefined) return true;
    this.endOfRibSent = true;
    return this.write(encodeControlEndOfRib(agent), 1);
  }

  private write(data: string | Uint8Array, stanzas: number): boolean {
    if (this.socket.destroyed || !this.socket.writable) return true;
    this.host.counters.bytesOut += typeof data === 'string' ? Buffer.byteLength(data) : data.length;
    this.host.counters.stanzasOut += stanzas;
    const accepted = this.socket.write(data);
    this.session.noteSent(Date.now());
    return accepted;
  }

  // ---- timers and closing ----

  /** One timer per connection, set for the session's next deadline; it is moved only when that comes sooner. */
  private arm(): void {
    if (this.finished) return;
    const deadline = this.session.nextDeadline();
    if (!Number.isFinite(deadline)) return;
    if (this.timer && this.timerAt <= deadline) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = deadline;
    this.timer = setTimeout(() => this.onTimer(), Math.max(1, deadline - Date.now()));
    this.timer.unref();
  }

  private onTimer(): void {
    // Ticks after this turn's I/O: when the event loop was held up (a long synchronous publish), bytes the agent
    // sent meanwhile are read first, and do not count as silence.
    setImmediate(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      if (this.finished) return;
      const state = this.session.state;
      this.apply(this.session.tick(Date.now()), state === 'awaiting-header' ? 'open-timeout' : state === 'tls-handshake' ? 'tls' : 'hold-time');
      this.arm();
    });
  }

  /**
   * The session is over: log why, tell the control plane of a drop (graceful restart holds the agent's routes)
   * unless control itself ended it, and end the socket after what was written (destroyed if the agent does not
   * close its side within the grace time).
   */
  private finish(category: CloseCategory, reason: string, reportDrop: boolean): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.host.sessionEnded(this, category, reason);
    this.host.log(category === 'shutdown' || category === 'replaced' || category === 'disconnected' ? 'info' : 'warn', 'xmpp session closed', {
      agent: this.identity?.name,
      address: this.remoteAddress,
      category,
      reason,
    });
    if (reportDrop) this.plane?.closed();
    if (this.upgrading) {
      // The handshake owns the socket: cut it; the upgrade's failure then reports the socket gone.
      this.socket.destroy();
    } else if (!this.socket.destroyed) {
      this.socket.end();
      this.destroyTimer = setTimeout(() => this.socket.destroy(), this.host.closeGraceMs);
      this.destroyTimer.unref();
    }
  }

  private categoryOf(reason: string): CloseCategory {
    if (this.refusedAtAdmission) return 'refused';
    if (this.frameKind === 'stream-close') return 'stream-closed';
    if (reason.startsWith('malformed XML') || reason.startsWith('unreadable')) return 'unreadable';
    // Refused while STARTTLS was negotiated (XMPP_TLS=require and no <starttls/>, a bad <starttls/>), not admitted.
    if (this.negotiatingTls && this.plane === undefined) return 'tls';
    return 'protocol';
  }

  private routerFqName(): string {
    return `${GLOBAL_SYSTEM_CONFIG}:${this.identity?.name ?? ''}`;
  }

  private describe(): string {
    // Before admission (STARTTLS negotiated first, §1.5) the name is the header's.
    const name = this.identity?.name ?? this.session.agent?.name;
    return name === undefined ? this.remoteAddress : `agent ${name} (${this.remoteAddress})`;
  }
}

function servedFamily(family: string): boolean {
  return family === 'inet' || family === 'inet6';
}

/** An agent's route (§3.2) as the control plane takes it: wire encapsulations mapped, local preference 0 = unset. */
export function routeInputOf(route: AgentRoute): RouteInput {
  return {
    prefix: route.prefix,
    nextHop: route.nextHop,
    label: route.label,
    encapsulations: controlEncapsulations(route.encapsulations),
    securityGroups: route.securityGroups,
    sequence: route.sequence,
    localPreference: route.localPreference,
  };
}

/** `::ffff:a.b.c.d` → `a.b.c.d`: the address an IPv4 agent is known by. */
export function unmapped(address: string): string {
  return address.toLowerCase().startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address;
}
