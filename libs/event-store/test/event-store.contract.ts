/**
 * The contract every EventStore adapter keeps (DESIGN §3). Each adapter's spec calls describeEventStoreContract
 * with a factory that opens a fresh, empty store.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import {
  DuplicateEventIdError,
  InvalidAppendError,
  WrongExpectedRevisionError,
  uuidv7,
  type EventStore,
  type NewEvent,
  type RecordedEvent,
} from '#libs/event-store';

export interface ContractOptions {
  /**
   * How a child process opens the same store (passed as JSON in STORE_CONFIG to test/support/append-child.mjs),
   * for the kill -9 test. Omitted: that test is not run for this adapter.
   */
  childStoreConfig?: (store: EventStore) => Record<string, unknown>;
  /**
   * Whether the store refuses an event id already used in another stream. KurrentDB deduplicates ids within a
   * stream only and cannot look events up by id. Default true.
   */
  eventIdsUniqueAcrossStreams?: boolean;
}

const ev = (type: string, data: NewEvent['data'] = {}, metadata?: NewEvent['metadata']): NewEvent => ({ type, data, metadata });

async function collect(sub: AsyncIterable<RecordedEvent>, count: number): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  if (count === 0) return out;
  for await (const e of sub) {
    out.push(e);
    if (out.length >= count) break;
  }
  return out;
}

