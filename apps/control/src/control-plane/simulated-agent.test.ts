/*
 * Test support (not a spec; `*.test.ts` is left out of the build): an in-memory agent at the end of a
 * SessionTransport, for control-plane.property.spec.ts. It behaves like a vRouter agent: it applies config updates
 * and route batches to its own tables, in order, acks what it applied (at once, batched or lazily), sometimes reports
 * a full transport, drops a VRF's table itself when it unsubscribes, and starts empty on a session that was not
 * resumed. It also checks, as each message is sent, what the wire contract says about it (versions, window, the
 * first message of a session, routes only for subscribed VRFs, end-of-RIB only once the VRF's routes are all out).
 */
import type { AclConfig, InterfaceConfig, RoutePath, SecurityGroupConfig, VirtualRouterConfig, VrfConfig } from '#libs/routing';
import type { AgentSession, SessionTransport } from './control-plane.js';
import type { ConfigDelta, NoticeCode, SessionMessage } from './session-messages.js';

export interface AgentProfile {
  label: string;
  /** Messages applied per event-loop turn. */
  perTurn: number;
  /** `each`: ack every message as applied; `batch`: one ack per turn; `lazy`: one ack every other turn. */
  ack: 'each' | 'batch' | 'lazy';
  /** Chance that `send` answers false (transport full): the driver calls `drained()` `drainAfter` turns later. */
  busy: number;
  drainAfter: number;
  /** What a resuming hello reports as last_acked_version: the last ack sent, or the last message applied. */
  resumeFrom: 'acked' | 'applied';
}

/** The agent's config as it built it from the updates it applied. */
export interface AgentConfigCopy {
  virtualRouter: VirtualRouterConfig | undefined;
  position: number;
  interfaces: Map<string, InterfaceConfig>;
  vrfs: Map<string, VrfConfig>;
  acls: Map<string, AclConfig>;
  securityGroups: Map<string, SecurityGroupConfig>;
}

/** What the agent needs from its driver while messages arrive. */
export interface AgentDriver {
  /** A broken rule, with the agent and what was seen. */
  problem(message: string): void;
  /** Compares a VRF table the agent will have (applied tables + messages still queued) with the reference. */
  tableProblems(agent: string, vrf: string, table: ReadonlyMap<string, RoutePath[]>): string[];
  readonly window: number;
  readonly maxBatchRoutes: number;
}

const emptyConfig = (): AgentConfigCopy => ({
  virtualRouter: undefined,
  position: 0,
  interfaces: new Map(),
  vrfs: new Map(),
  acls: new Map(),
  securityGroups: new Map(),
});

/** One connection: control writes into it; what the agent has not applied yet waits in `inbox`. */
export class Link implements SessionTransport {
  readonly inbox: SessionMessage[] = [];
  ended: { code: string; message: string } | undefined;
  /** The agent went away without control noticing: what control still writes here is lost. */
  silentlyDead = false;
  /** The agent told control the connection ended. */
  closed = false;
  /** The version the next versioned message must carry. */
  nextVersion = 1;
  /** The first versioned message of a new session must be a full config. */
  expectFullConfig = false;
  /** The highest version acked on this connection (or reported by the resuming hello). */
  highestAck = 0;
  /**
   * Versions up to this one were sent before the connection (a resume continues numbering after the last version sent,
   * and what was in flight goes again under new versions): the window counts messages sent after it.
   */
  windowBase = 0;
  drainWait = 0;
  drainPending = false;
  lazyTick = 0;

  constructor(private readonly agent: SimulatedAgent) {}

  send(message: SessionMessage): boolean {
    return this.agent.receive(this, message);
  }

  end(reason: { code: 'replaced' | 'shutdown'; message: string }): void {
    this.ended = reason;
  }
}

export class SimulatedAgent {
  /** The connection the agent uses; undefined while it is disconnected. */
  link: Link | undefined;
  session: AgentSession | undefined;
  sessionId = '';
  config = emptyConfig();
  readonly tables = new Map<string, Map<string, RoutePath[]>>();
  /** VRFs the agent subscribed to (and control accepted) in this session. */
  readonly subscribed = new Set<string>();
  /** Subscribed VRFs whose end-of-RIB has not arrived yet. */
  readonly awaitingEndOfRib = new Set<string>();
  lastApplied = 0;
  lastAckSent = 0;
  /** The highest version control sent in this session, delivered or not (test bookkeeping, for resume checks). */
  controlLastSent = 0;
  readonly notices: Array<{ code: NoticeCode; message: string }> = [];
  /** Notices the driver expected and accounted for. */
  noticesAccounted = 0;
  /** Counters for the coverage tally. */
  readonly stats = { messages: 0, endOfRibsChecked: 0, busyAnswers: 0 };

