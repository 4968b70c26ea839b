import { createServer, isIPv6, type AddressInfo, type Server, type Socket } from 'node:net';
import { decideAdmission, DEFAULT_HOLD_TIME_SECONDS, DEFAULT_MAX_STANZA_BYTES, OPEN_TIME_SECONDS, type AdmissionDecision, type AgentIdentity } from '#libs/xmpp';
import { HelloRefused, type ControlPlane } from '../control-plane/control-plane.js';
import { XmppConnection, type CloseCategory, type ConnectionHost } from './xmpp-connection.js';
import { XmppTlsUpgrade, type XmppTlsOptions } from './xmpp-tls-upgrade.js';

export type XmppLog = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void;

export interface XmppBridgeOptions {
  /** TCP port; 0 = any free port (read it from `port` / `address` after listen()). */
  port: number;
  bindAddress: string;
  /** §1.4: nothing received for this long closes a session; keepalives go every third of it. Default 90. */
  holdTimeSeconds?: number;
  /** §1.2: the agent's header must come within this. Default 15. */
  openTimeSeconds?: number;
  /** Largest stanza accepted; a longer one closes the session. Default 1 MiB. */
  maxStanzaBytes?: number;
  /** After we close a session, how long the agent may take to close its side before the socket is destroyed. */
  closeGraceMs?: number;
  /** How long stop() waits for sockets to close before destroying them. Default 2000. */
  stopTimeoutMs?: number;
  /** Socket buffer level over which a write reports back-pressure (the control plane then waits for 'drain'). */
  highWaterMark?: number;
  /** §1.5 STARTTLS then mutual TLS (XMPP_TLS on or require); undefined: the plain dialect. */
  tls?: XmppTlsOptions;
  /** Called on every stanza over maxStanzaBytes (contrail_limit_hits_total{limit="xmpp_stanza_bytes"}). */
  onLimitHit?: (limit: 'xmpp_stanza_bytes') => void;
  log?: XmppLog;
}

/**
 * The longest a new connection is held unread when the control plane paces new sessions (AGENT_CONNECT_RATE): the
 * dialect has no way to say "retry later" (§1.2), so the agent's header simply waits in its socket; well within TF's
 * open time of 15 s. A connection whose slot is further away is closed unanswered: the agent reconnects on its timer.
 */
export const MAX_CONNECT_HOLD_MS = 5000;

export const DEFAULT_XMPP_PORT = 5269;

/** Traffic and session counters, for /metrics. */
export interface XmppBridgeCounters {
  bytesIn: number;
  bytesOut: number;
  /** Stanzas (iq, message) read from agents. */
  stanzasIn: number;
  /** Stanzas written to agents (route and end-of-RIB messages, config iqs). */
  stanzasOut: number;
  /** Items, stanzas and routes dropped with a log line while the session went on. */
  itemsRejected: number;
  sessionsEstablished: number;
}

/**
 * Tungsten Fabric's XMPP (../shared/specs/xmpp-dialect.md) on a TCP port, in front of the control plane: each
 * connection runs libs/xmpp's session machine and, once its stream header is admitted, is one agent session of the
 * ControlPlane (next to the gRPC agents, in the same routing tables). What travels where:
 *
 * * routes: each routes message becomes §4 route messages (one VRF and family each, ≤32 items or ≤256 retracts,
 *   never mixed); one control end-of-RIB per session once the VRFs subscribed so far had their initial sync;
 * * config: after the agent's config subscribe, the IF-MAP difference between what it was sent and its config now,
 *   in blocks of ≤16 objects;
 * * acks: the dialect has none, so a version is acked once its bytes were handed to the socket; a write that
 *   reports back-pressure makes control wait for the socket's 'drain' (its window and coalescing then work as for
 *   a slow gRPC agent);
 * * admission: sessions are keyed by agent name; the same name from another address is refused, from the same
 *   address it replaces the old connection (§1.1);
 * * a TCP close, an error, the hold time or the agent's `</stream:stream>` is a drop: graceful restart holds its
 *   routes for the control plane's hold time; a reconnecting agent starts a new session, republishes and sends
 *   its end-of-RIB, which sweeps what it did not republish.
 */
