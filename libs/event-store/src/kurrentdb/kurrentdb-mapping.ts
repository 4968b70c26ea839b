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
  UnsupportedError,
  WrongExpectedVersionError,
  excludeSystemEvents,
  jsonEvent,
  streamNameFilter,
  type AppendStreamState,
  type CurrentStreamState,
  type EventData,
  type Filter,
  type JSONType,
  type MultiAppendResult,
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
import type { EventMetadata, ExpectedRevision, JsonObject, JsonValue, RecordedEvent } from '../event-store.port.js';
import type { PendingWrite } from '../pending-append.js';
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
 * A prepared event as the client's JSON event, for a single-stream append. prepareAppend already serialised data
 * and metadata once; parsing that text back gives the client an independent snapshot (a caller mutating its
 * objects after append() changes nothing), and the client's JSON.stringify writes the same text again. The
 * client's JSONType does not admit null, numbers or booleans at the top level, but it serialises any JSON value,
 * and reads parse it back.
 *
 * Metadata goes in as the JSON object it is, except when it has a key named METADATA_PROPERTY: then it goes in
 * wrapped as a multi-stream append writes it, so that decodeMetadata cannot take it for a wrapped one.
 */
export function toJsonEvent(e: PreparedEvent): EventData {
  const metadata = JSON.parse(e.metadata) as JsonObject;
  const looksWrapped = Object.prototype.hasOwnProperty.call(metadata, METADATA_PROPERTY);
  return jsonEvent({
    id: e.eventId,
    type: e.type,
    data: JSON.parse(e.data) as JSONType,
    metadata: (looksWrapped ? wrapMetadata(e.metadata) : metadata) as JSONType,
  });
}

/**
 * The one record property that carries an event's metadata, as its JSON text, when the event is written by a
 * multi-stream append. Stored in the log with every such event: never rename it.
 *
 * Why: multiStreamAppend goes through KurrentDB's v2 append API (AppendSession, KurrentDB 25.1 and later), where
 * an event has "properties" instead of metadata bytes, and the client (1.3) accepts only a flat object of string
 * values for them; our metadata is any JSON object. The server keeps the properties (a protobuf Struct) and, when
 * the record is read through the v1 API that readStream, readAll and subscriptions use, synthesises its metadata
 * bytes as the JSON of those properties plus keys of its own: "$schema.name" (the event type) and
 * "$schema.format" ("Json"), per KurrentDB's EventRecord.SynthesizeMetadataFromProperties and the Node client's own
 * multiStreamAppend test, which expects {"$schema.format": "Json", "$schema.name": <type>, ...the properties}.
 * (The earlier MultiStreamAppend RPC of 25.0, which this client version does not call, stored the JSON of the
 * properties with "$schema.data-format" and "$schema.name" instead.) So the metadata travels whole, as one string
 * property, and decodeMetadata unwraps it, dropping the server's '$' keys.
 *
 * Not established from public sources, nor tried against a server here: whether every 25.1+ server synthesises
 * exactly these keys (a later one could add others, e.g. a timestamp it has commented out for now, and client
 * tracing adds "$traceId"/"$spanId"). The decoder therefore drops every '$'-prefixed key next to this property;
 * a record with any other key beside it is returned as it is.
 */
export const METADATA_PROPERTY = 'metadata-json';

/** Metadata (its JSON text) wrapped as the properties of a multi-stream append's event: one string property. */
export function wrapMetadata(metadataJson: string): Record<string, string> {
  return { [METADATA_PROPERTY]: metadataJson };
}

/**
 * A prepared event as the client's JSON event, for multiStreamAppend: the same id, type and data as toJsonEvent,
 * and the metadata wrapped (see METADATA_PROPERTY), because that path takes only string-valued properties.
 */