export function describeEventStoreContract(name: string, open: () => Promise<EventStore>, options: ContractOptions = {}): void {
  describe(`EventStore contract: ${name}`, () => {
    let store: EventStore;
    beforeEach(async () => {
      store = await open();
    });
    afterEach(async () => {
      await store.close();
    });

    describe('append and read', () => {
      it('appends to a new stream and reads the events back in revision order', async () => {
        const result = await store.append('vn-1', [ev('Created', { name: 'blue' }, { actor: 'alice' }), ev('Renamed', { name: 'red' })]);
        expect(result.nextExpectedRevision).toBe(1);
        // Consecutive in SQLite and PostgreSQL; KurrentDB positions are log offsets with gaps.
        expect(result.position).toBeGreaterThan(result.firstPosition);
        const events = await store.readStream('vn-1');
        expect(events.map((e) => [e.type, e.streamRevision, e.globalPosition])).toEqual([
          ['Created', 0, result.firstPosition],
          ['Renamed', 1, result.position],
        ]);
        expect(events[0].data).toEqual({ name: 'blue' });
        expect(events[0].metadata).toEqual({ actor: 'alice' });
        expect(events[1].metadata).toEqual({});
        expect(events[0].streamId).toBe('vn-1');
        expect(events[0].eventId).toMatch(/^[0-9a-f-]{36}$/);
        expect(new Date(events[0].recordedAt).toISOString()).toBe(events[0].recordedAt);
      });

      it('keeps the event id a writer chose', async () => {
        const id = uuidv7();
        await store.append('s', [{ eventId: id, type: 'T', data: [1, 'two', { three: null }] }]);
        const [e] = await store.readStream('s');
        expect(e.eventId).toBe(id);
        expect(e.data).toEqual([1, 'two', { three: null }]);
      });

      it('reads a missing stream as empty and honours fromRevision and limit', async () => {
        expect(await store.readStream('nothing-here')).toEqual([]);
        await store.append('s', [ev('A'), ev('B'), ev('C'), ev('D')]);
        const page = await store.readStream('s', { fromRevision: 1, limit: 2 });
        expect(page.map((e) => e.type)).toEqual(['B', 'C']);
      });

      it('readAll returns every stream in global order and pages with after/limit', async () => {
        await store.append('a', [ev('A1')]);
        await store.append('b', [ev('B1'), ev('B2')]);
        await store.append('a', [ev('A2')]);
        const all = await store.readAll({ limit: 100 });
        expect(all.map((e) => e.type)).toEqual(['A1', 'B1', 'B2', 'A2']);
        for (let i = 1; i < all.length; i++) expect(all[i].globalPosition).toBeGreaterThan(all[i - 1].globalPosition);
        const page = await store.readAll({ after: all[1].globalPosition, limit: 1 });
        expect(page.map((e) => e.type)).toEqual(['B2']);
        expect(await store.headPosition()).toBe(all[3].globalPosition);
      });

      it('readAll with withMetadata: false gives the same events with empty metadata', async () => {
        await store.append('a', [ev('A1', { n: 1 }, { actor: 'alice', commandId: 'c-1' })]);
        await store.append('b', [ev('B1', { n: [2] }, { actor: 'bob' }), ev('B2')]);
        const full = await store.readAll({ limit: 100 });
        const bare = await store.readAll({ limit: 100, withMetadata: false });
        expect(full.map((e) => e.metadata)).toEqual([{ actor: 'alice', commandId: 'c-1' }, { actor: 'bob' }, {}]);
        expect(bare).toEqual(full.map((e) => ({ ...e, metadata: {} })));
        expect(bare.every((e) => Object.isFrozen(e.metadata))).toBe(true);
        const page = await store.readAll({ after: full[0].globalPosition, limit: 1, withMetadata: false });
        expect(page.map((e) => [e.type, e.metadata])).toEqual([['B1', {}]]);
      });
    });

    describe('expected revision', () => {
      it("'no_stream' succeeds on a new stream and fails once it exists", async () => {
        await store.append('s', [ev('A')], { expectedRevision: 'no_stream' });
        const failure = store.append('s', [ev('B')], { expectedRevision: 'no_stream' });
        await expect(failure).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await expect(store.append('s', [ev('B')], { expectedRevision: 'no_stream' })).rejects.toThrow(/stream 's'.*no_stream.*is at 0/);
        expect((await store.readStream('s')).length).toBe(1);
      });

      it("'stream_exists' fails on a missing stream and succeeds on an existing one", async () => {
        await expect(store.append('s', [ev('A')], { expectedRevision: 'stream_exists' })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
        expect(await store.headPosition()).toBe(0);
        await store.append('s', [ev('A')]);
        await store.append('s', [ev('B')], { expectedRevision: 'stream_exists' });
        expect((await store.readStream('s')).length).toBe(2);
      });

      it('an exact revision must match the last event', async () => {
        await store.append('s', [ev('A'), ev('B')]);
        await expect(store.append('s', [ev('C')], { expectedRevision: 0 })).rejects.toThrow(
          /expected revision 0 but the stream is at 1/,
        );
        const ok = await store.append('s', [ev('C')], { expectedRevision: 1 });
        expect(ok.nextExpectedRevision).toBe(2);
        await expect(store.append('missing', [ev('X')], { expectedRevision: 0 })).rejects.toBeInstanceOf(
          WrongExpectedRevisionError,
        );
      });

      it("'any' appends whatever the stream's state", async () => {
        await store.append('s', [ev('A')], { expectedRevision: 'any' });
        await store.append('s', [ev('B')], { expectedRevision: 'any' });
        expect((await store.readStream('s')).map((e) => e.streamRevision)).toEqual([0, 1]);
      });

      it('of 50 concurrent no_stream appends to one stream exactly one wins', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 50 }, (_, i) => store.append('fqname-vn-x', [ev('Reserved', { by: i })], { expectedRevision: 'no_stream' })),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(WrongExpectedRevisionError);
        }
        expect(await store.readStream('fqname-vn-x')).toHaveLength(1);
      });
    });

    describe('retries', () => {
      it('a retried append with the same event ids writes nothing twice and returns the first outcome', async () => {
        const events = [{ eventId: uuidv7(), type: 'A', data: {} }, { eventId: uuidv7(), type: 'B', data: {} }];
        const first = await store.append('s', events, { expectedRevision: 'no_stream' });
        const again = await store.append('s', events, { expectedRevision: 'no_stream' });
        const againAny = await store.append('s', events);
        expect(again).toEqual(first);
        expect(againAny).toEqual(first);
        expect(await store.readStream('s')).toHaveLength(2);
        expect(await store.headPosition()).toBe(first.position);
      });

      it('concurrent retries of one append write it once', async () => {
        const events = [{ eventId: uuidv7(), type: 'A', data: {} }];
        const results = await Promise.all(Array.from({ length: 5 }, () => store.append('s', events)));
        for (const r of results) expect(r).toEqual(results[0]);
        expect(await store.readStream('s')).toHaveLength(1);
      });

      it('reusing an event id in a different append is refused and writes nothing', async () => {
        const id = uuidv7();
        await store.append('s', [{ eventId: id, type: 'A', data: {} }]);
        const head = await store.headPosition();
        if (options.eventIdsUniqueAcrossStreams !== false) {
          await expect(store.append('other', [{ eventId: id, type: 'A', data: {} }])).rejects.toBeInstanceOf(DuplicateEventIdError);
          expect(await store.readStream('other')).toEqual([]);
        }
        await expect(store.append('s', [ev('New'), { eventId: id, type: 'A', data: {} }])).rejects.toBeInstanceOf(
          DuplicateEventIdError,
        );
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream('s')).toHaveLength(1);
      });
    });

    describe('bad input is rejected with a clear error and writes nothing', () => {
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      let deep: unknown = 'bottom';
      for (let i = 0; i < 80; i++) deep = [deep];
      const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
        ['an empty stream name', () => store.append('', [ev('A')]), /stream name must be a non-empty string/],
        ['a stream name that is not a string', () => store.append(42 as unknown as string, [ev('A')]), /stream name/],
        ['no events', () => store.append('s', []), /non-empty array of events/],
        ['an event without a type', () => store.append('s', [{ data: {} } as NewEvent]), /needs a type/],
        ['a bigint in data', () => store.append('s', [{ type: 'A', data: { n: 1n } as never }]), /data\.n is a bigint/],
        ['a function in data', () => store.append('s', [{ type: 'A', data: { f: () => 1 } as never }]), /data\.f is a function/],
        ['a cycle in data', () => store.append('s', [{ type: 'A', data: cycle as never }]), /cycle/],
        ['data nested too deeply', () => store.append('s', [{ type: 'A', data: deep as never }]), /nests deeper than 64 levels/],
        ['NaN in data', () => store.append('s', [{ type: 'A', data: { x: [1, NaN] } }]), /data\.x\[1\] is NaN/],
        ['a Map in data', () => store.append('s', [{ type: 'A', data: new Map() as never }]), /is a Map, not a plain JSON object/],
        ['metadata that is an array', () => store.append('s', [{ type: 'A', data: {}, metadata: [] as never }]), /metadata must be a JSON object/],
        ['an event id that is not a uuid', () => store.append('s', [{ eventId: 'nope', type: 'A', data: {} }]), /not a uuid/],
        ['an oversized event', () => store.append('s', [ev('A', { blob: 'x'.repeat(1024 * 1024 + 1) })]), /bytes serialised; the limit is/],
        ['a bad expected revision', () => store.append('s', [ev('A')], { expectedRevision: -1 }), /expectedRevision -1/],
      ];
      it.each(cases)('%s', async (_label, act, message) => {
        await store.append('s', [ev('Before')]);
        const head = await store.headPosition();
        const error = await act().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(error).toBeInstanceOf(InvalidAppendError);
        expect((error as Error).message).toMatch(message);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream('s')).toHaveLength(1);
      });

      it('one bad event makes the whole append fail', async () => {
        await expect(store.append('s', [ev('Good'), { type: 'Bad', data: { u: Symbol('x') } as never }])).rejects.toThrow(/symbol/);
        expect(await store.readStream('s')).toEqual([]);
      });
    });

    describe('appendMany: several streams, all or nothing', () => {
      it('writes every stream and answers in the order of the writes', async () => {
        await store.append('vn-1', [ev('Created')]);
        const results = await store.appendMany([
          { streamId: 'fqname-vn-blue', events: [ev('NameReserved')], expectedRevision: 'no_stream' },
          { streamId: 'vn-1', events: [ev('Renamed'), ev('Tagged')], expectedRevision: 0 },
          { streamId: 'pool-vn-id', events: [ev('IdAllocated', { id: 1 })] },
        ]);
        expect(results.map((r) => r.nextExpectedRevision)).toEqual([0, 2, 0]);
        const all = await store.readAll({ limit: 10 });
        expect(all.map((e) => `${e.streamId}:${e.type}`)).toEqual([
          'vn-1:Created',
          'fqname-vn-blue:NameReserved',
          'vn-1:Renamed',
          'vn-1:Tagged',
          'pool-vn-id:IdAllocated',
        ]);
        expect(results[1].firstPosition).toBe(all[2].globalPosition);
        expect(results[1].position).toBe(all[3].globalPosition);
      });

      it('writes nothing when one stream fails its expected revision, and names that stream', async () => {
        await store.append('fqname-vn-blue', [ev('NameReserved')]);
        const head = await store.headPosition();
        const attempt = store.appendMany([
          { streamId: 'vn-2', events: [ev('Created')], expectedRevision: 'no_stream' },
          { streamId: 'fqname-vn-blue', events: [ev('NameReserved')], expectedRevision: 'no_stream' },
        ]);
        await expect(attempt).rejects.toBeInstanceOf(WrongExpectedRevisionError);
        await expect(
          store.appendMany([
            { streamId: 'vn-2', events: [ev('Created')], expectedRevision: 'no_stream' },
            { streamId: 'fqname-vn-blue', events: [ev('NameReserved')], expectedRevision: 'no_stream' },
          ]),
        ).rejects.toThrow(/'fqname-vn-blue'/);
        expect(await store.headPosition()).toBe(head);
        expect(await store.readStream('vn-2')).toEqual([]);
      });

      it('of 20 concurrent creates reserving the same name exactly one is written whole', async () => {
        const results = await Promise.allSettled(
          Array.from({ length: 20 }, (_, i) =>
            store.appendMany([
              { streamId: `vn-${i}`, events: [ev('Created', { i })], expectedRevision: 'no_stream' },
              { streamId: 'fqname-vn-same', events: [ev('NameReserved', { i })], expectedRevision: 'no_stream' },
            ]),
          ),
        );
        const winners = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
        expect(winners).toHaveLength(1);
        const all = await store.readAll({ limit: 100 });
        expect(all.map((e) => e.streamId).sort()).toEqual([`vn-${winners[0]}`, 'fqname-vn-same'].sort());
      });

      it('a retried appendMany returns the first outcome and writes nothing twice', async () => {
        const writes = [
          { streamId: 'a', events: [{ eventId: uuidv7(), type: 'A', data: {} }], expectedRevision: 'no_stream' as const },
          { streamId: 'b', events: [{ eventId: uuidv7(), type: 'B', data: {} }, { eventId: uuidv7(), type: 'B2', data: {} }] },
        ];
        const first = await store.appendMany(writes);
        const again = await store.appendMany(writes);
        expect(again).toEqual(first);
        expect(await store.readAll({ limit: 10 })).toHaveLength(3);
      });

      it('rejects bad input before writing: no writes, the same stream twice, a repeated event id', async () => {
        const id = uuidv7();
        await expect(store.appendMany([])).rejects.toThrow(/non-empty array of stream writes/);
        await expect(
          store.appendMany([
            { streamId: 's', events: [ev('A')] },
            { streamId: 's', events: [ev('B')] },
          ]),
        ).rejects.toThrow(/writes to stream 's' twice/);
        await expect(
          store.appendMany([
            { streamId: 's', events: [{ eventId: id, type: 'A', data: {} }] },
            { streamId: 't', events: [{ eventId: id, type: 'A', data: {} }] },
          ]),
        ).rejects.toThrow(/repeats eventId/);
        await expect(store.appendMany([{ streamId: '', events: [ev('A')] }])).rejects.toBeInstanceOf(InvalidAppendError);
        expect(await store.headPosition()).toBe(0);
      });
    });

    describe('subscribeToAll', () => {
      it('catches up then goes live with no gap and no duplicate while 8 writers append concurrently', async () => {
        for (let i = 0; i < 20; i++) await store.append(`pre-${i % 3}`, [ev('Pre', { i })]);
        const writers = 8;
        const appendsPerWriter = 40;
        const sub = store.subscribeToAll({ batchSize: 16 });
        const writing = Promise.all(
          Array.from({ length: writers }, async (_, w) => {
            for (let i = 0; i < appendsPerWriter; i++) {
              await store.append(`writer-${w}-${i % 4}`, Array.from({ length: 1 + (i % 3) }, (_x, k) => ev('W', { w, i, k })));
            }
          }),
        );
        const extra = writers * Array.from({ length: appendsPerWriter }, (_, i) => 1 + (i % 3)).reduce((a, b) => a + b, 0);
        const seen = await collect(sub, 20 + extra);
        await writing;
        sub.close();
        const positions = seen.map((e) => e.globalPosition);
        for (let i = 1; i < positions.length; i++) expect(positions[i]).toBeGreaterThan(positions[i - 1]);
        const all = await store.readAll({ limit: 10_000 });
        expect(positions).toEqual(all.map((e) => e.globalPosition));
        expect(new Set(seen.map((e) => e.eventId)).size).toBe(seen.length);
      });

      it('starts after a given position and delivers events appended later', async () => {
        await store.append('s', [ev('A'), ev('B'), ev('C')]);
        const [, b] = await store.readAll();
        const sub = store.subscribeToAll({ after: b.globalPosition });
        const pending = collect(sub, 2);
        await store.append('t', [ev('D')]);
        const got = await pending;
        sub.close();
        expect(got.map((e) => e.type)).toEqual(['C', 'D']);
        expect(sub.position).toBe(got[1].globalPosition);
      });

      it('close() ends a subscription that is waiting for events', async () => {
        const sub = store.subscribeToAll();
        const iterator = sub[Symbol.asyncIterator]();
        const next = iterator.next();
        setTimeout(() => sub.close(), 20);
        await expect(next).resolves.toEqual({ done: true, value: undefined });
      });

      it('applies backpressure: a slow subscriber holds at most one page however far behind it is', async () => {
        const batchSize = 50;
        for (let i = 0; i < 20; i++) await store.append('bulk', Array.from({ length: 100 }, () => ev('Bulk', { pad: 'x'.repeat(200) })));
        const sub = store.subscribeToAll({ batchSize });
        const iterator = sub[Symbol.asyncIterator]();
        let consumed = 0;
        const appendMore = (async () => {
          for (let i = 0; i < 10; i++) await store.append('bulk', Array.from({ length: 100 }, () => ev('Bulk')));
        })();
        while (consumed < 3000) {
          const r = await iterator.next();
          expect(r.done).toBe(false);
          consumed++;
          expect(sub.buffered).toBeLessThanOrEqual(batchSize);
          if (consumed % 500 === 0) await new Promise((r) => setTimeout(r, 5));
        }
        await appendMore;
        sub.close();
      });
    });

    if (options.childStoreConfig) {
      const childConfig = options.childStoreConfig;
      it('an append acknowledged before kill -9 of the writing process is there after reopening', async () => {
        const config = childConfig(store);
        const child = spawn(process.execPath, ['test/support/append-child.mjs'], {
          env: { ...process.env, STORE_CONFIG: JSON.stringify(config) },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const acked: Array<{ stream: string; eventId: string; position: number }> = [];
        const lines = createInterface({ input: child.stdout! });
        await new Promise<void>((resolve, reject) => {
          child.once('error', reject);
          child.once('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited early: ${code}`))));
          lines.on('line', (line) => {
            acked.push(JSON.parse(line));
            if (acked.length === 300) child.kill('SIGKILL');
          });
        });
        expect(acked.length).toBeGreaterThanOrEqual(300);
        const all = await store.readAll({ limit: 100_000 });
        const byId = new Map(all.map((e) => [e.eventId, e]));
        for (const a of acked) {
          const found = byId.get(a.eventId);
          expect(found?.globalPosition).toBe(a.position);
          expect(found?.streamId).toBe(a.stream);
        }
      });
    }
  });
}