export class XmppBridge {
  private server: Server | undefined;
  private bound: AddressInfo | undefined;
  private readonly connections = new Set<XmppConnection>();
  /** Established sessions by agent name (decideAdmission's registry). */
  private readonly registry = new Map<string, XmppConnection>();
  private readonly closedWaiters = new Set<() => void>();
  /** Connections held unread until their slot (AGENT_CONNECT_RATE), with the timer that serves them then. */
  private readonly held = new Map<Socket, NodeJS.Timeout>();
  private stopping = false;
  readonly counters: XmppBridgeCounters = { bytesIn: 0, bytesOut: 0, stanzasIn: 0, stanzasOut: 0, itemsRejected: 0, sessionsEstablished: 0 };
  /** Sessions closed, by why. */
  readonly closedByReason = new Map<CloseCategory, number>();
  private readonly host: ConnectionHost;
  private readonly tlsUpgrade: XmppTlsUpgrade | undefined;

  constructor(
    private readonly plane: ControlPlane,
    private readonly options: XmppBridgeOptions,
  ) {
    const log: XmppLog = options.log ?? (() => undefined);
    this.tlsUpgrade = options.tls ? new XmppTlsUpgrade(options.tls.certificates, log) : undefined;
    const upgrade = this.tlsUpgrade;
    this.host = {
      holdTimeSeconds: options.holdTimeSeconds ?? DEFAULT_HOLD_TIME_SECONDS,
      openTimeSeconds: options.openTimeSeconds ?? OPEN_TIME_SECONDS,
      maxStanzaBytes: options.maxStanzaBytes ?? DEFAULT_MAX_STANZA_BYTES,
      closeGraceMs: options.closeGraceMs ?? 5000,
      admit: (connection, agent) => this.admit(connection, agent),
      sessionEnded: (connection, category) => this.sessionEnded(connection, category),
      socketClosed: (connection) => this.socketClosed(connection),
      hasVrf: (vrf) => this.plane.tables.hasVrf(vrf),
      stanzaTooLarge: () => options.onLimitHit?.('xmpp_stanza_bytes'),
      ...(options.tls && upgrade ? { tls: { mode: options.tls.mode, upgrade: (raw, handlers) => upgrade.upgrade(raw, handlers) } } : {}),
      counters: this.counters,
      log,
    };
  }

  /** Starts listening; resolves with the bound address (rejects on EADDRINUSE and the like). */
  async listen(): Promise<AddressInfo> {
    if (this.server) throw new Error('the XMPP bridge is already listening');
    const server = createServer({ noDelay: true, ...(this.options.highWaterMark === undefined ? {} : { highWaterMark: this.options.highWaterMark }) }, (socket) =>
      this.accept(socket),
    );
    await new Promise<void>((resolve, reject) => {
      const failed = (error: Error): void => reject(error);
      server.once('error', failed);
      server.listen(this.options.port, this.options.bindAddress, () => {
        server.off('error', failed);
        resolve();
      });
    });
    server.on('error', (error) => this.host.log('warn', 'xmpp listener error', { error: error.message }));
    this.server = server;
    this.bound = server.address() as AddressInfo;
    return this.bound;
  }

  /** The bound port (after listen()). */
  get port(): number {
    if (!this.bound) throw new Error('the XMPP bridge is not listening');
    return this.bound.port;
  }

  /** host:port as bound ([v6]:port for IPv6). */
  get address(): string {
    const host = this.options.bindAddress;
    return isIPv6(host) ? `[${host}]:${this.port}` : `${host}:${this.port}`;
  }

  /** Established sessions. */
  get sessions(): number {
    return this.registry.size;
  }

