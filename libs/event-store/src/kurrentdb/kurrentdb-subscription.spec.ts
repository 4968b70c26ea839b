/**
 * The subscription wrapper over the client's own subscription stream: the client's Transform and event converter,
 * fed by a fake gRPC call that produces real protobuf ReadResp messages on demand. Only the server is missing.
 */
import { describe, expect, it } from '@jest/globals';
import { Readable } from 'node:stream';
import type { AllStreamResolvedEvent } from '@kurrent/kurrentdb-client';
import { Subscription as ClientSubscription } from '@kurrent/kurrentdb-client/dist/streams/utils/Subscription.js';
import { convertGrpcEvent } from '@kurrent/kurrentdb-client/dist/utils/convertGrpcEvent.js';
import { StreamIdentifier, UUID } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/shared_pb.js';
import { ReadResp } from '@kurrent/kurrentdb-client/generated/kurrentdb/protocols/v1/streams_pb.js';
import { StoreUnavailableError } from '../errors.js';
import type { RecordedEvent } from '../event-store.port.js';
import { StreamNamespace, decodeRecorded } from './kurrentdb-mapping.js';
import { KurrentDbSubscription, subscriptionStreamOptions, type SubscriptionSource } from './kurrentdb-subscription.js';

interface FakeRecord {
  stream: string;
  type: string;
  position: number;
  revision?: number;
  data?: unknown;
}

const TICKS_PER_MS = 10_000n;
const CREATED = Date.parse('2026-03-04T05:06:07.089Z');

function readResp(r: FakeRecord): ReadResp {
  const id = new UUID();
  id.setString(`00000000-0000-7000-8000-${r.position.toString(16).padStart(12, '0')}`);
  const streamName = new StreamIdentifier();
  streamName.setStreamName(Buffer.from(r.stream));
  const record = new ReadResp.ReadEvent.RecordedEvent();
  record.setId(id);
  record.setStreamIdentifier(streamName);
  record.setStreamRevision(String(r.revision ?? 0));
  record.setCommitPosition(String(r.position));
  record.setPreparePosition(String(r.position));
  record.getMetadataMap().set('type', r.type);
  record.getMetadataMap().set('content-type', 'application/json');
  record.getMetadataMap().set('created', String(BigInt(CREATED) * TICKS_PER_MS));
  record.setData(Buffer.from(JSON.stringify(r.data ?? { at: r.position })));
  record.setCustomMetadata(Buffer.from(JSON.stringify({ actor: 'test' })));
  const event = new ReadResp.ReadEvent();
  event.setEvent(record);
  const resp = new ReadResp();
  resp.setEvent(event);
  return resp;
}

function checkpointResp(position: number): ReadResp {
  const checkpoint = new ReadResp.Checkpoint();
  checkpoint.setCommitPosition(String(position));
  checkpoint.setPreparePosition(String(position));
  const resp = new ReadResp();
  resp.setCheckpoint(checkpoint);
  return resp;
}

/** A gRPC server-streaming call that makes messages only when read, and counts them. */
class FakeCall extends Readable {
  produced = 0;
  cancelled = false;
  private index = 0;

  constructor(private readonly messages: (i: number) => ReadResp | null | undefined) {
    super({ objectMode: true });
  }

  override _read(): void {
    const message = this.messages(this.index++);
    if (message === undefined) return; // nothing more for now: a live subscription waiting for appends
    if (message !== null) this.produced++;
    this.push(message);
  }

  cancel(): void {
    this.cancelled = true;
    this.destroy();
  }
}

function subscribe(call: FakeCall, options: { after?: number; batchSize?: number; namespace?: StreamNamespace } = {}) {
  const source = new ClientSubscription<AllStreamResolvedEvent>(
    async () => call as never,
    convertGrpcEvent as never,
    subscriptionStreamOptions(options.batchSize ?? 512),
  );
  const namespace = options.namespace ?? new StreamNamespace();
  const sub = new KurrentDbSubscription(source as unknown as SubscriptionSource, options.after ?? 0, (resolved) =>
    resolved.event ? decodeRecorded(resolved.event, namespace) : undefined,
  );
  return { sub, source };
}

async function take(sub: AsyncIterable<RecordedEvent>, count: number): Promise<RecordedEvent[]> {
  const out: RecordedEvent[] = [];
  for await (const e of sub) {
    out.push(e);
    if (out.length >= count) break;
  }
  return out;
}