export function toPropertyEvent(e: PreparedEvent): EventData {
  return jsonEvent({
    id: e.eventId,
    type: e.type,
    data: JSON.parse(e.data) as JSONType,
    metadata: wrapMetadata(e.metadata),
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
 * raw bytes when they are not JSON; anything that is not an object is kept under `value`. Metadata wrapped by a
 * multi-stream append (or by toJsonEvent) is unwrapped: see unwrapMetadata.
 */
export function decodeMetadata(metadata: unknown): EventMetadata {
  if (metadata === undefined || metadata === null) return {};
  if (metadata instanceof Uint8Array) {
    if (metadata.length === 0) return {};
    const parsed = parseJsonBytes(metadata);
    return decodeMetadata(parsed.ok ? parsed.value : Buffer.from(metadata).toString('base64'));
  }
  if (typeof metadata === 'object' && !Array.isArray(metadata)) return unwrapMetadata(metadata as EventMetadata);
  return { value: metadata as JsonValue };
}

/**
 * The metadata a wrapped record carries: its METADATA_PROPERTY, when that is the JSON text of an object and every
 * other key is one the server added ('$…'). Anything else is returned unchanged. Since toJsonEvent wraps every
 * metadata that has a METADATA_PROPERTY key of its own, what this adapter wrote through either path reads back
 * exactly as it was written.
 */
export function unwrapMetadata(metadata: EventMetadata): EventMetadata {
  if (!Object.prototype.hasOwnProperty.call(metadata, METADATA_PROPERTY)) return metadata;
  const text = metadata[METADATA_PROPERTY];
  if (typeof text !== 'string') return metadata;
  if (!Object.keys(metadata).every((key) => key === METADATA_PROPERTY || key.startsWith('$'))) return metadata;
  let inner: unknown;
  try {
    inner = JSON.parse(text);
  } catch {
    return metadata;
  }
  return inner !== null && typeof inner === 'object' && !Array.isArray(inner) ? (inner as EventMetadata) : metadata;
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

/** gRPC status codes the multi-stream append's failures are told apart by (the client leaves some unconverted). */
const GRPC_INVALID_ARGUMENT = 3;
const GRPC_UNIMPLEMENTED = 12;

/**
 * Maps a multiStreamAppend failure onto the port's errors. KurrentDB (25.1 and later, through the v2 AppendSession)
 * reports a failed expectation as a FAILED_PRECONDITION whose details name one stream, which client 1.3 turns into
 * a WrongExpectedVersionError (streamName: the stored name; actual -1, i.e. 'no_stream', for a missing stream);
 * only the first failing stream is reported. A tombstoned stream is a StreamTombstonedError, the size limits are
 * AppendRecordSizeExceededError (one record) and TransactionMaxSizeExceededError (the whole append, which must fit
 * one chunk). Requests the server's validation refuses (its rules for stream names and event types are stricter
 * than the v1 API's, and have changed between versions) come back as INVALID_ARGUMENT, which the client leaves as
 * an UnknownError with that code. A server without the v2 API answers UNIMPLEMENTED.
 */
export function translateMultiAppendError(
  error: unknown,
  writes: readonly PendingWrite[],
  namespace: StreamNamespace,
): EventStoreError {
  const streams = `'${writes.map((w) => w.streamId).join("', '")}'`;
  /** Our stream id for a stored name the server reported: the write's, or the name without the prefix. */
  const ours = (stored: string): string =>
    writes.find((w) => namespace.toStored(w.streamId) === stored)?.streamId ?? namespace.fromStored(stored) ?? stored;
  /** The stream the server named, quoted; all of them when it named none. */
  const named = (stored: string | undefined): string => (stored ? `'${ours(stored)}'` : streams);
  if (error instanceof WrongExpectedVersionError) {
    const write = writes.find((w) => namespace.toStored(w.streamId) === error.streamName);
    const streamId = write?.streamId ?? (error.streamName ? ours(error.streamName) : writes.map((w) => w.streamId).join("', '"));
    const expected = write?.expected ?? fromStreamState(error.expectedState);
    return new WrongExpectedRevisionError(streamId, expected, actualRevisionOf(error.actualState));
  }
  if (error instanceof StreamTombstonedError || error instanceof StreamDeletedError) {
    const stored = error instanceof StreamTombstonedError ? error.stream : error.streamName;
    return new InvalidAppendError(`the stream ${named(stored)} was deleted in KurrentDB and takes no more events`);
  }
  if (error instanceof AppendRecordSizeExceededError) {
    return new InvalidAppendError(
      `KurrentDB refused an event of the append to ${named(error.stream)} as too large: ${error.size} bytes, the limit is ${error.maxSize}`,
    );
  }
  if (error instanceof TransactionMaxSizeExceededError || error instanceof MaxAppendSizeExceededError) {
    return new InvalidAppendError(`KurrentDB refused the append to ${streams} as too large: ${messageOf(error)}`);
  }
  if (error instanceof UnsupportedError || grpcCodeOf(error) === GRPC_UNIMPLEMENTED) {
    return new StoreUnavailableError(
      `append to ${streams} failed, nothing was written: this KurrentDB server has no multi-stream append (it needs KurrentDB 25.1 or later)`,
      error,
    );
  }
  if (grpcCodeOf(error) === GRPC_INVALID_ARGUMENT) {
    return new InvalidAppendError(`KurrentDB refused the append to ${streams}: ${messageOf(error)}`);
  }
  return translateError(error, `append to ${streams} failed, nothing was acknowledged`);
}

/** The client's stream state as our expected revision (for a conflict on a stream that is not among the writes). */
function fromStreamState(state: AppendStreamState): ExpectedRevision {
  return typeof state === 'bigint' ? Number(state) : state;
}

function grpcCodeOf(error: unknown): number | undefined {
  const code = error !== null && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'number' ? code : undefined;
}

/**
 * KurrentDB refuses an append session that names one stream twice, comparing names without regard to case (it
 * keys the session's requests with OrdinalIgnoreCase), while prepareAppendMany only refuses exact repeats. Refused
 * here, before anything is sent, rather than as whatever error the server would answer.
 */
export function checkDistinctIgnoringCase(writes: readonly PendingWrite[]): void {
  const seen = new Map<string, string>();
  for (const w of writes) {
    const key = w.streamId.toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) {
      throw new InvalidAppendError(
        `appendMany writes to streams '${other}' and '${w.streamId}', which KurrentDB takes for the same stream in one atomic append (it compares their names ignoring case)`,
      );
    }
    seen.set(key, w.streamId);
  }
}

/**
 * The revision of each write's last event from a multi-stream append's answer, matched by stream name (the server
 * answers in the order of the requests, with the names as sent).
 */
export function revisionsOf(
  result: MultiAppendResult,
  writes: readonly PendingWrite[],
  namespace: StreamNamespace,
): bigint[] {
  return writes.map((w) => {
    const stored = namespace.toStored(w.streamId);
    const response = result.responses.find((r) => r.streamName === stored);
    if (response === undefined) {
      throw new StoreUnavailableError(
        `KurrentDB acknowledged the multi-stream append but reported no revision for stream '${w.streamId}' (retry it)`,
      );
    }
    return response.revision;
  });
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
