import { XmlSyntaxError, XmppError } from '../errors.js';
import { CONTROL_NODE_JID, DEFAULT_HOLD_TIME_SECONDS, KEEPALIVE_BYTES, OPEN_TIME_SECONDS, STREAM_CLOSE } from '../dialect/constants.js';
import type { RouteFamily } from '../dialect/families.js';
import { PublishPairer } from '../dialect/publish.js';
import type { AgentRoute } from '../dialect/route-entry.js';
import { AGENT_STANZA_KINDS, decodeStanzaText, type Stanza } from '../dialect/stanza.js';
import { decodeStartTls, encodeProceed, encodeStreamError, encodeStreamFeatures, encodeTlsFailure, type StreamErrorCondition } from '../dialect/starttls.js';
import { decodeStreamHeader, encodeControlStreamHeader } from '../dialect/stream-header.js';
import type { ConfigSubject } from '../dialect/subscribe.js';
import { XmppFramer, type Frame } from '../framing/framer.js';
import type { AdmissionDecision } from './admission.js';

/**
 * awaiting-header → open → closed; with TLS offered (§1.5): awaiting-header → tls-offered (header and features sent,
 * waiting for <starttls/>) → tls-handshake (<proceed/> sent) → awaiting-header (the stream restarts over TLS) → open.
 */
export type SessionState = 'awaiting-header' | 'tls-offered' | 'tls-handshake' | 'open' | 'closed';

/** Who is at the other end, from the stream header (§1.1, §1.2). */
export interface AgentIdentity {
  /** The header's `from`: the agent name, which is its virtual-router's name. */
  name: string;
  remoteAddress: string;
  /** The header's default namespace: the agent's subcluster ('' when none). */
  subcluster: string;
  /** The header's `to`. */
  to: string;
}

/** What the agent asks of the control plane. */
export type AgentRequest =
  /** instanceId undefined: the agent gave none; it receives routes but may not publish there (§2). */
  | { kind: 'subscribe'; vrf: string; instanceId: number | undefined; noRibOut: boolean }
  | { kind: 'unsubscribe'; vrf: string }
  /** The good items of one publish + associate pair (bad ones come as 'rejected' actions). */
  | { kind: 'publish'; vrf: string; family: RouteFamily; routes: AgentRoute[] }
  | { kind: 'withdraw'; vrf: string; family: RouteFamily; prefixes: string[] }
  /** Empty publish + collection, or the `<message>` marker (§10.6: accept both). */
  | { kind: 'end-of-rib' }
  | { kind: 'config-subscribe'; subject: ConfigSubject }
  | { kind: 'config-unsubscribe'; subject: ConfigSubject };

/** What the bridge must do, in order. */
export type SessionAction =
  | { type: 'send'; data: string | Uint8Array }
  /** The header exchange is done: start the agent's config and route sync. */
  | { type: 'established'; agent: AgentIdentity }
  | { type: 'request'; request: AgentRequest }
  /** Something the agent sent was dropped; the session goes on. Log the reason. */
  | { type: 'rejected'; reason: string }
  /**
   * §1.5 step 5: after writing what was sent before (the <proceed/>), run the server side of a TLS handshake on the
   * same socket, then call tlsEstablished(now), or close(reason) when it fails. Bytes read meanwhile are TLS's.
   */
  | { type: 'start-tls' }
  /** End the connection after writing what was sent before; log the reason. Nothing follows. */
  | { type: 'close'; reason: string };

export interface ServerSessionOptions {
  /** The peer's socket address. */
  remoteAddress: string;
  /** Milliseconds (any epoch, the same as every later `now`) when the connection was accepted. */
  now: number;
  /** §1.4 default 90; keepalives every hold/3. */
  holdTimeSeconds?: number;
  /** §1.2 the header must arrive within this (default 15). */
  openTimeSeconds?: number;
  maxStanzaBytes?: number;
  /**
   * §1.5 STARTTLS: 'off' (default) is the plain dialect, no features sent; 'on' offers STARTTLS after the header
   * (an agent may still go on in plain text: it is admitted at its first stanza); 'require' offers it as TF does,
   * `<required/>`, and refuses an agent that sends anything but `<starttls/>` with a stream error.
   */
  tls?: 'off' | 'on' | 'require';
  /** When set, an agent whose header names another subcluster is refused ("Subcluster mismatch", §1.1). */
  subcluster?: string;
  controlJid?: string;
  /**
   * Called once with the identity from the header, before the reply: decideAdmission over the bridge's registry
   * fits (on 'replace' the bridge closes the previous session). Default: accept everyone.
   */
  admit?: (agent: AgentIdentity) => AdmissionDecision<unknown>;
  /**
   * TF closes the session on a duplicate subscribe, an unsubscribe without subscribe and a route published in an
   * instance not subscribed (or subscribed without instance-id) (§2). Default true.
   */
  enforceSubscriptions?: boolean;
}

