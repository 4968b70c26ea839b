import { describe, expect, it } from '@jest/globals';
import { RoutingError, type RoutePath } from '../rib/index.js';
import { AgentUpdateQueue } from './agent-update-queue.js';
import type { Outgoing, QueueOptions, RouteLookup } from './outgoing.js';

function path(label: number, nextHop = '192.0.2.1'): RoutePath {
  return { nextHop, label, encapsulations: ['MPLSoUDP'], securityGroups: [], sequence: 0, localPreference: 0, agent: 'vr1', originVrf: 'red', stale: false };
}

/** A RouteLookup over plain maps; counts its reads. */
class FakeTables implements RouteLookup {
  readonly tables = new Map<string, Map<string, RoutePath[]>>();
  reads = 0;

  set(vrf: string, prefix: string, paths: RoutePath[]): void {
    let table = this.tables.get(vrf);
    if (table === undefined) this.tables.set(vrf, (table = new Map()));
    if (paths.length === 0) table.delete(prefix);
    else table.set(prefix, paths);
  }

  fill(vrf: string, count: number): string[] {
    const prefixes = Array.from({ length: count }, (_, i) => `10.${i >> 8}.${i & 255}.0/24`);
    for (const [i, prefix] of prefixes.entries()) this.set(vrf, prefix, [path(i)]);
    if (count === 0) this.tables.set(vrf, new Map());
    return prefixes;
  }

  bestPaths(vrf: string, prefix: string): RoutePath[] {
    this.reads++;
    return this.tables.get(vrf)?.get(prefix) ?? [];
  }

  table(vrf: string): Iterable<[string, RoutePath[]]> {
    return this.tables.get(vrf) ?? new Map();
  }
}

function setup(options: Partial<QueueOptions> = {}): { lookup: FakeTables; queue: AgentUpdateQueue } {
  const lookup = new FakeTables();
  return { lookup, queue: new AgentUpdateQueue(lookup, { window: 32, maxBatchRoutes: 256, ...options }) };
}

/** Every message next() gives until it gives none. */
function drain(queue: AgentUpdateQueue): Outgoing[] {
  const messages: Outgoing[] = [];
  for (let message = queue.next(); message !== undefined; message = queue.next()) messages.push(message);
  return messages;
}

/** A compact picture of messages: `1 config full`, `2 routes red 10.0.0.0/24=0,…`, `3 eor red`. */
function describeMessages(messages: readonly Outgoing[]): string[] {
  return messages.map((message) => {
    if (message.kind === 'config') return `${message.version} config${message.full ? ' full' : ''}`;
    if (message.kind === 'end-of-rib') return `${message.version} eor ${message.vrf}`;
    const entries = message.updates.map((entry) => `${entry.vrf} ${entry.prefix}=${entry.paths.map((p) => p.label).join('+') || '-'}`);
    return `${message.version} routes ${entries.join(',')}`;
  });
}