  constructor(
    readonly name: string,
    readonly address: string,
    readonly profile: AgentProfile,
    private readonly random: () => number,
    private readonly driver: AgentDriver,
    private readonly counter: { sent: number },
  ) {}

  /** A session that was not resumed: the agent starts from nothing. */
  reset(): void {
    this.config = emptyConfig();
    this.tables.clear();
    this.subscribed.clear();
    this.awaitingEndOfRib.clear();
    this.lastApplied = 0;
    this.lastAckSent = 0;
    this.controlLastSent = 0;
  }

  /** Control accepted a subscription: a new, empty table (a subscribed VRF keeps its table). */
  subscribedTo(vrf: string): void {
    if (this.subscribed.has(vrf)) return;
    this.subscribed.add(vrf);
    this.tables.set(vrf, new Map());
    this.awaitingEndOfRib.add(vrf);
  }

  /** The agent unsubscribed: it drops the VRF's table itself. */
  unsubscribedFrom(vrf: string): void {
    this.subscribed.delete(vrf);
    this.tables.delete(vrf);
    this.awaitingEndOfRib.delete(vrf);
  }

  receive(link: Link, message: SessionMessage): boolean {
    const live = link === this.link && !link.closed;
    if (!live && !link.silentlyDead) {
      this.driver.problem(`${this.name}: control sent ${describeMessage(message)} on a connection that was closed or replaced`);
      return true;
    }
    if (message.kind === 'notice') {
      if (live) this.notices.push({ code: message.code, message: message.message });
      return true;
    }
    this.counter.sent += 1;
    this.stats.messages += 1;
    this.checkVersioned(link, message, live);
    this.controlLastSent = Math.max(this.controlLastSent, message.version);
    if (!live) return true;
    if (message.kind === 'end-of-rib') this.checkEndOfRib(link, message.vrf);
    link.inbox.push(structuredClone(message));
    if (this.profile.busy > 0 && this.random() < this.profile.busy) {
      this.stats.busyAnswers += 1;
      link.drainPending = true;
      link.drainWait = this.profile.drainAfter;
      return false;
    }
    return true;
  }

  /**
   * One event-loop turn of the agent: a due drained(), then up to perTurn messages applied, and acks. True when it
   * did something or still has work (messages, acks or a drained() due).
   */
  turn(): boolean {
    const link = this.link;
    const session = this.session;
    if (!link || !session) return false;
    let active = false;
    if (link.drainPending) {
      active = true;
      if (link.drainWait-- <= 0) {
        link.drainPending = false;
        session.drained();
      }
    }
    for (let n = 0; n < this.profile.perTurn && link.inbox.length > 0; n++) {
      this.apply(link.inbox.shift()!);
      active = true;
      if (this.profile.ack === 'each') this.ack(link, session);
    }
    if (this.lastApplied > this.lastAckSent) {
      active = true;
      if (this.profile.ack === 'batch' || (this.profile.ack === 'lazy' && link.lazyTick++ % 2 === 1)) this.ack(link, session);
    }
    return active || link.inbox.length > 0 || link.drainPending;
  }

  /** The version a resuming hello reports. */
  resumeVersion(): number {
    return this.profile.resumeFrom === 'applied' ? this.lastApplied : this.lastAckSent;
  }

  private ack(link: Link, session: AgentSession): void {
    if (this.lastApplied <= this.lastAckSent) return;
    this.lastAckSent = this.lastApplied;
    link.highestAck = Math.max(link.highestAck, this.lastApplied);
    session.ack(this.lastApplied);
  }

  private apply(message: SessionMessage): void {
    if (message.kind === 'notice') return;
    if (message.kind === 'config') applyConfig(this.config, message.update);
    else if (message.kind === 'routes') applyRoutes(this.tables, this.subscribed, message.updates);
    else if (this.subscribed.has(message.vrf)) this.awaitingEndOfRib.delete(message.vrf);
    this.lastApplied = message.version;
  }