/**
 * The control node's side of one agent session, as a pure state machine: bytes, decoded stanzas and clock ticks in;
 * actions out. No sockets, no timers: the bridge calls tick(now) by nextDeadline() and reports what it wrote itself
 * with noteSent(now) (so keepalives go only on an idle stream).
 */
export class XmppServerSession {
  private currentState: SessionState = 'awaiting-header';
  private identity: AgentIdentity | undefined;
  private framer: XmppFramer;
  /** The TLS handshake is done: the stream restarted over TLS (§1.5 step 6). */
  private tlsDone = false;
  private handshakeStartedAt = 0;
  private readonly pairer = new PublishPairer();
  private readonly subscriptions = new Map<string, number | undefined>();
  private openedAt: number;
  private lastReceived: number;
  private lastSent: number;
  readonly holdTimeMs: number;
  readonly keepaliveIntervalMs: number;
  private readonly openTimeMs: number;

  constructor(private readonly options: ServerSessionOptions) {
    this.framer = new XmppFramer(options.maxStanzaBytes === undefined ? {} : { maxStanzaBytes: options.maxStanzaBytes });
    this.holdTimeMs = (options.holdTimeSeconds ?? DEFAULT_HOLD_TIME_SECONDS) * 1000;
    this.keepaliveIntervalMs = this.holdTimeMs / 3;
    this.openTimeMs = (options.openTimeSeconds ?? OPEN_TIME_SECONDS) * 1000;
    this.openedAt = this.lastReceived = this.lastSent = options.now;
  }

  get state(): SessionState {
    return this.currentState;
  }

  /** Known once the header arrived. */
  get agent(): AgentIdentity | undefined {
    return this.identity;
  }

  /** The stream runs over TLS (§1.5). */
  get secured(): boolean {
    return this.tlsDone;
  }

  /** VRFs the agent subscribed to, with their instance-ids. */
  get subscribedVrfs(): ReadonlyMap<string, number | undefined> {
    return this.subscriptions;
  }

  /** Bytes read from the socket. Any bytes restart the hold timer (§1.4). */
  received(bytes: Uint8Array, now: number): SessionAction[] {
    if (this.currentState === 'closed') return [];
    this.lastReceived = now;
    let frames: Frame[];
    try {
      frames = this.framer.push(bytes);
    } catch (error) {
      if (error instanceof XmppError) return this.closeWith(`unreadable stream from ${this.describePeer()}: ${error.message}`);
      throw error;
    }
    const actions: SessionAction[] = [];
    for (const frame of frames) {
      const frameActions = this.handleFrame(frame, now);
      actions.push(...frameActions);
      if (frameActions.some((action) => action.type === 'close')) break;
    }
    return actions;
  }

  /** One frame (for bridges that frame themselves; received() calls this). */
  handleFrame(frame: Frame, now: number): SessionAction[] {
    if (this.currentState === 'closed') return [];
    switch (frame.kind) {
      case 'stream-open':
        if (this.currentState !== 'awaiting-header') return this.closeWith(`${this.describePeer()} sent a second stream header`);
        return this.offersTls && !this.tlsDone ? this.onHeaderBeforeTls(frame.xml, now) : this.onHeader(frame.xml, now);
      case 'stream-close':
        return this.closeWith(`${this.describePeer()} closed the stream`);
      case 'stanza': {
        if (this.currentState === 'awaiting-header') return this.closeWith(`<${frame.name}> before the stream header from ${this.options.remoteAddress}`);
        if (this.currentState === 'tls-offered') return this.onFrameBeforeTls(frame, now);
        if (this.currentState === 'tls-handshake') return this.closeWith(`<${frame.name}> from ${this.describePeer()} in the middle of the TLS handshake`);
        let stanza: Stanza;
        try {
          stanza = decodeStanzaText(frame.xml);
        } catch (error) {
          if (error instanceof XmlSyntaxError) return this.closeWith(`malformed XML in <${frame.name}> from ${this.describePeer()}: ${error.message}`);
          if (error instanceof XmppError) return [{ type: 'rejected', reason: `<${frame.name}> from ${this.describePeer()} dropped: ${error.message}` }];
          throw error;
        }
        return this.handleStanza(stanza, now);
      }
    }
  }

