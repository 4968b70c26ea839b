import { describe, expect, it } from '@jest/globals';
import { RoutingTables, type RoutePath } from '../rib/index.js';
import { AgentUpdateQueue } from './agent-update-queue.js';
import type { Outgoing } from './outgoing.js';
import { mulberry32 as prng } from '../../../../test/support/seeded-random.js';

const VRFS = ['red', 'blue', 'green'];
const PREFIXES = Array.from({ length: 12 }, (_, i) => `10.0.0.${i}/32`);

/**
 * The agent end of a session: messages arrive in its inbox in order, it applies some and acks; a disconnect loses
 * what it had not applied. It keeps a table per subscribed VRF and drops it on unsubscribe.
 */
class SimulatedAgent {
  inbox: Outgoing[] = [];
  applied = 0;
  /** After a resume, versions go on from the last one control sent: the first one may skip. */
  resumed = false;
  readonly tables = new Map<string, Map<string, RoutePath[]>>();
  /** The VRFs whose end-of-rib came, for the current subscription. */
  readonly synced = new Set<string>();
  /** The last version control had sent when the agent subscribed (this simulation knows it; a real agent cannot). */
  private readonly subscribedAfter = new Map<string, number>();

  subscribe(vrf: string, lastSent: number): void {
    this.tables.set(vrf, new Map());
    this.subscribedAfter.set(vrf, lastSent);
  }

  unsubscribe(vrf: string): void {
    this.tables.delete(vrf);
    this.synced.delete(vrf);
    this.subscribedAfter.delete(vrf);
  }

  /** Whether this end-of-rib belongs to the current subscription of its VRF (not one unsubscribed since). */
  current(message: Outgoing & { kind: 'end-of-rib' }): boolean {
    const after = this.subscribedAfter.get(message.vrf);
    return after !== undefined && message.version > after;
  }

  /** Applies the oldest message; returns it. */
  applyOne(): Outgoing {
    const message = this.inbox.shift()!;
    if (this.resumed) expect(message.version).toBeGreaterThan(this.applied);
    else expect(message.version).toBe(this.applied + 1);
    this.resumed = false;
    this.applied = message.version;
    if (message.kind === 'routes') {
      for (const entry of message.updates) {
        const table = this.tables.get(entry.vrf);
        if (table === undefined) continue;
        if (entry.paths.length === 0) table.delete(entry.prefix);
        else table.set(entry.prefix, entry.paths);
      }
    } else if (message.kind === 'end-of-rib' && this.current(message)) {
      this.synced.add(message.vrf);
    }
    return message;
  }
}

function asObject(table: Iterable<[string, RoutePath[]]>): Record<string, unknown> {
  return Object.fromEntries([...table].sort(([a], [b]) => (a < b ? -1 : 1)));
}

describe('AgentUpdateQueue with RoutingTables and a lossy agent', () => {
  it.each([1, 7, 99, 2024])('brings the agent to the tables state through drops, resumes and resets (seed %p)', (seed) => {
    const random = prng(seed);
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
    const tables = new RoutingTables();
    tables.setVrf('red', ['t:red', 't:shared'], ['t:red', 't:shared']);
    tables.setVrf('blue', ['t:blue', 't:shared'], ['t:blue', 't:shared']);
    tables.setVrf('green', ['t:green', 't:red'], ['t:green']);
    const queue = new AgentUpdateQueue(tables, { window: 4, maxBatchRoutes: 3 });
    const agent = new SimulatedAgent();
    /** What the table of a VRF was when its end-of-rib was sent, by version. */
    const atEndOfRib = new Map<number, Record<string, unknown>>();
    const counts = { resumes: 0, resets: 0, endOfRibs: 0 };

    for (let i = 0; i < 3000; i++) {
      const roll = random();
      if (roll < 0.35) {
        const attributes = { nextHop: pick(['192.0.2.1', '192.0.2.2']), label: i, encapsulations: ['MPLSoUDP'], securityGroups: [], sequence: Math.floor(random() * 2), localPreference: 0 };
        for (const change of tables.publish(pick(['vr1', 'vr2']), pick(VRFS), pick(PREFIXES), attributes)) queue.routeChanged(change.vrf, change.prefix);
      } else if (roll < 0.5) {
        for (const change of tables.withdraw(pick(['vr1', 'vr2']), pick(VRFS), pick(PREFIXES))) queue.routeChanged(change.vrf, change.prefix);
      } else if (roll < 0.55) {
        const vrf = pick(VRFS);
        if (queue.isSubscribed(vrf) && random() < 0.5) {
          agent.unsubscribe(vrf);
          queue.unsubscribe(vrf);
        } else if (!queue.isSubscribed(vrf)) {
          agent.subscribe(vrf, queue.lastSentVersion);
          queue.subscribe(vrf);
        }
      } else if (roll < 0.58) {
        queue.configChanged(random() < 0.2);
      } else if (roll < 0.8) {
        // The transport takes what the window allows.
        for (let message = queue.next(); message !== undefined; message = queue.next()) {
          if (message.kind === 'end-of-rib') atEndOfRib.set(message.version, asObject(tables.table(message.vrf)));
          agent.inbox.push(message);
        }
      } else if (roll < 0.97) {
        // The agent applies a few and maybe acks.
        const count = Math.floor(random() * 3);
        for (let n = 0; n < count && agent.inbox.length > 0; n++) {
          const message = agent.applyOne();
          if (message.kind === 'end-of-rib' && agent.current(message)) {
            counts.endOfRibs++;
            expect(asObject(agent.tables.get(message.vrf)!)).toEqual(atEndOfRib.get(message.version));
          }
        }
        if (random() < 0.7 && agent.applied > queue.lastAckedVersion) queue.ack(agent.applied);
      } else {
        // The connection drops: what the agent had not applied is lost.
        agent.inbox = [];
        if (random() < 0.8) {
          counts.resumes++;
          expect(queue.resume(agent.applied)).toBe(true);
          agent.resumed = true;
        } else {
          counts.resets++;
          for (const vrf of agent.tables.keys()) agent.tables.set(vrf, new Map());
          agent.synced.clear();
          queue.reset();
          agent.applied = queue.lastSentVersion;
        }
      }
      expect(queue.inFlight).toBeLessThanOrEqual(4);
      expect(queue.pendingRoutes).toBeLessThanOrEqual(VRFS.length * PREFIXES.length);
    }

    // Let it settle: send, apply and ack until nothing is left.
    while (queue.inFlight > 0 || agent.inbox.length > 0 || queue.pendingRoutes > 0) {
      for (let message = queue.next(); message !== undefined; message = queue.next()) agent.inbox.push(message);
      while (agent.inbox.length > 0) agent.applyOne();
      queue.ack(agent.applied);
    }
    for (let message = queue.next(); message !== undefined; message = queue.next()) agent.inbox.push(message);
    while (agent.inbox.length > 0) agent.applyOne();

    expect(queue.subscriptions().sort()).toEqual([...agent.tables.keys()].sort());
    for (const vrf of queue.subscriptions()) {
      expect({ vrf, table: asObject(agent.tables.get(vrf)!) }).toEqual({ vrf, table: asObject(tables.table(vrf)) });
      expect(agent.synced.has(vrf)).toBe(true);
    }
    expect(counts.resumes).toBeGreaterThan(10);
    expect(counts.resets).toBeGreaterThan(2);
    expect(counts.endOfRibs).toBeGreaterThan(5);
  });
});
