import {
  BACKWARDS,
  END,
  KurrentDBClient,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendResult as KurrentAppendResult,
  type Position,
  type ReadPosition,
  type RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import { DuplicateEventIdError, StoreClosedError, StoreUnavailableError, WrongExpectedRevisionError } from '../errors.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  Subscription,
} from '../event-store.port.js';
import { DEFAULT_MAX_EVENT_BYTES, checkStreamId, prepareAppend, type PreparedEvent } from '../validation.js';
import {
  PositionFloor,
  StreamNamespace,
  checkNotReserved,
  decodeRecorded,
  globalPositionOf,
  messageOf,
  readPositionAfter,
  requirePosition,
  toJsonEvent,
  toStreamState,
  translateAppendError,
  translateError,
} from './kurrentdb-mapping.js';
import { KurrentDbSubscription, subscriptionStreamOptions } from './kurrentdb-subscription.js';

export interface KurrentDbEventStoreOptions {
  /**
   * A KurrentDB connection string, e.g. `kurrentdb://admin:changeit@localhost:2113?tls=false`. The user must be
   * allowed to read $all (by default only admins are).
   */
  connectionString: string;
  /** Largest serialised event (data + metadata) accepted. Default 1 MiB. The server's own append limit also applies. */
  maxEventBytes?: number;
  /**
   * Puts every stream of this store under this prefix, so several stores (or test runs) share one database
   * without seeing each other: readAll, subscriptions and headPosition only cover the prefixed streams, and
   * stream ids come back without it. Default '' (the whole database, less its system records).
   */
  streamPrefix?: string;
  /** Read $all once in open() so a wrong address or credentials fail there, not on first use. Default true. */
  checkConnection?: boolean;
}

/** Events per backward page while looking for the head. */
const HEAD_PAGE = 16;

/**
 * The scale-out store (DESIGN §3), over KurrentDB's gRPC client.
 *
 * - Positions are KurrentDB's own: an event's commit position in the transaction log, as a number. They grow
 *   strictly in $all order but are byte offsets, so they have gaps (the next event is not position + 1).
 * - Revisions, optimistic concurrency and idempotent retries are the server's: each append is one atomic write
 *   with our event ids as KurrentDB event ids, and the server answers a retried write with the outcome of the
 *   first. The adapter checks what it cannot take on trust (see `confirm` and `findRetry`).
 * - readAll, headPosition and subscriptions see $all without KurrentDB's system records ($-streams, $-types) and,
 *   with `streamPrefix`, only this store's streams. Appends of $-streams or $-types are refused for that reason.
 */