describe('KurrentDbSubscription over the client subscription stream', () => {
  it('delivers our events in order, skipping those at or below `after` and system records', async () => {
    const script: Array<ReadResp | undefined> = [
      readResp({ stream: 'a', type: 'A1', position: 100 }),
      readResp({ stream: 'a', type: 'A2', position: 200, revision: 1 }),
      checkpointResp(250),
      readResp({ stream: '$$a', type: '$metadata', position: 300 }),
      readResp({ stream: 'b', type: '$streamDeleted', position: 350 }),
      readResp({ stream: 'b', type: 'B1', position: 400, data: [1, 'two'] }),
      readResp({ stream: 'c', type: 'C1', position: 500, data: 'text' }),
    ];
    const call = new FakeCall((i) => script[i]);
    const { sub } = subscribe(call, { after: 100 });
    expect(sub.position).toBe(100);
    const got = await take(sub, 3);
    expect(got.map((e) => [e.streamId, e.type, e.globalPosition])).toEqual([
      ['a', 'A2', 200],
      ['b', 'B1', 400],
      ['c', 'C1', 500],
    ]);
    expect(got[0]).toMatchObject({
      streamRevision: 1,
      data: { at: 200 },
      metadata: { actor: 'test' },
      recordedAt: '2026-03-04T05:06:07.089Z',
      eventId: '00000000-0000-7000-8000-0000000000c8',
    });
    expect(got[1].data).toEqual([1, 'two']);
    expect(got[2].data).toBe('text');
    expect(sub.position).toBe(500);
    // Breaking out of for-await closed the subscription and cancelled the call.
    await new Promise((r) => setImmediate(r));
    expect(sub.buffered).toBe(0);
    expect(call.cancelled).toBe(true);
  });

  it('sees only its namespace', async () => {
    const script = [
      readResp({ stream: 't1-a', type: 'A', position: 10 }),
      readResp({ stream: 't2-a', type: 'A', position: 20 }),
      readResp({ stream: 't1-b', type: 'B', position: 30 }),
    ];
    const { sub } = subscribe(new FakeCall((i) => script[i]), { namespace: new StreamNamespace('t1-') });
    const got = await take(sub, 2);
    expect(got.map((e) => [e.streamId, e.globalPosition])).toEqual([
      ['a', 10],
      ['b', 30],
    ]);
  });

  it('applies backpressure: a slow consumer leaves at most batchSize events buffered, and the call is not drained', async () => {
    const batchSize = 50;
    const call = new FakeCall((i) => readResp({ stream: 'bulk', type: 'Bulk', position: (i + 1) * 100, revision: i }));
    const { sub } = subscribe(call, { batchSize });
    const iterator = sub[Symbol.asyncIterator]();
    let maxBuffered = 0;
    for (let consumed = 1; consumed <= 600; consumed++) {
      const r = await iterator.next();
      expect(r.done).toBe(false);
      expect(r.value?.globalPosition).toBe(consumed * 100);
      maxBuffered = Math.max(maxBuffered, sub.buffered);
      if (consumed % 100 === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        maxBuffered = Math.max(maxBuffered, sub.buffered);
        // Everything taken from the call is either consumed, buffered here, or in the call's own small buffer.
        expect(call.produced - consumed).toBeLessThanOrEqual(batchSize + call.readableHighWaterMark + 1);
      }
    }
    expect(maxBuffered).toBeGreaterThan(0);
    expect(maxBuffered).toBeLessThanOrEqual(batchSize);
    sub.close();
  });

  it('close() ends a next() that is waiting for events', async () => {
    const call = new FakeCall(() => undefined);
    const { sub } = subscribe(call);
    const iterator = sub[Symbol.asyncIterator]();
    const pending = iterator.next();
    setTimeout(() => sub.close(), 20);
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
    await new Promise((r) => setImmediate(r));
    expect(call.cancelled).toBe(true);
  });

  it('a failed call rejects next() with StoreUnavailableError, also when it failed before anyone iterated', async () => {
    const call = new FakeCall(() => undefined);
    const { sub } = subscribe(call);
    await new Promise((r) => setTimeout(r, 10));
    call.emit('error', Object.assign(new Error('14 UNAVAILABLE: Connection dropped'), { code: 14, details: 'Connection dropped' }));
    const failure = await sub[Symbol.asyncIterator]()
      .next()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(failure).toBeInstanceOf(StoreUnavailableError);
    expect((failure as Error).message).toMatch(/subscription to \$all failed/);
    await expect(sub[Symbol.asyncIterator]().next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('a call that ends is reported, not mistaken for the end of the log', async () => {
    const script: Array<ReadResp | null> = [readResp({ stream: 'a', type: 'A', position: 10 }), null];
    const { sub } = subscribe(new FakeCall((i) => script[i]));
    const iterator = sub[Symbol.asyncIterator]();
    await expect(iterator.next()).resolves.toMatchObject({ done: false, value: { globalPosition: 10 } });
    await expect(iterator.next()).rejects.toThrow(/ended unexpectedly after position 10/);
  });

  it('an event without a position fails the subscription instead of leaving a gap', async () => {
    const source = Readable.from([{ event: { streamId: 'a', type: 'A', id: 'x', revision: 0n, created: new Date(), isJson: true, data: {}, metadata: {} } }]);
    const sub = new KurrentDbSubscription(
      Object.assign(source, { unsubscribe: async () => undefined }),
      0,
      (resolved) => (resolved.event ? decodeRecorded(resolved.event, new StreamNamespace()) : undefined),
    );
    await expect(sub[Symbol.asyncIterator]().next()).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