  /** Open TCP connections, with or without a session. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops listening and closes every connection cleanly (`</stream:stream>`, then the socket); sockets still open
   * after stopTimeoutMs are destroyed.
   */
  async stop(reason = 'the control service is shutting down'): Promise<void> {
    this.stopping = true;
    const server = this.server;
    const serverClosed = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    for (const [socket, timer] of this.held) {
      clearTimeout(timer);
      socket.destroy();
    }
    this.held.clear();
    for (const connection of [...this.connections]) connection.close('shutdown', reason);
    const timeoutMs = this.options.stopTimeoutMs ?? 2000;
    if (this.connections.size > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.closedWaiters.delete(done);
          for (const connection of this.connections) connection.destroy();
          resolve();
        }, timeoutMs);
        timer.unref();
        const done = (): void => {
          if (this.connections.size > 0) return;
          clearTimeout(timer);
          this.closedWaiters.delete(done);
          resolve();
        };
        this.closedWaiters.add(done);
      });
    }
    await serverClosed;
    this.tlsUpgrade?.close();
  }

  /**
   * A new connection: served at once, or — when new sessions come faster than AGENT_CONNECT_RATE — held unread until
   * its slot (the agent's header waits in the socket, the open time starts when it is served), or closed unanswered
   * when its slot is more than MAX_CONNECT_HOLD_MS away.
   */
  private accept(socket: Socket): void {
    if (this.stopping) {
      socket.destroy();
      return;
    }
    let admission;
    try {
      admission = this.plane.admit({}, { holdUpToMs: MAX_CONNECT_HOLD_MS });
    } catch (error) {
      if (!(error instanceof HelloRefused)) throw error;
      socket.destroy();
      return;
    }
    if (admission.kind === 'now') return this.serve(socket);
    const ignore = (): void => undefined;
    socket.on('error', ignore);
    if (admission.kind === 'later') {
      this.closedByReason.set('paced', (this.closedByReason.get('paced') ?? 0) + 1);
      socket.end();
      setTimeout(() => socket.destroy(), this.host.closeGraceMs).unref();
      return;
    }
    socket.pause();
    const forget = (): void => {
      clearTimeout(this.held.get(socket));
      this.held.delete(socket);
    };
    socket.once('close', forget);
    const timer = setTimeout(() => {
      this.held.delete(socket);
      socket.off('close', forget);
      socket.off('error', ignore);
      if (this.stopping || socket.destroyed) return;
      this.serve(socket);
      socket.resume();
    }, admission.waitMs);
    this.held.set(socket, timer);
  }

  private serve(socket: Socket): void {
    this.connections.add(new XmppConnection(socket, this.host));
  }

  /**
   * §1.1 on the bridge's own registry, then the control plane: a refusal of either closes the connection without a
   * header reply; a replaced connection is closed (control ends it as it opens the new session).
   */
  private admit(connection: XmppConnection, agent: AgentIdentity): AdmissionDecision<XmppConnection> {
    const decision = decideAdmission<XmppConnection>(
      { lookup: (name) => this.liveEntry(name) },
      { name: agent.name, remoteAddress: connection.remoteAddress },
    );
    if (decision.verdict === 'reject') return decision;
    try {
      const { session } = this.plane.open(
        {
          agentName: agent.name,
          address: connection.remoteAddress,
          peerAddress: connection.remoteAddress,
          certificateNames: connection.certificateNames,
          cluster: '',
          resumeSessionId: '',
          lastAckedVersion: 0,
          protocol: 'xmpp',
        },
        connection,
      );
      connection.attach(agent, session);
    } catch (error) {
      if (error instanceof HelloRefused) return { verdict: 'reject', reason: `agent ${agent.name} from ${connection.remoteAddress} refused: ${error.message}` };
      throw error;
    }
    if (decision.verdict === 'replace' && !decision.previous.closed) decision.previous.close('replaced', decision.reason, false);
    this.registry.set(agent.name, connection);
    this.counters.sessionsEstablished += 1;
    return decision;
  }

  private liveEntry(name: string): { remoteAddress: string; session: XmppConnection } | undefined {
    const connection = this.registry.get(name);
    return connection && !connection.closed ? { remoteAddress: connection.remoteAddress, session: connection } : undefined;
  }

  private sessionEnded(connection: XmppConnection, category: CloseCategory): void {
    const name = connection.agentName;
    if (name !== undefined && this.registry.get(name) === connection) this.registry.delete(name);
    this.closedByReason.set(category, (this.closedByReason.get(category) ?? 0) + 1);
  }

  private socketClosed(connection: XmppConnection): void {
    this.connections.delete(connection);
    for (const waiter of [...this.closedWaiters]) waiter();
  }
}