export class KurrentDbEventStore implements EventStore {
  readonly kind = 'kurrentdb';
  private closed = false;
  private readonly subscriptions = new Set<KurrentDbSubscription>();
  private readonly appending = new Set<Promise<unknown>>();
  /** Appends in flight by first event id, so that an in-process retry waits for the attempt it repeats. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  private constructor(
    private readonly client: KurrentDBClient,
    private readonly namespace: StreamNamespace,
    private readonly maxEventBytes: number,
  ) {}

  static async open(options: KurrentDbEventStoreOptions): Promise<KurrentDbEventStore> {
    const namespace = new StreamNamespace(options.streamPrefix ?? '');
    let client: KurrentDBClient;
    try {
      client = KurrentDBClient.connectionString(options.connectionString);
    } catch (error) {
      throw new Error(`the KurrentDB connection string is not valid: ${messageOf(error)}`);
    }
    const store = new KurrentDbEventStore(client, namespace, options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES);
    if (options.checkConnection ?? true) {
      try {
        await store.headPosition();
      } catch (error) {
        await client.dispose().catch(() => undefined);
        throw new StoreUnavailableError(`cannot open the KurrentDB event log: ${messageOf(error)}`, error);
      }
    }
    return store;
  }

  append(streamId: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    let prepared: ReturnType<typeof prepareAppend>;
    try {
      prepared = prepareAppend(streamId, events, options, this.maxEventBytes);
      checkNotReserved(streamId, prepared.events);
    } catch (error) {
      return Promise.reject(error);
    }
    const key = prepared.events[0].eventId;
    const earlier = this.inFlight.get(key);
    // A retry issued while the attempt it repeats is still in flight goes after it, and so meets a write the
    // server has finished and answers idempotently (rather than one it has not indexed yet).
    const run = (async () => {
      if (earlier) await earlier.catch(() => undefined);
      return this.write(streamId, prepared.events, prepared.expected);
    })();
    this.inFlight.set(key, run);
    this.appending.add(run);
    const forget = () => {
      this.appending.delete(run);
      if (this.inFlight.get(key) === run) this.inFlight.delete(key);
    };
    run.then(forget, forget);
    return run;
  }

  private async write(streamId: string, events: PreparedEvent[], expected: ExpectedRevision): Promise<AppendResult> {
    let result: KurrentAppendResult;
    try {
      result = await this.client.appendToStream(this.namespace.toStored(streamId), events.map(toJsonEvent), {
        streamState: toStreamState(expected),
      });
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const retried = await this.findRetry(streamId, events, expected);
        if (retried) return retried;
      }
      throw translateAppendError(error, streamId, expected);
    }
    if (!result.success) {
      // Only with throwOnAppendFailure=false in the connection string: the same conflict, as a value.
      const retried = await this.findRetry(streamId, events, expected);
      if (retried) return retried;
      const current = result.nextExpectedRevision;
      throw new WrongExpectedRevisionError(streamId, expected, current < 0n ? 'no_stream' : Number(current));
    }
    return this.confirm(streamId, events, result);
  }

  /**
   * The AppendResult of an acknowledged append. KurrentDB answers with the stream's revision after the append and
   * the log position of its last event; on an idempotent retry, with those of the original write. The first
   * event's position is not in the answer, so for several events it is read back from the stream (revision
   * `next - (n - 1)`); so is the last one's when the server gave none (older servers answer an idempotent retry
   * without a position). Each event read back must carry the id we wrote, or the answer is not trusted.
   */
  private async confirm(streamId: string, events: PreparedEvent[], result: KurrentAppendResult): Promise<AppendResult> {
    const n = events.length;
    const last = Number(result.nextExpectedRevision);
    const first = last - (n - 1);
    if (!Number.isSafeInteger(first) || first < 0) {
      throw new StoreUnavailableError(
        `KurrentDB acknowledged ${n} events to '${streamId}' at revision ${result.nextExpectedRevision}, which cannot hold them`,
      );
    }
    const reported = globalPositionOf(result.position);
    const [firstRead, lastRead] = await Promise.all([
      n > 1 ? this.positionAt(streamId, first, events[0].eventId) : undefined,
      reported === undefined ? this.positionAt(streamId, last, events[n - 1].eventId) : undefined,
    ]);
    let position = reported ?? lastRead!;
    if (firstRead !== undefined && firstRead >= position && lastRead === undefined) {
      // The reported position is not past the first event's, so it is not the last event's: read that too.
      position = await this.positionAt(streamId, last, events[n - 1].eventId);
    }
    return { nextExpectedRevision: last, position, firstPosition: firstRead ?? position };
  }

  /** The global position of the event at `revision`, which must be `eventId`. Read from the leader. */
  private async positionAt(streamId: string, revision: number, eventId: string): Promise<number> {
    let found: KurrentRecordedEvent[];
    try {
      found = await this.readRaw(streamId, revision, 1);
    } catch (error) {
      throw translateError(error, `the append to '${streamId}' was acknowledged, but reading its position back failed (retry it)`);
    }
    const event = found[0];
    if (event === undefined || event.id.toLowerCase() !== eventId) {
      throw new StoreUnavailableError(
        `KurrentDB acknowledged the append to '${streamId}', but revision ${revision} holds ${event ? `event ${event.id}` : 'nothing'} instead of event ${eventId}`,
      );
    }
    return requirePosition(event);
  }

  /**
   * After a revision conflict: was this append written before (a retry)? With an exact revision or 'no_stream',
   * KurrentDB already treats a retry whose ids all sit where it would have put them as idempotent; reading the
   * same place tells a late retry from a clash. Ids found there, but not as this same append, are a
   * DuplicateEventIdError as in the other adapters. ('any' and 'stream_exists' retries are recognised by the
   * server from its cache of recent event ids; a conflict there is a real one.) If the read fails, the conflict
   * stands.
   */
  private async findRetry(streamId: string, events: PreparedEvent[], expected: ExpectedRevision): Promise<AppendResult | undefined> {
    if (expected === 'any' || expected === 'stream_exists') return undefined;
    const from = expected === 'no_stream' ? 0 : expected + 1;
    let found: KurrentRecordedEvent[];
    try {
      found = await this.readRaw(streamId, from, events.length);
    } catch {
      return undefined;
    }
    const same = found.length === events.length && found.every((f, i) => f.id.toLowerCase() === events[i].eventId);
    if (same) {
      return {
        nextExpectedRevision: from + events.length - 1,
        position: requirePosition(found[found.length - 1]),
        firstPosition: requirePosition(found[0]),
      };
    }
    const ids = new Set(events.map((e) => e.eventId));
    if (found.some((f) => ids.has(f.id.toLowerCase()))) {
      throw new DuplicateEventIdError(
        `some event ids of this append to '${streamId}' are already in the stream, but not as this same append`,
      );
    }
    return undefined;
  }

