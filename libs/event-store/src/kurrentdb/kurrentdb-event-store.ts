import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  type AppendResult as KurrentAppendResult,
  type Direction,
  type MultiAppendResult,
  type Position,
  type ReadPosition,
  type RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import { DuplicateEventIdError, StoreClosedError, StoreUnavailableError, WrongExpectedRevisionError } from '../errors.js';
import { NO_METADATA } from '../event-store.port.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamWrite,
  SubscribeOptions,
  Subscription,
} from '../event-store.port.js';
import type { PendingWrite } from '../pending-append.js';
import { DEFAULT_MAX_EVENT_BYTES, checkStreamId, prepareAppend, prepareAppendMany, type PreparedEvent } from '../validation.js';
import {
  PositionFloor,
  StreamNamespace,
  checkDistinctIgnoringCase,
  checkNotReserved,
  decodeRecorded,
  globalPositionOf,
  messageOf,
  readPositionAfter,
  requirePosition,
  revisionsOf,
  toJsonEvent,
  toPropertyEvent,
  toStreamState,
  translateAppendError,
  translateError,
  translateMultiAppendError,
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
/** Events per backward page, and the most read in all, while looking for a retried multi-stream append's write. */
const RETRY_SCAN_PAGE = 64;
const RETRY_SCAN_LIMIT = 10_000;

/** What a stream holds where an append's events would have gone: see matchAt. */
type Match = { kind: 'same'; result: AppendResult } | { kind: 'clash' } | { kind: 'absent' };

/**
 * The scale-out store (DESIGN §3), over KurrentDB's gRPC client.
 *
 * - Positions are KurrentDB's own: an event's commit position in the transaction log, as a number. They grow
 *   strictly in $all order but are byte offsets, so they have gaps (the next event is not position + 1).
 * - Revisions, optimistic concurrency and idempotent retries are the server's: each append is one atomic write
 *   with our event ids as KurrentDB event ids, and the server answers a retried write with the outcome of the
 *   first. The adapter checks what it cannot take on trust (see `confirm` and `findRetry`).
 * - appendMany of several streams is KurrentDB's multi-stream append (the v2 API, KurrentDB 25.1 and later), one
 *   transaction. Its events carry their metadata as one string property (see METADATA_PROPERTY in the mapping);
 *   reads unwrap it. appendMany of one stream is a plain append, so older servers serve it too.
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
    return this.track(prepared.events[0].eventId, () => this.write(streamId, prepared.events, prepared.expected));
  }

  /**
   * Several streams: one multiStreamAppend, all or nothing. One stream: the plain append path, which every server
   * supports, with its answer in an array.
   */
  appendMany(writes: StreamWrite[]): Promise<AppendResult[]> {
    if (this.closed) return Promise.reject(new StoreClosedError());
    let pending: PendingWrite[];
    try {
      pending = prepareAppendMany(writes, this.maxEventBytes);
      for (const w of pending) checkNotReserved(w.streamId, w.events);
      checkDistinctIgnoringCase(pending);
    } catch (error) {
      return Promise.reject(error);
    }
    const key = pending[0].events[0].eventId;
    if (pending.length === 1) {
      const [only] = pending;
      return this.track(key, async () => [await this.write(only.streamId, only.events, only.expected)]);
    }
    return this.track(key, () => this.writeMany(pending));
  }

  /**
   * Runs an append, keyed by its first event id, so that close() waits for it and a retry issued while the attempt
   * it repeats is still in flight goes after it, and so meets a write the server has finished and answers
   * idempotently (rather than one it has not indexed yet).
   */
  private track<T>(key: string, attempt: () => Promise<T>): Promise<T> {
    const earlier = this.inFlight.get(key);
    const run = (async () => {
      if (earlier) await earlier.catch(() => undefined);
      return attempt();
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
    return this.confirm(streamId, events, result.nextExpectedRevision, globalPositionOf(result.position));
  }

  /**
   * The AppendResult of an acknowledged append. KurrentDB answers with the stream's revision after the append and
   * the log position of its last event; on an idempotent retry, with those of the original write. The first
   * event's position is not in the answer, so for several events it is read back from the stream (revision
   * `next - (n - 1)`); so is the last one's when the server gave none (older servers answer an idempotent retry
   * without a position, and a multi-stream append answers one position for the whole transaction, which is passed
   * as none). Each event read back must carry the id we wrote, or the answer is not trusted.
   */
  private async confirm(
    streamId: string,
    events: PreparedEvent[],
    nextExpectedRevision: bigint,
    reported: number | undefined,
  ): Promise<AppendResult> {
    const n = events.length;
    const last = Number(nextExpectedRevision);
    const first = last - (n - 1);
    if (!Number.isSafeInteger(first) || first < 0) {
      throw new StoreUnavailableError(
        `KurrentDB acknowledged ${n} events to '${streamId}' at revision ${nextExpectedRevision}, which cannot hold them`,
      );
    }
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
    const from = placeOf(expected);
    if (from === undefined) return undefined;
    const match = await this.matchAt(streamId, events, from);
    if (match?.kind === 'clash') {
      throw new DuplicateEventIdError(
        `some event ids of this append to '${streamId}' are already in the stream, but not as this same append`,
      );
    }
    return match?.kind === 'same' ? match.result : undefined;
  }

  /**
   * What a stream holds from revision `from`, where `events` would have gone: 'same' (these very events, in this
   * order: this append was written before), 'clash' (some of their ids, but not as this same append) or 'absent'.
   * Undefined when the read fails.
   */
  private async matchAt(streamId: string, events: PreparedEvent[], from: number): Promise<Match | undefined> {
    let found: KurrentRecordedEvent[];
    try {
      found = await this.readRaw(streamId, from, events.length);
    } catch {
      return undefined;
    }
    if (found.length === events.length && found.every((f, i) => f.id.toLowerCase() === events[i].eventId)) {
      return {
        kind: 'same',
        result: {
          nextExpectedRevision: from + events.length - 1,
          position: requirePosition(found[found.length - 1]),
          firstPosition: requirePosition(found[0]),
        },
      };
    }
    const ids = new Set(events.map((e) => e.eventId));
    return found.some((f) => ids.has(f.id.toLowerCase())) ? { kind: 'clash' } : { kind: 'absent' };
  }

  /**
   * One multiStreamAppend for several streams. The answer holds each stream's revision after the append and one
   * position for the whole transaction, so each write's first and last positions are read back (`confirm`).
   */
  private async writeMany(writes: PendingWrite[]): Promise<AppendResult[]> {
    let result: MultiAppendResult;
    try {
      result = await this.client.multiStreamAppend(
        writes.map((w) => ({
          streamName: this.namespace.toStored(w.streamId),
          events: w.events.map(toPropertyEvent),
          expectedState: toStreamState(w.expected),
        })),
      );
    } catch (error) {
      if (error instanceof WrongExpectedVersionError) {
        const retried = await this.findRetryMany(writes);
        if (retried) return retried;
      }
      throw translateMultiAppendError(error, writes, this.namespace);
    }
    const revisions = revisionsOf(result, writes, this.namespace);
    return Promise.all(writes.map((w, i) => this.confirm(w.streamId, w.events, revisions[i], undefined)));
  }

  /**
   * After a revision conflict of a multi-stream append: was this append written before, whole (a late retry the
   * server did not answer idempotently)? Each write with a fixed place (an exact revision or 'no_stream') must hold
   * its events exactly there, as `findRetry` checks for one stream; then each write without one ('any',
   * 'stream_exists') is looked for where the transaction put it (`locate`). Undefined when none of the fixed
   * writes is there (a real conflict) or a read fails (the conflict stands); DuplicateEventIdError when the ids
   * are in the log, but not as this same append.
   */
  private async findRetryMany(writes: PendingWrite[]): Promise<AppendResult[] | undefined> {
    const duplicate = () =>
      new DuplicateEventIdError(
        `some event ids of this append to '${writes.map((w) => w.streamId).join("', '")}' are already in the log, but not as this same append`,
      );
    const places = writes.map((w) => placeOf(w.expected));
    const matches = await Promise.all(
      writes.map((w, i) => (places[i] === undefined ? undefined : this.matchAt(w.streamId, w.events, places[i]))),
    );
    const results: Array<AppendResult | undefined> = writes.map(() => undefined);
    let same = 0;
    let fixed = 0;
    for (let i = 0; i < writes.length; i++) {
      if (places[i] === undefined) continue;
      fixed++;
      const match = matches[i];
      if (match === undefined) return undefined;
      if (match.kind === 'clash') throw duplicate();
      if (match.kind === 'same') {
        results[i] = match.result;
        same++;
      }
    }
    if (same === 0) return undefined;
    if (same < fixed) throw duplicate();
    const located = await Promise.all(
      writes.map((w, i) => {
        if (results[i] !== undefined) return results[i];
        // The transaction wrote the writes in order: this one lies after the fixed writes before it, before those after.
        const before = results.slice(0, i).filter((r) => r !== undefined);
        const after = results.slice(i + 1).filter((r) => r !== undefined);
        const lower = before.length > 0 ? Math.max(...before.map((r) => r.position)) : undefined;
        const upper = after.length > 0 ? Math.min(...after.map((r) => r.firstPosition)) : undefined;
        return this.locate(w, lower, upper);
      }),
    );
    if (located.some((r) => r === undefined)) return undefined;
    if (located.some((r) => r === 'absent')) throw duplicate();
    return located as AppendResult[];
  }

  /**
   * Finds a write without a fixed place of a multi-stream append that was committed before. An append is one
   * contiguous transaction in the log, written in the order of its writes, so this write's events lie above
   * `lower` (the last position of the fixed writes before it) and below `upper` (the first position of those after
   * it); at least one of the two is known. The stream is read backwards from its end, skipping what was appended to
   * it since (at or above `upper`), until the write's last event comes up: with `upper` known it must be the first
   * event below it; otherwise it must come before the walk reaches `lower`. Then the whole write is checked where
   * it must start. 'absent' when it is not there as this append; undefined when a read fails or the walk gives up
   * after RETRY_SCAN_LIMIT events (a busy stream, long after the first attempt).
   */
  private async locate(
    w: PendingWrite,
    lower: number | undefined,
    upper: number | undefined,
  ): Promise<AppendResult | 'absent' | undefined> {
    const n = w.events.length;
    const lastId = w.events[n - 1].eventId;
    let from: number | typeof END = END;
    let scanned = 0;
    for (;;) {
      let page: KurrentRecordedEvent[];
      try {
        page = await this.readRaw(w.streamId, from, RETRY_SCAN_PAGE, BACKWARDS);
      } catch {
        return undefined;
      }
      for (const event of page) {
        const position = requirePosition(event);
        if (upper !== undefined && position >= upper) continue;
        if (event.id.toLowerCase() === lastId) {
          const first = Number(event.revision) - (n - 1);
          if (first < 0) return 'absent';
          const match = await this.matchAt(w.streamId, w.events, first);
          return match === undefined ? undefined : match.kind === 'same' ? match.result : 'absent';
        }
        if (upper !== undefined || (lower !== undefined && position <= lower)) return 'absent';
      }
      scanned += page.length;
      if (page.length < RETRY_SCAN_PAGE) return 'absent';
      if (scanned >= RETRY_SCAN_LIMIT) return undefined;
      const next = Number(page[page.length - 1].revision) - 1;
      if (next < 0) return 'absent';
      from = next;
    }
  }

  /**
   * Up to `count` records of a stream from revision `from` (or its end), forwards or backwards, undecoded, from the
   * leader; [] for a missing stream.
   */
  private async readRaw(
    streamId: string,
    from: number | typeof END,
    count: number,
    direction: Direction = FORWARDS,
  ): Promise<KurrentRecordedEvent[]> {
    const out: KurrentRecordedEvent[] = [];
    try {
      const reading = this.client.readStream(this.namespace.toStored(streamId), {
        fromRevision: from === END ? END : BigInt(from),
        maxCount: count,
        direction,
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
          // The client has decoded the metadata already: without it, it is only left out.
          if (event) out.push(options.withMetadata === false ? { ...event, metadata: NO_METADATA } : event);
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

/** Where an append's first event must go, for an expectation that fixes it; undefined for 'any' and 'stream_exists'. */
function placeOf(expected: ExpectedRevision): number | undefined {
  if (expected === 'any' || expected === 'stream_exists') return undefined;
  return expected === 'no_stream' ? 0 : expected + 1;
}