  /** One decoded stanza from the agent. */
  handleStanza(stanza: Stanza, _now: number): SessionAction[] {
    if (this.currentState !== 'open') return this.currentState === 'closed' ? [] : this.closeWith(`${stanza.kind} before the stream header`);
    if (!AGENT_STANZA_KINDS.has(stanza.kind)) return [{ type: 'rejected', reason: `${stanza.kind} from ${this.describePeer()} dropped: only the control node sends it` }];
    const enforce = this.options.enforceSubscriptions ?? true;
    switch (stanza.kind) {
      case 'vrf-subscribe':
        if (enforce && this.subscriptions.has(stanza.vrf)) return this.closeWith(`${this.describePeer()} subscribed to ${stanza.vrf} twice`);
        this.subscriptions.set(stanza.vrf, stanza.instanceId);
        return [request({ kind: 'subscribe', vrf: stanza.vrf, instanceId: stanza.instanceId, noRibOut: stanza.noRibOut })];
      case 'vrf-unsubscribe':
        if (enforce && !this.subscriptions.has(stanza.vrf)) return this.closeWith(`${this.describePeer()} unsubscribed from ${stanza.vrf} without a subscribe`);
        this.subscriptions.delete(stanza.vrf);
        return [request({ kind: 'unsubscribe', vrf: stanza.vrf })];
      case 'config-subscribe':
        return [request({ kind: 'config-subscribe', subject: stanza.subject })];
      case 'config-unsubscribe':
        return [request({ kind: 'config-unsubscribe', subject: stanza.subject })];
      case 'end-of-rib':
        return [request({ kind: 'end-of-rib' })];
      case 'publish': {
        const dropped = this.pairer.publish(stanza);
        return dropped === undefined ? [] : [{ type: 'rejected', reason: `${this.describePeer()}: ${dropped}` }];
      }
      case 'collection':
        return this.onCollection(stanza, enforce);
      default:
        return [];
    }
  }

  private onCollection(stanza: Extract<Stanza, { kind: 'collection' }>, enforce: boolean): SessionAction[] {
    const outcome = this.pairer.collection(stanza);
    switch (outcome.kind) {
      case 'dropped':
        return [{ type: 'rejected', reason: `${this.describePeer()}: ${outcome.reason}` }];
      case 'end-of-rib':
        return [request({ kind: 'end-of-rib' })];
      case 'publish':
      case 'withdraw': {
        if (enforce) {
          if (!this.subscriptions.has(outcome.vrf)) return this.closeWith(`${this.describePeer()} sent a route in ${outcome.vrf} without subscribing to it`);
          if (this.subscriptions.get(outcome.vrf) === undefined) {
            return this.closeWith(`${this.describePeer()} sent a route in ${outcome.vrf}, subscribed without an instance-id`);
          }
        }
        const actions: SessionAction[] = outcome.rejected.map((rejection) => ({
          type: 'rejected' as const,
          reason: `${this.describePeer()}: ${outcome.kind === 'publish' ? 'route' : 'withdraw'} item ${rejection.index} in ${outcome.vrf} (${outcome.family}) dropped: ${rejection.reason}`,
        }));
        if (outcome.kind === 'publish' && outcome.routes.length > 0) {
          actions.push(request({ kind: 'publish', vrf: outcome.vrf, family: outcome.family, routes: outcome.routes }));
        } else if (outcome.kind === 'withdraw' && outcome.prefixes.length > 0) {
          actions.push(request({ kind: 'withdraw', vrf: outcome.vrf, family: outcome.family, prefixes: outcome.prefixes }));
        }
        return actions;
      }
    }
  }