describe('AgentUpdateQueue subscriptions and end-of-rib', () => {
  it('sends the table of a new subscription, then its end-of-rib', () => {
    const { lookup, queue } = setup();
    lookup.fill('red', 3);
    queue.subscribe('red');
    expect(queue.pendingRoutes).toBe(3);
    expect(describeMessages(drain(queue))).toEqual(['1 routes red 10.0.0.0/24=0,red 10.0.1.0/24=1,red 10.0.2.0/24=2', '2 eor red']);
    expect(queue.lastSentVersion).toBe(2);
    expect(queue.inFlight).toBe(2);
    expect(queue.next()).toBeUndefined();
  });

  it('sends the end-of-rib of an empty VRF at once, and nothing again for a repeated subscribe', () => {
    const { lookup, queue } = setup();
    lookup.fill('red', 0);
    queue.subscribe('red');
    queue.subscribe('red');
    expect(describeMessages(drain(queue))).toEqual(['1 eor red']);
    lookup.fill('red', 1);
    queue.subscribe('red');
    expect(drain(queue)).toEqual([]);
    expect(queue.subscriptions()).toEqual(['red']);
    expect(queue.isSubscribed('red')).toBe(true);
    expect(queue.isSubscribed('blue')).toBe(false);
  });

  it('holds a VRF end-of-rib back while any of its keys is dirty', () => {
    const { lookup, queue } = setup({ maxBatchRoutes: 2 });
    const prefixes = lookup.fill('red', 3);
    queue.subscribe('red');
    expect(describeMessages([queue.next()!])).toEqual(['1 routes red 10.0.0.0/24=0,red 10.0.1.0/24=1']);
    // A key already sent changes again before the sync is over: the end-of-rib waits for it too.
    lookup.set('red', prefixes[0]!, [path(7)]);
    queue.routeChanged('red', prefixes[0]!);
    expect(describeMessages(drain(queue))).toEqual(['2 routes red 10.0.2.0/24=2,red 10.0.0.0/24=7', '3 eor red']);
  });

  it('sends routes before any end-of-rib, and each end-of-rib only after its own VRF is synced', () => {
    const { lookup, queue } = setup({ maxBatchRoutes: 2 });
    lookup.fill('red', 1);
    lookup.fill('blue', 3);
    queue.subscribe('red');
    queue.subscribe('blue');
    const messages = describeMessages(drain(queue));
    expect(messages).toEqual([
      '1 routes red 10.0.0.0/24=0,blue 10.0.0.0/24=0',
      '2 routes blue 10.0.1.0/24=1,blue 10.0.2.0/24=2',
      '3 eor red',
      '4 eor blue',
    ]);
  });

  it('unsubscribe drops the VRF keys and its pending end-of-rib, without withdraws', () => {
    const { lookup, queue } = setup();
    lookup.fill('red', 3);
    lookup.fill('blue', 1);
    queue.subscribe('red');
    queue.subscribe('blue');
    queue.unsubscribe('red');
    queue.unsubscribe('green');
    expect(queue.pendingRoutes).toBe(1);
    expect(queue.subscriptions()).toEqual(['blue']);
    queue.routeChanged('red', '10.0.0.0/24');
    expect(queue.pendingRoutes).toBe(1);
    expect(describeMessages(drain(queue))).toEqual(['1 routes blue 10.0.0.0/24=0', '2 eor blue']);
  });

  it('on a new subscription also sends again the keys of the VRF still in flight from the old one', () => {
    const { lookup, queue } = setup();
    lookup.fill('red', 2);
    queue.subscribe('red');
    expect(describeMessages(drain(queue))).toEqual(['1 routes red 10.0.0.0/24=0,red 10.0.1.0/24=1', '2 eor red']);
    // The agent unsubscribes and subscribes again before applying version 1; meanwhile a prefix went away. The old
    // message may land in the new table, so the gone prefix must be withdrawn after it.
    queue.unsubscribe('red');
    lookup.set('red', '10.0.1.0/24', []);
    queue.subscribe('red');
    expect(describeMessages(drain(queue))).toEqual(['3 routes red 10.0.0.0/24=0,red 10.0.1.0/24=-', '4 eor red']);
    // Once acked, nothing old is in flight: a subscription sends the table only.
    queue.ack(4);
    queue.unsubscribe('red');
    queue.subscribe('red');
    expect(describeMessages(drain(queue))).toEqual(['5 routes red 10.0.0.0/24=0', '6 eor red']);
  });

  it('ignores changes of VRFs the agent does not subscribe to', () => {
    const { queue } = setup();
    queue.routeChanged('red', '10.0.0.0/24');
    expect(queue.pendingRoutes).toBe(0);
    expect(queue.next()).toBeUndefined();
    expect(queue.lastSentVersion).toBe(0);
  });
});

