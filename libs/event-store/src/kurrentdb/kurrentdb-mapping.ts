/**
 * The pure half of the KurrentDB adapter: how our port's values map onto @kurrent/kurrentdb-client's and back.
 * Nothing here talks to a server, so all of it is unit-tested without one.
 */
import {
  ANY,
  AccessDeniedError,
  AppendRecordSizeExceededError,
  MaxAppendSizeExceededError,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamDeletedError,
  StreamTombstonedError,
  TransactionMaxSizeExceededError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AppendStreamState,
  type CurrentStreamState,
  type EventData,
  type Filter,
  type JSONType,
  type Position,
  type ReadPosition,
  type RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import {
  EventStoreError,
  InvalidAppendError,
  StoreUnavailableError,
  WrongExpectedRevisionError,
} from '../errors.js';
import type { EventMetadata, ExpectedRevision, JsonValue, RecordedEvent } from '../event-store.port.js';
import type { PreparedEvent } from '../validation.js';

/** Our optimistic-concurrency condition as the client's stream state. */
export function toStreamState(expected: ExpectedRevision): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      return BigInt(expected);
  }
}

/**
 * The revision a WrongExpectedVersionError reports. The client gives 'no_stream' or a bigint; servers have used
 * negative numbers (-1 no stream, -5 deleted, -6 tombstoned) for "there is no live stream", which is 'no_stream'
 * to us.
 */
export function actualRevisionOf(state: CurrentStreamState | undefined): number | 'no_stream' {
  if (state === undefined || state === NO_STREAM) return 'no_stream';
  return state < 0n ? 'no_stream' : Number(state);
}

/**
 * Where to start a forward read or subscription for events strictly after `after`. KurrentDB's own positions are
 * pairs; for every event written by a current server (each write is an implicit transaction) the commit and
 * prepare positions are both the event's own log position, so (after, after) names the event at `after` exactly.
 * Forward reads include the event at their start position, so callers still skip positions <= after.
 */
export function readPositionAfter(after: number): ReadPosition {
  if (!(after > 0)) return START;
  const p = BigInt(Math.trunc(after));
  return { commit: p, prepare: p };
}

/**
 * Our global position for a KurrentDB position: its commit position as a number. Undefined when the server did not
 * report one: no position at all, 0 (the proto default; no event lives at 0, the log opens with an epoch record),
 * or the all-ones sentinel old servers put on events read from a stream.
 */
export function globalPositionOf(position: Position | undefined): number | undefined {
  if (position === undefined) return undefined;
  const n = Number(position.commit);
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

/** KurrentDB's own records: system streams ($…, including $$ metadata streams) and system event types ($…). */
export function isSystemEvent(streamId: string, type: string): boolean {
  return streamId.startsWith('$') || type.startsWith('$');
}

/**
 * An optional prefix that puts all of one store's streams in their own namespace of a shared KurrentDB (several
 * controllers on one cluster, or one throwaway namespace per test). Stream ids are prefixed on the way in and
 * stripped on the way out; reads of $all see only the namespace.
 */
export class StreamNamespace {
  constructor(readonly prefix: string = '') {
    if (typeof prefix !== 'string') throw new Error('streamPrefix must be a string');
    if (prefix.startsWith('$')) throw new Error(`streamPrefix ${JSON.stringify(prefix)} must not start with '$' (KurrentDB reserves those streams)`);
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f]/.test(prefix)) throw new Error(`streamPrefix ${JSON.stringify(prefix)} contains a control character`);
  }

  toStored(streamId: string): string {
    return this.prefix + streamId;
  }

  /** Our stream id for a stored stream name; undefined when the stream is outside the namespace. */
  fromStored(stored: string): string | undefined {
    if (!stored.startsWith(this.prefix)) return undefined;
    const streamId = stored.slice(this.prefix.length);
    return streamId.length > 0 ? streamId : undefined;
  }

  /**
   * The server-side filter for reads and subscriptions of $all: the namespace's prefix, or without one every
   * event whose type is not a system type. System events the filter lets through are dropped by decodeRecorded.
   */
  filter(): Filter {
    return this.prefix === '' ? excludeSystemEvents() : streamNameFilter({ prefixes: [this.prefix] });
  }
}

/**
 * KurrentDB reserves stream names and event types that start with '$' for itself, and this adapter hides such
 * records from readAll and subscriptions. An append that would write one is refused up front, so every event an
 * append acknowledges is also one that readAll returns.
 */
export function checkNotReserved(streamId: string, events: PreparedEvent[]): void {
  if (streamId.startsWith('$')) {
    throw new InvalidAppendError(`the stream name '${streamId}' starts with '$', which KurrentDB reserves for system streams`);
  }
  events.forEach((e, i) => {
    if (e.type.startsWith('$')) {
      throw new InvalidAppendError(
        `event ${i} of the append to '${streamId}' has type '${e.type}'; types starting with '$' are reserved by KurrentDB`,
      );
    }
  });
}

/**
 * A prepared event as the client's JSON event. prepareAppend already serialised data and metadata once; parsing
 * that text back gives the client an independent snapshot (a caller mutating its objects after append() changes
 * nothing), and the client's JSON.stringify writes the same text again. The client's JSONType does not admit
 * null, numbers or booleans at the top level, but it serialises any JSON value, and reads parse it back.
 */
