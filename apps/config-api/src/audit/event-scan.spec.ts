import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { SqliteEventStore, type EventStore, type ReadAllOptions, type RecordedEvent } from '#libs/event-store';
import { parseEventQuery } from './event-filter.js';
import { firstRevisionAfter, scanEvents } from './event-scan.js';

const A = 'aaaaaaaa-0000-4000-8000-000000000001';
const B = 'bbbbbbbb-0000-4000-8000-000000000002';

let store: SqliteEventStore;
let reads: { all: number; stream: number };
/** The store as the scanner sees it, counting reads. */
let reader: Pick<EventStore, 'readAll' | 'readStream'>;

beforeEach(() => {
  store = new SqliteEventStore({ path: ':memory:' });
  reads = { all: 0, stream: 0 };
  reader = {
    readAll: (options?: ReadAllOptions) => {
      reads.all++;
      return store.readAll(options);
    },
    readStream: (id, options) => {
      reads.stream++;
      return store.readStream(id, options);
    },
  };
});

afterEach(async () => {
  await store.close();
});

/** `n` events, alternating between two streams, by alice (odd) and bob (even). */
async function history(n: number): Promise<RecordedEvent[]> {
  for (let i = 1; i <= n; i++) {
    await store.append(i % 2 ? 'odd' : 'even', [{ type: 'Happened', data: { i }, metadata: { actor: i % 2 ? 'alice' : 'bob', source: 'rest' } }]);
  }
  return store.readAll({ limit: n });
}

const positions = (events: RecordedEvent[]) => events.map((e) => e.globalPosition);

describe('scanEvents', () => {
  it('pages through the log with the cursor, and says when the end is reached', async () => {
    const all = await history(10);
    const seen: RecordedEvent[] = [];
    const cursors: Array<number | null> = [];
    let after = 0;
    for (;;) {
      const page = await scanEvents(reader, parseEventQuery({ after: String(after), limit: '4' }), { readPage: 3 });
      seen.push(...page.events);
      cursors.push(page.next);
      if (page.next === null) break;
      after = page.next;
    }
    expect(positions(seen)).toEqual(positions(all));
    expect(cursors).toEqual([4, 8, null]);
  });

  it('answers null as the cursor when the page ends with the last event of the log', async () => {
    await history(6);
    // A read page of 4: the second read returns 2 events, so the scan knows nothing follows.
    expect((await scanEvents(reader, parseEventQuery({ limit: '6' }), { readPage: 4 })).next).toBeNull();
  });

  it('filters, and the cursor skips what it scanned', async () => {
    await history(9);
    const first = await scanEvents(reader, parseEventQuery({ actor: 'bob', limit: '2' }));
    expect(positions(first.events)).toEqual([2, 4]);
    expect(first.events.every((e) => e.metadata.actor === 'bob')).toBe(true);
    const rest = await scanEvents(reader, parseEventQuery({ actor: 'bob', after: String(first.next) }));
    expect(positions(rest.events)).toEqual([6, 8]);
    expect(rest.next).toBeNull();
  });

  it('stops after its budget of events read and answers the cursor, matches or not', async () => {
    await history(25);
    const query = (after: number) => parseEventQuery({ actor: 'nobody', after: String(after) });
    const pages = [];
    let after = 0;
    for (;;) {
      const page = await scanEvents(reader, query(after), { budget: 10, readPage: 4 });
      pages.push(page);
      if (page.next === null) break;
      after = page.next;
    }
    expect(pages).toEqual([
      { events: [], next: 10 },
      { events: [], next: 20 },
      { events: [], next: null },
    ]);
  });

  it('stops at `before` with nothing further to find', async () => {
    await history(10);
    const page = await scanEvents(reader, parseEventQuery({ after: '2', before: '6' }));
    expect(positions(page.events)).toEqual([3, 4, 5]);
    expect(page.next).toBeNull();
  });

  it('reads only the stream a stream filter names, from the revision after the cursor', async () => {
    await history(40);
    const page = await scanEvents(reader, parseEventQuery({ stream: 'even', after: '21', limit: '3' }), { readPage: 5 });
    expect(positions(page.events)).toEqual([22, 24, 26]);
    expect(page.next).toBe(26);
    expect(reads.all).toBe(0);
    const rest = await scanEvents(reader, parseEventQuery({ stream: 'even', after: '26' }));
    expect(positions(rest.events)).toEqual([28, 30, 32, 34, 36, 38, 40]);
    expect(rest.next).toBeNull();
  });

  it('finds events about every object that held a name, through the name reservation stream', async () => {
    const reserve = (uuid: string, type = 'FqNameReserved') =>
      store.append('fqname-virtual-network-d:p:blue', [{ type, data: { type: 'virtual-network', fq_name: ['d', 'p', 'blue'], uuid } }]);
    await reserve(A);
    await store.append(`virtual-network-${A}`, [{ type: 'VirtualNetworkCreated', data: { type: 'virtual-network', uuid: A } }]);
    await store.append('pool-vn-id', [{ type: 'NumberAllocated', data: { pool: 'vn-id', number: 1, owner: A } }]);
    await store.append('other', [{ type: 'Unrelated', data: {} }]);
    await store.append(`virtual-network-${A}`, [{ type: 'VirtualNetworkDeleted', data: { type: 'virtual-network', uuid: A } }]);
    await reserve(A, 'FqNameReleased');
    await reserve(B);
    await store.append(`virtual-network-${B}`, [{ type: 'VirtualNetworkCreated', data: { type: 'virtual-network', uuid: B } }]);
    const page = await scanEvents(reader, parseEventQuery({ object_type: 'virtual-network', fq_name: 'd:p:blue' }));
    expect(page.events.map((e) => e.type)).toEqual([
      'FqNameReserved',
      'VirtualNetworkCreated',
      'NumberAllocated',
      'VirtualNetworkDeleted',
      'FqNameReleased',
      'FqNameReserved',
      'VirtualNetworkCreated',
    ]);
  });

  it('answers at once for a name nobody ever held', async () => {
    await history(5);
    expect(await scanEvents(reader, parseEventQuery({ object_type: 'project', fq_name: 'd:nope' }))).toEqual({ events: [], next: null });
    expect(reads.all).toBe(0);
  });
});

describe('firstRevisionAfter', () => {
  it('finds the first revision past a position with a few single-event reads', async () => {
    await history(200);
    // Stream 'even' holds positions 2, 4, …, 200 at revisions 0 … 99.
    for (const [after, revision] of [
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 1],
      [101, 50],
      [198, 99],
      [199, 99],
      [200, 100],
      [500, 100],
    ]) {
      expect({ after, revision: await firstRevisionAfter(reader, 'even', after) }).toEqual({ after, revision });
    }
    reads.stream = 0;
    await firstRevisionAfter(reader, 'even', 151);
    expect(reads.stream).toBeLessThanOrEqual(16);
    expect(await firstRevisionAfter(reader, 'missing', 10)).toBe(0);
  });
});