describe('AgentUpdateQueue coalescing, batching and the window', () => {
  it('coalesces 1,000 changes of one prefix into one entry read at send time', () => {
    const { lookup, queue } = setup();
    lookup.fill('red', 0);
    queue.subscribe('red');
    for (let i = 0; i < 1000; i++) {
      lookup.set('red', '10.0.0.0/24', [path(i)]);
      queue.routeChanged('red', '10.0.0.0/24');
    }
    expect(queue.pendingRoutes).toBe(1);
    expect(lookup.reads).toBe(0);
    expect(describeMessages(drain(queue))).toEqual(['1 routes red 10.0.0.0/24=999', '2 eor red']);
    expect(lookup.reads).toBe(1);
  });

  it('keeps a re-marked key in its place and sends a withdraw for a prefix gone by send time', () => {
    const { lookup, queue } = setup();
    lookup.fill('red', 0);
    queue.subscribe('red');
    drain(queue);
    for (const prefix of ['10.0.0.1/32', '10.0.0.2/32', '10.0.0.1/32', '10.0.0.3/32']) {
      lookup.set('red', prefix, [path(1)]);
      queue.routeChanged('red', prefix);
    }
    lookup.set('red', '10.0.0.2/32', []);
    expect(describeMessages(drain(queue))).toEqual(['2 routes red 10.0.0.1/32=1,red 10.0.0.2/32=-,red 10.0.0.3/32=1']);
  });

  it('batches at most maxBatchRoutes routes per message', () => {
    const { lookup, queue } = setup({ maxBatchRoutes: 256 });
    const prefixes = lookup.fill('red', 600);
    queue.subscribe('red');
    const messages = drain(queue);
    expect(messages.map((message) => (message.kind === 'routes' ? message.updates.length : message.kind))).toEqual([256, 256, 88, 'end-of-rib']);
    const sent = messages.flatMap((message) => (message.kind === 'routes' ? message.updates.map((entry) => entry.prefix) : []));
    expect(sent).toEqual(prefixes);
  });

  it('stops at the window and lets acks free it', () => {
    const { lookup, queue } = setup({ window: 2, maxBatchRoutes: 1 });
    lookup.fill('red', 4);
    queue.subscribe('red');
    expect(queue.next()?.version).toBe(1);
    expect(queue.next()?.version).toBe(2);
    expect(queue.next()).toBeUndefined();
    expect(queue.inFlight).toBe(2);
    expect(queue.pendingRoutes).toBe(2);
    queue.ack(1);
    expect(queue.inFlight).toBe(1);
    expect(queue.lastAckedVersion).toBe(1);
    expect(queue.next()?.version).toBe(3);
    expect(queue.next()).toBeUndefined();
    queue.ack(3);
    expect(queue.inFlight).toBe(0);
    expect(describeMessages(drain(queue))).toEqual(['4 routes red 10.0.3.0/24=3', '5 eor red']);
    expect(queue.next()).toBeUndefined();
  });

  it('keeps memory to the distinct dirty keys for a slow consumer under 100k changes', () => {
    const { lookup, queue } = setup({ window: 4, maxBatchRoutes: 16 });
    const prefixes = lookup.fill('red', 1000);
    queue.subscribe('red');
    let state = 12345;
    const random = (): number => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;
    let highest = 0;
    let version = 0;
    for (let i = 0; i < 100_000; i++) {
      const prefix = prefixes[Math.floor(random() * prefixes.length)]!;
      lookup.set('red', prefix, [path(i)]);
      queue.routeChanged('red', prefix);
      highest = Math.max(highest, queue.pendingRoutes);
      // The consumer takes one message every 500 changes and acks it.
      if (i % 500 === 0) {
        const message = queue.next();
        if (message !== undefined) queue.ack((version = message.version));
      }
    }
    expect(highest).toBeLessThanOrEqual(prefixes.length);
    expect(queue.inFlight).toBeLessThanOrEqual(4);
    // Catching up gives the latest state of each prefix, once.
    const latest = new Map<string, number>();
    for (let message = queue.next(); message !== undefined || queue.inFlight > 0; message = queue.next()) {
      if (message === undefined) {
        queue.ack(queue.lastSentVersion);
        continue;
      }
      if (message.kind === 'routes') for (const entry of message.updates) latest.set(entry.prefix, entry.paths[0]!.label);
      version = message.version;
    }
    expect(version).toBe(queue.lastSentVersion);
    expect(queue.pendingRoutes).toBe(0);
    for (const [prefix, label] of latest) expect(label).toBe(lookup.bestPaths('red', prefix)[0]!.label);
  });
});