export function toJsonEvent(e: PreparedEvent): EventData {
  return jsonEvent({
    id: e.eventId,
    type: e.type,
    data: JSON.parse(e.data) as JSONType,
    metadata: JSON.parse(e.metadata) as JSONType,
  });
}

/**
 * Our envelope for a KurrentDB record, or undefined when it is not one of ours to show: a system record, a
 * record outside the namespace, or one without a usable position (which only old servers omit).
 */
export function decodeRecorded(event: KurrentRecordedEvent, namespace: StreamNamespace): RecordedEvent | undefined {
  if (isSystemEvent(event.streamId, event.type)) return undefined;
  const streamId = namespace.fromStored(event.streamId);
  if (streamId === undefined) return undefined;
  const globalPosition = requirePosition(event);
  return {
    eventId: event.id.toLowerCase(),
    type: event.type,
    streamId,
    streamRevision: Number(event.revision),
    globalPosition,
    recordedAt: isoTime(event.created),
    data: decodeData(event.data),
    metadata: decodeMetadata(event.metadata),
  };
}

/** The global position of a record, which every read of a current server carries. */
export function requirePosition(event: KurrentRecordedEvent): number {
  const position = globalPositionOf(event.position);
  if (position === undefined) {
    throw new StoreUnavailableError(
      `KurrentDB returned event ${event.id} of stream '${event.streamId}' without its log position; this adapter needs a server that reports positions on every read (KurrentDB, or EventStoreDB 22.6 and later)`,
    );
  }
  return position;
}

function isoTime(created: Date): string {
  return created instanceof Date && !Number.isNaN(created.getTime()) ? created.toISOString() : new Date(0).toISOString();
}

/**
 * Event data as JSON. Events this adapter wrote are JSON and come back already parsed by the client. Records
 * written by others may be binary: UTF-8 JSON is parsed, anything else is returned as a base64 string.
 */
export function decodeData(data: unknown): JsonValue {
  if (data instanceof Uint8Array) {
    const parsed = parseJsonBytes(data);
    return parsed.ok ? parsed.value : Buffer.from(data).toString('base64');
  }
  return data === undefined ? null : (data as JsonValue);
}

/**
 * Event metadata as a JSON object. Ours is always an object. The client gives undefined for empty metadata and the
 * raw bytes when they are not JSON; anything that is not an object is kept under `value`.
 */
export function decodeMetadata(metadata: unknown): EventMetadata {
  if (metadata === undefined || metadata === null) return {};
  if (metadata instanceof Uint8Array) {
    if (metadata.length === 0) return {};
    const parsed = parseJsonBytes(metadata);
    return decodeMetadata(parsed.ok ? parsed.value : Buffer.from(metadata).toString('base64'));
  }
  if (typeof metadata === 'object' && !Array.isArray(metadata)) return metadata as EventMetadata;
  return { value: metadata as JsonValue };
}

function parseJsonBytes(bytes: Uint8Array): { ok: true; value: JsonValue } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(Buffer.from(bytes).toString('utf8')) as JsonValue };
  } catch {
    return { ok: false };
  }
}

/**
 * Filters a forward walk over $all down to events strictly after a position, however often the walk restarts:
 * KurrentDB's fromPosition is inclusive, so each restart returns the event it starts at once more.
 */
export class PositionFloor {
  constructor(private floor: number) {}

  get value(): number {
    return this.floor;
  }

  /** True (and the floor moves up) when `position` is past the floor; false for an event already passed. */
  pass(position: number): boolean {
    if (position <= this.floor) return false;
    this.floor = position;
    return true;
  }
}

/** Maps an append failure onto the port's errors. A WrongExpectedVersionError names the stream's actual revision. */
export function translateAppendError(error: unknown, streamId: string, expected: ExpectedRevision): EventStoreError {
  if (error instanceof WrongExpectedVersionError) {
    return new WrongExpectedRevisionError(streamId, expected, actualRevisionOf(error.actualState));
  }
  if (
    error instanceof MaxAppendSizeExceededError ||
    error instanceof AppendRecordSizeExceededError ||
    error instanceof TransactionMaxSizeExceededError
  ) {
    return new InvalidAppendError(`KurrentDB refused the append to '${streamId}' as too large: ${messageOf(error)}`);
  }
  if (error instanceof StreamDeletedError || error instanceof StreamTombstonedError) {
    return new InvalidAppendError(`the stream '${streamId}' was deleted in KurrentDB and takes no more events`);
  }
  return translateError(error, `append to '${streamId}' failed, nothing was acknowledged`);
}

/**
 * Any other failure: the server is unreachable, timed out, not the leader, refused the credentials, or failed.
 * Our own errors pass through unchanged.
 */
export function translateError(error: unknown, doing: string): EventStoreError {
  if (error instanceof EventStoreError) return error;
  if (error instanceof AccessDeniedError) {
    return new StoreUnavailableError(`${doing}: KurrentDB denied access (check the credentials in the connection string)`, error);
  }
  return new StoreUnavailableError(`${doing}: ${messageOf(error)}`, error);
}

export function messageOf(error: unknown): string {
  if (error instanceof EventStoreError) return error.message;
  if (error instanceof Error) {
    const type = (error as { type?: unknown }).type;
    const message = error.message && error.message !== error.constructor.name ? error.message : '';
    return [typeof type === 'string' ? type : error.constructor.name, message].filter(Boolean).join(': ');
  }
  return String(error);
}
