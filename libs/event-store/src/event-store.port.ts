/**
 * The event log port (DESIGN §3). Every adapter — SQLite, PostgreSQL, KurrentDB — implements exactly this, and
 * the contract suite in `libs/event-store/test` holds each of them to the same behaviour.
 *
 * Positions are 1-based and strictly increasing in the order events became visible. Stream revisions are 0-based.
 */

/** A plain JSON value: what `data` and `metadata` may hold. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/** Free-form metadata. The config plane puts actor, source, correlation ids and schema version here. */
export type EventMetadata = JsonObject;

/** An event as a writer hands it in. */
export interface NewEvent {
  /** A uuid; a retried append with the same ids writes nothing twice. Generated (v7) when absent. */
  eventId?: string;
  type: string;
  data: JsonValue;
  metadata?: EventMetadata;
}

/** An event as the log holds it: the envelope of DESIGN §3. */
export interface RecordedEvent {
  eventId: string;
  type: string;
  streamId: string;
  streamRevision: number;
  globalPosition: number;
  /** ISO-8601 time at which the log accepted the event. */
  recordedAt: string;
  data: JsonValue;
  metadata: EventMetadata;
}

/**
 * The optimistic-concurrency condition of an append.
 * - `any`: no check.
 * - `no_stream`: the stream must not exist yet (first write of an aggregate, name reservations).
 * - `stream_exists`: the stream must have at least one event.
 * - a number: the revision of the stream's last event must be exactly this.
 */
export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | number;

export interface AppendOptions {
  expectedRevision?: ExpectedRevision;
}

/** One stream's part of an atomic multi-stream append. */
export interface StreamWrite {
  streamId: string;
  events: NewEvent[];
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event written (or found, on an idempotent retry). */
  nextExpectedRevision: number;
  /** Global position of the last event written. */
  position: number;
  /** Global position of the first event written. */
  firstPosition: number;
}

export interface ReadStreamOptions {
  /** First revision to return (inclusive). Default 0. */
  fromRevision?: number;
  /** At most this many events. Default: all. */
  limit?: number;
}

export interface ReadAllOptions {
  /** Return events whose global position is strictly greater than this. Default 0: from the start. */
  after?: number;
  /** At most this many events. Default 1000. */
  limit?: number;
  /**
   * false: the reader has no use for metadata (a fold of the config state reads only the data), so the store
   * neither reads nor decodes it, and every event's metadata is an empty object (frozen, shared). Default true.
   */
  withMetadata?: boolean;
}

/** The metadata of an event read with `withMetadata: false`. */
export const NO_METADATA: EventMetadata = Object.freeze({}) as EventMetadata;

export interface SubscribeOptions {
  /** Deliver events with global position strictly greater than this. Default 0: the whole log. */
  after?: number;
  /** Events fetched per read while catching up; also the most a subscription buffers. Default 512. */
  batchSize?: number;
}

/**
 * Catch-up then live, in global order, with no gap and no duplicate. Pull-based: the store reads the next page
 * only when the consumer asks for more, so a slow consumer holds at most one page in memory (backpressure).
 */
export interface Subscription extends AsyncIterable<RecordedEvent> {
  /** Position of the last event handed to the consumer (or the start position). */
  readonly position: number;
  /** Events read from the store but not yet handed to the consumer; never more than one page. */
  readonly buffered: number;
  /** Ends the iteration; a pending `next()` resolves with `done`. */
  close(): void;
}

export interface EventStore {
  /** A short name for logs and metrics: 'sqlite', 'postgres', 'kurrentdb'. */
  readonly kind: string;
  append(streamId: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult>;
  /**
   * Appends to several distinct streams at once, all or nothing: when one stream's expected revision fails (or an
   * event id was used elsewhere), nothing is written and that stream's error is thrown. Results come in the order
   * of `writes`. A retry with the same event ids returns the first outcome. This is what keeps a resource, its
   * name reservation and its allocations consistent (DESIGN §3).
   */
  appendMany(writes: StreamWrite[]): Promise<AppendResult[]>;
  readStream(streamId: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  subscribeToAll(options?: SubscribeOptions): Subscription;
  /** Global position of the last visible event; 0 for an empty log. */
  headPosition(): Promise<number>;
  close(): Promise<void>;
}
