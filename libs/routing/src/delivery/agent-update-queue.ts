import { RoutingError } from '../rib/index.js';
import { DirtyKeys, type RouteKey } from './dirty-keys.js';
import type { Outgoing, QueueOptions, RouteLookup } from './outgoing.js';

/** What an in-flight message carried, enough to send it again: keys, not contents. */
type InFlight =
  | { version: number; kind: 'config' }
  | { version: number; kind: 'routes'; keys: RouteKey[] }
  | { version: number; kind: 'end-of-rib'; vrf: string };

/**
 * The outgoing queue of one agent session (proto/contrail/control/v1/agent.proto). It holds no route contents, only
 * which (vrf, prefix) keys are dirty; next() reads the best paths at send time, so any number of changes to a prefix
 * cost one entry and an agent that falls behind gets the latest state. Memory is bounded by the distinct keys of the
 * subscribed VRFs plus a window of in-flight messages.
 *
 * next() hands out, in priority order: a due config, route batches (dirty keys first-marked first, at most
 * maxBatchRoutes each), then the end-of-rib of each VRF whose keys have all been sent since it was subscribed. It
 * returns undefined when nothing is pending or `window` messages await an ack.
 */
export class AgentUpdateQueue {
  private readonly window: number;
  private readonly maxBatchRoutes: number;
  private readonly subscribed = new Set<string>();
  private readonly dirty = new DirtyKeys();
  /** VRFs whose end-of-rib is due once none of their keys is dirty, in subscription order. */
  private readonly endOfRib = new Set<string>();
  private configPending = false;
  private configFull = false;
  /** Sent, not acked: versions lastAcked+1 … lastSent, oldest first. */
  private readonly sent: InFlight[] = [];
  private lastSent = 0;
  private lastAcked = 0;

  constructor(
    private readonly lookup: RouteLookup,
    options: QueueOptions,
  ) {
    this.window = positiveInteger('window', options.window);
    this.maxBatchRoutes = positiveInteger('maxBatchRoutes', options.maxBatchRoutes);
  }

  get lastSentVersion(): number {
    return this.lastSent;
  }

  get lastAckedVersion(): number {
    return this.lastAcked;
  }

  /** Messages sent and not yet acked. */
  get inFlight(): number {
    return this.sent.length;
  }

  /** Dirty (vrf, prefix) keys waiting to be sent. */
  get pendingRoutes(): number {
    return this.dirty.size;
  }

  /**
   * Every prefix now in the VRF's table becomes dirty, and an end-of-rib for the VRF follows once all of them have
   * been sent. Subscribing again to a subscribed VRF does nothing.
   *
   * Keys of the VRF still in flight from an earlier subscription become dirty too: the agent may apply those old
   * messages to its new table, so each such key is sent again after them (a withdraw when the prefix is gone).
   */
  subscribe(vrf: string): void {
    if (this.subscribed.has(vrf)) return;
    this.subscribed.add(vrf);
    this.fill(vrf);
    for (const message of this.sent) {
      if (message.kind !== 'routes') continue;
      for (const key of message.keys) if (key.vrf === vrf) this.dirty.mark(vrf, key.prefix);
    }
  }

  /** Drops the VRF's dirty keys and pending end-of-rib; no withdraws are sent (the agent drops the table itself). */
  unsubscribe(vrf: string): void {
    if (!this.subscribed.delete(vrf)) return;
    this.dirty.dropVrf(vrf);
    this.endOfRib.delete(vrf);
  }

  isSubscribed(vrf: string): boolean {
    return this.subscribed.has(vrf);
  }

  /** The subscribed VRFs, in subscription order. */
  subscriptions(): string[] {
    return [...this.subscribed];
  }

  /** Marks (vrf, prefix) dirty when the VRF is subscribed; a key already dirty keeps its place. */
  routeChanged(vrf: string, prefix: string): void {
    if (this.subscribed.has(vrf)) this.dirty.mark(vrf, prefix);
  }

  /** The agent's config changed: a config message goes before any route (full when any request for it was full). */
  configChanged(full = false): void {
    this.configPending = true;
    this.configFull ||= full;
  }

  /** The next message to send, or undefined when nothing is pending or the window is full. */
  next(): Outgoing | undefined {
    if (this.sent.length >= this.window) return undefined;
    const version = this.lastSent + 1;
    if (this.configPending) {
      const full = this.configFull;
      this.configPending = this.configFull = false;
      return this.record({ version, kind: 'config' }, { version, kind: 'config', full });
    }
    if (this.dirty.size > 0) {
      const keys = this.dirty.take(this.maxBatchRoutes);
      const updates = keys.map(({ vrf, prefix }) => ({ vrf, prefix, paths: this.lookup.bestPaths(vrf, prefix) }));
      return this.record({ version, kind: 'routes', keys }, { version, kind: 'routes', updates });
    }
    for (const vrf of this.endOfRib) {
      if (this.dirty.countFor(vrf) > 0) continue;
      this.endOfRib.delete(vrf);
      return this.record({ version, kind: 'end-of-rib', vrf }, { version, kind: 'end-of-rib', vrf });
    }
    return undefined;
  }

  /**
   * The agent applied every message up to `version`. Acking the last ack again is harmless; below it or above the
   * last sent version throws a RoutingError (code `bad-ack`).
   */
  ack(version: number): void {
    if (!this.acceptable(version)) {
      throw new RoutingError(`ack of version ${version} is out of range: expected ${this.lastAcked} to ${this.lastSent}`, 'bad-ack');
    }
    let done = 0;
    while (done < this.sent.length && this.sent[done]!.version <= version) done++;
    this.sent.splice(0, done);
    this.lastAcked = version;
  }

  /**
   * Resume after a reconnect: the agent applied everything up to `lastAcked`. False (do a full resync: reset()) when
   * that is before the oldest in-flight message's predecessor or after the last sent version. Otherwise every
   * in-flight message after it is queued again — its keys dirty (still subscribed VRFs only), its config due as full,
   * its end-of-rib pending — and versions go on from the last one sent.
   */
  resume(lastAcked: number): boolean {
    if (!this.acceptable(lastAcked)) return false;
    this.ack(lastAcked);
    for (const message of this.sent.splice(0)) {
      if (message.kind === 'config') {
        this.configChanged(true);
      } else if (message.kind === 'routes') {
        for (const key of message.keys) this.routeChanged(key.vrf, key.prefix);
      } else if (this.subscribed.has(message.vrf)) {
        this.endOfRib.add(message.vrf);
      }
    }
    return true;
  }

  /**
   * Full resync: forgets in-flight messages (as if acked) and dirty keys, makes a full config due and subscribes every
   * subscribed VRF afresh (all its prefixes dirty, then its end-of-rib). Versions go on.
   */
  reset(): void {
    this.sent.length = 0;
    this.lastAcked = this.lastSent;
    this.dirty.clear();
    this.endOfRib.clear();
    this.configPending = this.configFull = true;
    for (const vrf of this.subscribed) this.fill(vrf);
  }

  private acceptable(version: number): boolean {
    return Number.isSafeInteger(version) && version >= this.lastAcked && version <= this.lastSent;
  }

  private fill(vrf: string): void {
    for (const [prefix] of this.lookup.table(vrf)) this.dirty.mark(vrf, prefix);
    this.endOfRib.add(vrf);
  }

  private record(inFlight: InFlight, message: Outgoing): Outgoing {
    this.sent.push(inFlight);
    this.lastSent = message.version;
    return message;
  }
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 1) throw new RoutingError(`${name} must be a positive integer, got ${value}`, 'bad-options');
  return value;
}