  /** Up to `count` records of a stream from `revision`, undecoded, from the leader; [] for a missing stream. */
  private async readRaw(streamId: string, revision: number, count: number): Promise<KurrentRecordedEvent[]> {
    const out: KurrentRecordedEvent[] = [];
    try {
      const reading = this.client.readStream(this.namespace.toStored(streamId), {
        fromRevision: BigInt(revision),
        maxCount: count,
        requiresLeader: true,
      });
      for await (const resolved of reading) if (resolved.event) out.push(resolved.event);
    } catch (error) {
      if (error instanceof StreamNotFoundError) return [];
      throw error;
    }
    return out;
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    checkStreamId(streamId);
    const limit = Math.floor(Math.min(options.limit ?? Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER));
    if (!(limit > 0)) return [];
    const fromRevision = Number.isSafeInteger(options.fromRevision) && options.fromRevision! > 0 ? options.fromRevision! : 0;
    const out: RecordedEvent[] = [];
    try {
      const reading = this.client.readStream(this.namespace.toStored(streamId), {
        fromRevision: BigInt(fromRevision),
        maxCount: limit,
      });
      for await (const resolved of reading) {
        const event = resolved.event && decodeRecorded(resolved.event, this.namespace);
        if (event) out.push(event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError || error instanceof StreamDeletedError) return [];
      throw translateError(error, `reading stream '${streamId}' failed`);
    }
    return out;
  }

  /**
   * Pages forward through $all with the server-side filter. KurrentDB's fromPosition is inclusive, so each page
   * asks for one event more than it needs and the floor drops the event it starts at; a page left short by the
   * few records filtered here (system records the server filter lets through) is followed by another.
   */
  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    const after = options.after ?? 0;
    const limit = Math.floor(Math.min(options.limit ?? 1000, Number.MAX_SAFE_INTEGER - 1));
    if (!(limit > 0)) return [];
    const floor = new PositionFloor(after);
    const out: RecordedEvent[] = [];
    let from: ReadPosition = readPositionAfter(after);
    try {
      while (out.length < limit) {
        const maxCount = limit - out.length + 1;
        let seen = 0;
        let lastSeen: Position | undefined;
        for await (const resolved of this.client.readAll({ fromPosition: from, maxCount, filter: this.namespace.filter() })) {
          seen++;
          const raw = resolved.event;
          if (!raw || !floor.pass(requirePosition(raw))) continue;
          lastSeen = raw.position;
          const event = decodeRecorded(raw, this.namespace);
          if (event) out.push(event);
          if (out.length >= limit) break;
        }
        if (seen < maxCount || lastSeen === undefined) break;
        from = lastSeen;
      }
    } catch (error) {
      throw translateError(error, 'reading $all failed');
    }
    return out;
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    const after = options.after ?? 0;
    const source = this.client.subscribeToAll(
      { fromPosition: readPositionAfter(after), filter: this.namespace.filter(), resolveLinkTos: false },
      subscriptionStreamOptions(options.batchSize ?? 512),
    );
    const subscription: KurrentDbSubscription = new KurrentDbSubscription(
      source,
      after,
      (resolved) => (resolved.event ? decodeRecorded(resolved.event, this.namespace) : undefined),
      () => this.subscriptions.delete(subscription),
    );
    this.subscriptions.add(subscription);
    return subscription;
  }

  /** The position of the last event of ours in $all: read backwards until one is not filtered out here. */
  async headPosition(): Promise<number> {
    this.assertOpen();
    let from: ReadPosition = END;
    let ceiling = Number.POSITIVE_INFINITY;
    try {
      for (;;) {
        let seen = 0;
        let lastSeen: Position | undefined;
        const page = this.client.readAll({
          direction: BACKWARDS,
          fromPosition: from,
          maxCount: HEAD_PAGE,
          filter: this.namespace.filter(),
        });
        for await (const resolved of page) {
          seen++;
          const raw = resolved.event;
          if (!raw) continue;
          const position = requirePosition(raw);
          if (position >= ceiling) continue;
          ceiling = position;
          lastSeen = raw.position;
          if (decodeRecorded(raw, this.namespace)) return position;
        }
        if (seen < HEAD_PAGE || lastSeen === undefined) return 0;
        from = lastSeen;
      }
    } catch (error) {
      throw translateError(error, 'reading the head of $all failed');
    }
  }

  /** Ends the subscriptions, lets appends in flight finish, then disposes of the client's streams. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const subscription of [...this.subscriptions]) subscription.close();
    await Promise.allSettled([...this.appending]);
    await this.client.dispose().catch(() => undefined);
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}