  /**
   * The clock: closes a session whose header did not come within the open time or that received nothing for the
   * hold time; sends a keepalive when nothing was sent for hold/3 (§1.4).
   */
  tick(now: number): SessionAction[] {
    if (this.currentState === 'awaiting-header') {
      const after = this.tlsDone ? ' of the TLS handshake' : '';
      return now - this.openedAt >= this.openTimeMs ? this.closeWith(`no stream header from ${this.options.remoteAddress} within ${this.openTimeMs / 1000} s${after}`) : [];
    }
    if (this.currentState === 'tls-offered') {
      // §1.5: TF runs the hold timer in OpenConfirm; nothing is sent meanwhile (no keepalive in the negotiation).
      if (now - this.lastReceived < this.holdTimeMs) return [];
      return this.closeWith(`hold time expired: ${this.describePeer()} sent nothing for ${this.holdTimeMs / 1000} s after STARTTLS was offered`);
    }
    if (this.currentState === 'tls-handshake') {
      if (now - this.handshakeStartedAt < this.openTimeMs) return [];
      return this.closeWith(`the TLS handshake with ${this.describePeer()} did not finish within ${this.openTimeMs / 1000} s`);
    }
    if (this.currentState !== 'open') return [];
    if (now - this.lastReceived >= this.holdTimeMs) {
      return this.closeWith(`hold time expired: nothing received from ${this.describePeer()} for ${this.holdTimeMs / 1000} s`);
    }
    if (now - this.lastSent >= this.keepaliveIntervalMs) {
      this.lastSent = now;
      return [{ type: 'send', data: KEEPALIVE_BYTES }];
    }
    return [];
  }

  /** When tick() next has something to do (ms, same clock as `now`); Infinity once closed. */
  nextDeadline(): number {
    if (this.currentState === 'awaiting-header') return this.openedAt + this.openTimeMs;
    if (this.currentState === 'tls-offered') return this.lastReceived + this.holdTimeMs;
    if (this.currentState === 'tls-handshake') return this.handshakeStartedAt + this.openTimeMs;
    if (this.currentState === 'closed') return Infinity;
    return Math.min(this.lastReceived + this.holdTimeMs, this.lastSent + this.keepaliveIntervalMs);
  }

  /** The bridge wrote to the agent (route or config messages): the stream is not idle. */
  noteSent(now: number): void {
    if (now > this.lastSent) this.lastSent = now;
  }

  /** Ends the session from our side (replaced, shutting down): the stream end tag, then close. */
  close(reason: string): SessionAction[] {
    return this.currentState === 'closed' ? [] : this.closeWith(reason);
  }

  /**
   * §1.5 step 5 done: the TLS handshake the 'start-tls' action asked for succeeded. The stream restarts: a fresh
   * framer, and the agent's header is awaited again (within the open time), which is then admitted (step 6).
   */
  tlsEstablished(now: number): SessionAction[] {
    if (this.currentState !== 'tls-handshake') return [];
    this.tlsDone = true;
    this.currentState = 'awaiting-header';
    this.openedAt = this.lastReceived = this.lastSent = now;
    this.framer = new XmppFramer(this.options.maxStanzaBytes === undefined ? {} : { maxStanzaBytes: this.options.maxStanzaBytes });
    return [];
  }

  private get offersTls(): boolean {
    return this.options.tls === 'on' || this.options.tls === 'require';
  }

  /** The header, admitted (§1.1) and answered; after TLS, the agent must still be the one that started it. */
  private onHeader(xml: string, now: number): SessionAction[] {
    const before = this.identity;
    const agent = this.agentOf(xml);
    if (!('name' in agent)) return agent;
    if (before !== undefined && agent.name !== before.name) {
      return this.closeWith(`${agent.name} (${this.options.remoteAddress}) restarted the stream after TLS under another name than ${before.name}`);
    }
    return this.admitAgent(agent, now, true);
  }

  /**
   * §1.5 steps 1-2: the header is checked but not admitted yet (admission waits for the stream over TLS, as TF's
   * OpenConfirm does); the control node answers its header and the features offering STARTTLS.
   */
  private onHeaderBeforeTls(xml: string, now: number): SessionAction[] {
    const agent = this.agentOf(xml);
    if (!('name' in agent)) return agent;
    this.currentState = 'tls-offered';
    this.lastSent = now;
    return [
      { type: 'send', data: encodeControlStreamHeader(agent.name, this.options.controlJid ?? CONTROL_NODE_JID) },
      { type: 'send', data: encodeStreamFeatures({ required: this.options.tls === 'require' }) },
    ];
  }