  private checkVersioned(link: Link, message: Exclude<SessionMessage, { kind: 'notice' }>, live: boolean): void {
    const what = `${this.name}: ${describeMessage(message)}`;
    if (message.version !== link.nextVersion) this.driver.problem(`${what}: expected version ${link.nextVersion}`);
    link.nextVersion = message.version + 1;
    if (link.expectFullConfig && !(message.kind === 'config' && message.update.full)) {
      this.driver.problem(`${what}: the first message of a new session must be a full config`);
    }
    link.expectFullConfig = false;
    const unacked = message.version - Math.max(link.highestAck, link.windowBase);
    if (unacked > this.driver.window) {
      this.driver.problem(`${what}: ${unacked} messages unacked, beyond the window of ${this.driver.window} (last ack ${link.highestAck})`);
    }
    if (!live) return;
    if (message.kind === 'routes') {
      if (message.updates.length === 0 || message.updates.length > this.driver.maxBatchRoutes) {
        this.driver.problem(`${what}: ${message.updates.length} updates in one batch (max ${this.driver.maxBatchRoutes})`);
      }
      for (const update of message.updates) {
        if (!this.subscribed.has(update.vrf)) this.driver.problem(`${what}: an update of ${update.vrf} ${update.prefix}, a VRF the agent is not subscribed to`);
      }
    }
  }

  /**
   * An end-of-RIB must follow every route of the VRF: the table the agent will have once it has applied everything
   * queued before it must be the reference table right now.
   */
  private checkEndOfRib(link: Link, vrf: string): void {
    if (!this.subscribed.has(vrf)) {
      this.driver.problem(`${this.name}: end-of-RIB of ${vrf}, a VRF the agent is not subscribed to`);
      return;
    }
    const table = new Map(this.tables.get(vrf) ?? []);
    const subscribed = new Set([vrf]);
    const view = new Map([[vrf, table]]);
    for (const queued of link.inbox) if (queued.kind === 'routes') applyRoutes(view, subscribed, queued.updates);
    this.stats.endOfRibsChecked += 1;
    for (const problem of this.driver.tableProblems(this.name, vrf, table)) {
      this.driver.problem(`${this.name}: end-of-RIB of ${vrf} sent before its table was complete: ${problem}`);
    }
  }
}

function applyRoutes(tables: Map<string, Map<string, RoutePath[]>>, subscribed: ReadonlySet<string>, updates: ReadonlyArray<{ vrf: string; prefix: string; paths: RoutePath[] }>): void {
  for (const update of updates) {
    // Left over from an earlier subscription (in flight when the agent unsubscribed): nowhere to put it.
    if (!subscribed.has(update.vrf)) continue;
    const table = tables.get(update.vrf)!;
    if (update.paths.length === 0) table.delete(update.prefix);
    else table.set(update.prefix, update.paths);
  }
}

function applyConfig(config: AgentConfigCopy, update: ConfigDelta): void {
  if (update.full) {
    config.interfaces.clear();
    config.vrfs.clear();
    config.acls.clear();
    config.securityGroups.clear();
  }
  config.virtualRouter = update.virtualRouter;
  config.position = update.position;
  upsert(config.interfaces, update.interfaces, update.removedInterfaces, (i) => i.uuid);
  upsert(config.vrfs, update.vrfs, update.removedVrfs, (v) => v.name);
  upsert(config.acls, update.acls, update.removedAcls, (a) => a.name);
  upsert(config.securityGroups, update.securityGroups, update.removedSecurityGroups, (g) => g.uuid);
}

function upsert<T>(items: Map<string, T>, upserted: readonly T[], removed: readonly string[], key: (item: T) => string): void {
  for (const k of removed) items.delete(k);
  for (const item of upserted) items.set(key(item), item);
}

export function describeMessage(message: SessionMessage): string {
  switch (message.kind) {
    case 'config':
      return `config v${message.version} (${message.update.full ? 'full' : 'delta'})`;
    case 'routes':
      return `routes v${message.version} [${message.updates.map((u) => `${u.vrf} ${u.prefix}${u.paths.length === 0 ? ' withdrawn' : ''}`).join(', ')}]`;
    case 'end-of-rib':
      return `end-of-rib v${message.version} ${message.vrf}`;
    case 'notice':
      return `notice ${message.code}: ${message.message}`;
  }
}