describe('AgentUpdateQueue config', () => {
  it('sends a due config before any route, once, full when any request was full', () => {
    const { lookup, queue } = setup();
    lookup.fill('red', 2);
    queue.subscribe('red');
    queue.configChanged();
    queue.configChanged(true);
    queue.configChanged();
    expect(describeMessages(drain(queue))).toEqual(['1 config full', '2 routes red 10.0.0.0/24=0,red 10.0.1.0/24=1', '3 eor red']);
    queue.configChanged();
    expect(describeMessages(drain(queue))).toEqual(['4 config']);
  });

  it('puts a config changed mid-sync ahead of the routes still waiting', () => {
    const { lookup, queue } = setup({ maxBatchRoutes: 1 });
    lookup.fill('red', 2);
    queue.subscribe('red');
    queue.next();
    queue.configChanged();
    expect(describeMessages(drain(queue))).toEqual(['2 config', '3 routes red 10.0.1.0/24=1', '4 eor red']);
  });
});

describe('AgentUpdateQueue acks, resume and reset', () => {
  it('refuses acks above the last sent version or below the last ack', () => {
    const { lookup, queue } = setup();
    lookup.fill('red', 1);
    queue.subscribe('red');
    drain(queue);
    expect(() => queue.ack(3)).toThrow(RoutingError);
    expect(() => queue.ack(3)).toThrow('ack of version 3 is out of range: expected 0 to 2');
    queue.ack(1);
    queue.ack(1);
    expect(() => queue.ack(0)).toThrow('expected 1 to 2');
    expect(() => queue.ack(1.5)).toThrow(RoutingError);
    expect(() => queue.ack(Number.NaN)).toThrow(RoutingError);
    try {
      queue.ack(9);
    } catch (error) {
      expect((error as RoutingError).code).toBe('bad-ack');
    }
    expect(queue.lastAckedVersion).toBe(1);
    expect(queue.inFlight).toBe(1);
  });

  it('resume sends again exactly the unacked keys, withdraws included, and the end-of-rib', () => {
    const { lookup, queue } = setup({ maxBatchRoutes: 2 });
    const prefixes = lookup.fill('red', 4);
    queue.configChanged(true);
    queue.subscribe('red');
    expect(describeMessages(drain(queue))).toEqual([
      '1 config full',
      '2 routes red 10.0.0.0/24=0,red 10.0.1.0/24=1',
      '3 routes red 10.0.2.0/24=2,red 10.0.3.0/24=3',
      '4 eor red',
    ]);
    lookup.set('red', prefixes[1]!, []);
    queue.routeChanged('red', prefixes[1]!);
    expect(describeMessages(drain(queue))).toEqual(['5 routes red 10.0.1.0/24=-']);
    queue.ack(2);
    // The agent reconnects having applied up to 2: versions 3, 4 and 5 are lost.
    expect(queue.resume(2)).toBe(true);
    expect(queue.inFlight).toBe(0);
    expect(queue.lastAckedVersion).toBe(2);
    expect(queue.pendingRoutes).toBe(3);
    expect(describeMessages(drain(queue))).toEqual(['6 routes red 10.0.2.0/24=2,red 10.0.3.0/24=3', '7 routes red 10.0.1.0/24=-', '8 eor red']);
  });

  it('resume after an ack the agent sent but control missed drops what it applied', () => {
    const { lookup, queue } = setup({ maxBatchRoutes: 1 });
    lookup.fill('red', 3);
    queue.subscribe('red');
    drain(queue);
    expect(queue.resume(2)).toBe(true);
    expect(queue.lastAckedVersion).toBe(2);
    expect(describeMessages(drain(queue))).toEqual(['5 routes red 10.0.2.0/24=2', '6 eor red']);
  });

  it('resume makes an unacked config due again, as full', () => {
    const { queue } = setup();
    queue.configChanged();
    expect(describeMessages(drain(queue))).toEqual(['1 config']);
    expect(queue.resume(0)).toBe(true);
    expect(describeMessages(drain(queue))).toEqual(['2 config full']);
  });

  it('resume with nothing lost sends nothing again', () => {
    const { lookup, queue } = setup();
    lookup.fill('red', 2);
    queue.subscribe('red');
    drain(queue);
    queue.ack(2);
    expect(queue.resume(2)).toBe(true);
    expect(queue.next()).toBeUndefined();
  });

  it('resume does not send again what belongs to a VRF unsubscribed since', () => {
    const { lookup, queue } = setup();
    lookup.fill('red', 2);
    lookup.fill('blue', 1);
    queue.subscribe('red');
    queue.subscribe('blue');
    drain(queue);
    queue.unsubscribe('red');
    expect(queue.resume(0)).toBe(true);
    expect(describeMessages(drain(queue))).toEqual(['4 routes blue 10.0.0.0/24=0', '5 eor blue']);
  });

  it('resume refuses a last ack below the last ack control saw or above the last sent version, changing nothing', () => {
    const { lookup, queue } = setup({ maxBatchRoutes: 1 });
    lookup.fill('red', 3);
    queue.subscribe('red');
    drain(queue);
    queue.ack(2);
    expect(queue.resume(1)).toBe(false);
    expect(queue.resume(5)).toBe(false);
    expect(queue.resume(-1)).toBe(false);
    expect(queue.resume(2.5)).toBe(false);
    expect(queue.inFlight).toBe(2);
    expect(queue.lastAckedVersion).toBe(2);
    expect(queue.pendingRoutes).toBe(0);
    expect(queue.resume(4)).toBe(true);
    expect(queue.inFlight).toBe(0);
    expect(queue.next()).toBeUndefined();
  });

  it('reset resends everything: full config, every subscribed table, each end-of-rib; versions go on', () => {
    const { lookup, queue } = setup({ window: 3 });
    lookup.fill('red', 2);
    lookup.fill('blue', 1);
    queue.subscribe('red');
    queue.subscribe('blue');
    queue.configChanged();
    expect(describeMessages(drain(queue))).toEqual(['1 config', '2 routes red 10.0.0.0/24=0,red 10.0.1.0/24=1,blue 10.0.0.0/24=0', '3 eor red']);
    lookup.set('blue', '10.9.9.0/24', [path(9)]);
    queue.routeChanged('blue', '10.9.9.0/24');
    queue.reset();
    expect(queue.inFlight).toBe(0);
    expect(queue.lastAckedVersion).toBe(3);
    expect(queue.pendingRoutes).toBe(4);
    expect(describeMessages(drain(queue))).toEqual([
      '4 config full',
      '5 routes red 10.0.0.0/24=0,red 10.0.1.0/24=1,blue 10.0.0.0/24=0,blue 10.9.9.0/24=9',
      '6 eor red',
    ]);
    queue.ack(6);
    expect(describeMessages(drain(queue))).toEqual(['7 eor blue']);
    expect(() => queue.ack(2)).toThrow(RoutingError);
  });

  it('refuses options that are not positive integers', () => {
    const lookup = new FakeTables();
    expect(() => new AgentUpdateQueue(lookup, { window: 0, maxBatchRoutes: 1 })).toThrow('window must be a positive integer, got 0');
    expect(() => new AgentUpdateQueue(lookup, { window: 1, maxBatchRoutes: 1.5 })).toThrow(RoutingError);
  });
});