  /**
   * §1.5 steps 3-4: `<starttls/>` is answered `<proceed/>` and the handshake starts. Anything else: with 'require'
   * the agent is refused (a stream error says why); with 'on' it chose to stay plain and is admitted now.
   */
  private onFrameBeforeTls(frame: Extract<Frame, { kind: 'stanza' }>, now: number): SessionAction[] {
    if (frame.name === 'starttls') {
      try {
        decodeStartTls(frame.xml);
      } catch (error) {
        if (!(error instanceof XmppError)) throw error;
        // RFC 6120 §5.4.2.2: <failure/>, then the stream ends.
        return this.closeWith(`bad <starttls> from ${this.describePeer()}: ${error.message}`, [encodeTlsFailure()]);
      }
      this.currentState = 'tls-handshake';
      this.handshakeStartedAt = now;
      return [{ type: 'send', data: encodeProceed() }, { type: 'start-tls' }];
    }
    if (this.options.tls === 'require') {
      const reason = `${this.describePeer()} sent <${frame.name}> without starting TLS: this control node requires TLS (xmpp-dialect.md §1.5)`;
      return this.closeWithStreamError('policy-violation', reason);
    }
    const admitted = this.admitAgent(this.identity!, now, false);
    if (this.currentState !== 'open') return admitted;
    return [...admitted, ...this.handleFrame(frame, now)];
  }

  /** The agent from its header, or the actions closing the session when the header is bad (§1.1, §1.2). */
  private agentOf(xml: string): AgentIdentity | SessionAction[] {
    let header;
    try {
      header = decodeStreamHeader(xml);
    } catch (error) {
      if (error instanceof XmppError) return this.closeWith(`bad stream header from ${this.options.remoteAddress}: ${error.message}`);
      throw error;
    }
    if (header.from.trim() === '') return this.closeWith(`stream header from ${this.options.remoteAddress} has no from (the agent name)`);
    const agent: AgentIdentity = { name: header.from, remoteAddress: this.options.remoteAddress, subcluster: header.xmlns, to: header.to };
    this.identity = agent;
    if (this.options.subcluster !== undefined && header.xmlns !== this.options.subcluster) {
      return this.closeWith(`Subcluster mismatch: agent ${agent.name} is in ${JSON.stringify(header.xmlns)}, this control node serves ${JSON.stringify(this.options.subcluster)}`);
    }
    return agent;
  }

  /** §1.1 admission; then the reply header (unless it went already, before the features) and 'established'. */
  private admitAgent(agent: AgentIdentity, now: number, replyHeader: boolean): SessionAction[] {
    const decision = this.options.admit?.(agent) ?? { verdict: 'accept' };
    if (decision.verdict === 'reject') return this.closeWith(decision.reason);
    this.currentState = 'open';
    this.lastSent = now;
    const header: SessionAction[] = replyHeader ? [{ type: 'send', data: encodeControlStreamHeader(agent.name, this.options.controlJid ?? CONTROL_NODE_JID) }] : [];
    return [...header, { type: 'established', agent }];
  }

  /** RFC 6120 §4.9: the error and the stream end, then close. */
  private closeWithStreamError(condition: StreamErrorCondition, reason: string): SessionAction[] {
    return this.closeWith(reason, [encodeStreamError(condition, reason)]);
  }

  /**
   * Ends the session. An open stream (established, or in plain text with STARTTLS offered) gets `before` and
   * `</stream:stream>`; before the header, during the handshake or before the header over TLS nothing is written.
   */
  private closeWith(reason: string, before: readonly string[] = []): SessionAction[] {
    const wasOpen = this.currentState === 'open' || this.currentState === 'tls-offered';
    this.currentState = 'closed';
    const actions: SessionAction[] = wasOpen ? [...before.map((data): SessionAction => ({ type: 'send', data })), { type: 'send', data: STREAM_CLOSE }] : [];
    actions.push({ type: 'close', reason });
    return actions;
  }

  private describePeer(): string {
    return this.identity === undefined ? this.options.remoteAddress : `agent ${this.identity.name} (${this.options.remoteAddress})`;
  }
}

function request(value: AgentRequest): SessionAction {
  return { type: 'request', request: value };
}
