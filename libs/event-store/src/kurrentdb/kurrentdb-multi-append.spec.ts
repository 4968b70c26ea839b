/**
 * The pure parts of appendMany over KurrentDB: how metadata travels as a record property and reads back, how the
 * server's failures of a multi-stream append become the port's errors, and the checks around it.
 */
import { describe, expect, it } from '@jest/globals';
import {
  AppendRecordSizeExceededError,
  StreamTombstonedError,
  TransactionMaxSizeExceededError,
  UnavailableError,
  UnknownError,
  UnsupportedError,
  WrongExpectedVersionError,
  convertToCommandError,
} from '@kurrent/kurrentdb-client';
import { createRequire } from 'node:module';
import { DuplicateEventIdError, InvalidAppendError, StoreUnavailableError, WrongExpectedRevisionError } from '../errors.js';
import type { EventMetadata, StreamWrite } from '../event-store.port.js';
import { prepareAppend, prepareAppendMany } from '../validation.js';
import {
  METADATA_PROPERTY,
  StreamNamespace,
  checkDistinctIgnoringCase,
  decodeMetadata,
  revisionsOf,
  toJsonEvent,
  toPropertyEvent,
  translateMultiAppendError,
  unwrapMetadata,
} from './kurrentdb-mapping.js';

const ns = new StreamNamespace('t1-');

function prepared(metadata: EventMetadata, type = 'Created') {
  return prepareAppend('s', [{ type, data: { a: 1 }, metadata }], undefined, 1 << 20).events[0];
}

/**
 * What a KurrentDB 25.1+ server hands the v1 read API for a record appended through the v2 API: the JSON of its
 * properties, plus "$schema.name" and "$schema.format" (EventRecord.SynthesizeMetadataFromProperties).
 */
function synthesisedMetadata(properties: Record<string, string>, type: string, extra: Record<string, string> = {}): Uint8Array {
  return Buffer.from(JSON.stringify({ ...properties, '$schema.name': type, '$schema.format': 'Json', ...extra }), 'utf8');
}

const samples: Array<[string, EventMetadata]> = [
  ['empty', {}],
  ['flat strings', { actor: 'alice', source: 'api' }],
  ['numbers, booleans, null, nesting', { schemaVersion: 3, dryRun: false, parent: null, trace: { ids: [1, 'two', { deep: [] }] } }],
  ['unicode, quotes and escapes', { note: 'grüße "quoted" \\ \n \t 😀 \u2028', 'key with spaces': '<&>' }],
  ['keys that look like the server’s', { '$schema.name': 'mine', $x: 1 }],
  ['its own metadata-json key', { [METADATA_PROPERTY]: '{"forged":true}', actor: 'mallory' }],
  ['only a metadata-json key holding an object', { [METADATA_PROPERTY]: { nested: 'object' } }],
  ['__proto__ as a key', JSON.parse('{"__proto__":{"polluted":true},"a":1}') as EventMetadata],
];

describe('metadata through a multi-stream append', () => {
  it('goes in as a single string property, which the client accepts', () => {
    const e = prepared({ actor: 'alice', n: 1, nested: { x: [true] } });
    const event = toPropertyEvent(e);
    expect(event).toMatchObject({ id: e.eventId, type: 'Created', contentType: 'application/json', data: { a: 1 } });
    expect(event.metadata).toEqual({ [METADATA_PROPERTY]: e.metadata });
    // multiStreamAppend refuses metadata that is not a plain object of string values:
    expect(Object.values(event.metadata as object).every((v) => typeof v === 'string')).toBe(true);
    // and JSON-stringifies data exactly as the single-stream path does:
    expect(JSON.stringify(event.data)).toBe(e.data);
  });

  it.each(samples)('reads back exactly as written (%s)', (_label, metadata) => {
    const e = prepared(metadata, 'VnCreated');
    const properties = toPropertyEvent(e).metadata as Record<string, string>;
    expect(decodeMetadata(synthesisedMetadata(properties, 'VnCreated'))).toEqual(JSON.parse(e.metadata));
    // The client parses the bytes itself when they are JSON:
    expect(decodeMetadata(JSON.parse(Buffer.from(synthesisedMetadata(properties, 'VnCreated')).toString()))).toEqual(
      JSON.parse(e.metadata),
    );
  });

  it("reads back whatever other '$' keys the server adds, and the older servers' key names", () => {
    const e = prepared({ actor: 'a' });
    const properties = toPropertyEvent(e).metadata as Record<string, string>;
    expect(decodeMetadata(synthesisedMetadata(properties, 'T', { $timestamp: '1700000000000', $traceId: 'x' }))).toEqual({ actor: 'a' });
    const older = { ...properties, '$schema.data-format': 'Json', '$schema.name': 'T' };
    expect(decodeMetadata(older)).toEqual({ actor: 'a' });
  });
});

describe('metadata through a single-stream append', () => {
  it.each(samples)('reads back exactly as written (%s)', (_label, metadata) => {
    const e = prepared(metadata);
    // The single-stream path stores the event's metadata object as JSON, and reads get those bytes back.
    const stored = Buffer.from(JSON.stringify(toJsonEvent(e).metadata));
    expect(decodeMetadata(stored)).toEqual(JSON.parse(e.metadata));
  });

  it('is stored as it is unless it has a metadata-json key of its own, which would make it look wrapped', () => {
    expect(toJsonEvent(prepared({ actor: 'a' })).metadata).toEqual({ actor: 'a' });
    const own = prepared({ [METADATA_PROPERTY]: '{}', actor: 'a' });
    expect(toJsonEvent(own).metadata).toEqual({ [METADATA_PROPERTY]: own.metadata });
  });
});

describe('unwrapping', () => {
  it('leaves alone what is not a wrapped record', () => {
    const cases: EventMetadata[] = [
      { actor: 'a' },
      { '$schema.name': 'T', '$schema.format': 'Json', actor: 'a' },
      { [METADATA_PROPERTY]: 42 },
      { [METADATA_PROPERTY]: '{"a":1}', other: 'x' },
      { [METADATA_PROPERTY]: 'not json' },
      { [METADATA_PROPERTY]: '[1,2]' },
      { [METADATA_PROPERTY]: 'null' },
    ];
    for (const m of cases) expect(unwrapMetadata(m)).toBe(m);
  });

  it("unwraps the property next to the server's '$' keys only", () => {
    expect(unwrapMetadata({ [METADATA_PROPERTY]: '{"a":[1]}', '$schema.name': 'T' })).toEqual({ a: [1] });
    expect(unwrapMetadata({ [METADATA_PROPERTY]: '{}' })).toEqual({});
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Failures, built as the server sends them (a gRPC status with google.rpc.Status details) and converted by the
// client's own convertToCommandError, as its multiStreamAppend does.

const fromClient = createRequire(createRequire(import.meta.url).resolve('@kurrent/kurrentdb-client'));

interface ProtoMessage {
  serializeBinary(): Uint8Array;
}
type Setters = Record<string, (value: unknown) => unknown>;
const grpc = fromClient('@grpc/grpc-js') as {
  Metadata: new () => { set(key: string, value: Buffer | string): void };
  status: Record<string, number>;
};
const { Any } = fromClient('google-protobuf/google/protobuf/any_pb.js') as {
  Any: new () => ProtoMessage & { setTypeUrl(url: string): void; setValue(value: Uint8Array): void };
};
const { Status } = fromClient('../generated/kurrentdb/protocols/v1/status_pb.js') as {
  Status: new () => ProtoMessage & { setCode(code: number): void; setMessage(m: string): void; setDetails(any: unknown): void };
};
const errorsPb = fromClient('../generated/kurrentdb/protocols/v2/streams/errors_pb.js') as Record<string, new () => ProtoMessage>;

/** A ServiceError with `details` of `detailsType` (a message of the v2 streams errors proto) set from `fields`. */
function serverError(code: number, message: string, detailsType?: string, fields: Record<string, unknown> = {}): Error {
  const metadata = new grpc.Metadata();
  if (detailsType) {
    const details = new errorsPb[detailsType]() as ProtoMessage & Setters;
    for (const [name, value] of Object.entries(fields)) details[`set${name[0].toUpperCase()}${name.slice(1)}`](value);
    const any = new Any();
    any.setTypeUrl(`type.googleapis.com/kurrentdb.protocol.v2.streams.errors.${detailsType}`);
    any.setValue(details.serializeBinary());
    const status = new Status();
    status.setCode(code);
    status.setMessage(message);
    status.setDetails(any);
    metadata.set('grpc-status-details-bin', Buffer.from(status.serializeBinary()));
  }
  return Object.assign(new Error(`${code} ${message}`), { code, details: message, metadata });
}

function writes(list: StreamWrite[]) {
  return prepareAppendMany(list, 1 << 20);
}

const three = writes([
  { streamId: 'vn-1', events: [{ type: 'Created', data: {} }], expectedRevision: 'no_stream' },
  { streamId: 'fqname-vn-blue', events: [{ type: 'NameReserved', data: {} }], expectedRevision: 'no_stream' },
  { streamId: 'pool', events: [{ type: 'IdAllocated', data: {} }], expectedRevision: 4 },
]);

describe('multi-stream append failures', () => {
  it('a revision conflict names our stream, its expectation and what the stream holds', () => {
    const wire = serverError(grpc.status.FAILED_PRECONDITION, 'revision conflict', 'StreamRevisionConflictErrorDetails', {
      stream: 't1-fqname-vn-blue',
      expectedRevision: '-1',
      actualRevision: '0',
    });
    const clientError = convertToCommandError(wire);
    expect(clientError).toBeInstanceOf(WrongExpectedVersionError);
    const ours = translateMultiAppendError(clientError, three, ns);
    expect(ours).toBeInstanceOf(WrongExpectedRevisionError);
    expect(ours).toMatchObject({ streamId: 'fqname-vn-blue', expected: 'no_stream', actual: 0 });
    expect(ours.message).toMatch(/stream 'fqname-vn-blue'/);
  });

  it("a conflict on a missing stream reports 'no_stream'; an exact expectation is kept", () => {
    const wire = serverError(grpc.status.FAILED_PRECONDITION, 'conflict', 'StreamRevisionConflictErrorDetails', {
      stream: 't1-pool',
      expectedRevision: '4',
      actualRevision: '-1',
    });
    expect(translateMultiAppendError(convertToCommandError(wire), three, ns)).toMatchObject({
      streamId: 'pool',
      expected: 4,
      actual: 'no_stream',
    });
  });

  it('a conflict on a stream that is not among the writes still names it, without the prefix', () => {
    const error = new WrongExpectedVersionError(undefined as never, { streamName: 't1-other', expected: 7n, current: 9n });
    expect(translateMultiAppendError(error, three, ns)).toMatchObject({ streamId: 'other', expected: 7, actual: 9 });
  });

  it('a tombstoned stream is InvalidAppendError naming it', () => {
    const wire = serverError(grpc.status.FAILED_PRECONDITION, 'tombstoned', 'StreamTombstonedErrorDetails', { stream: 't1-vn-1' });
    const clientError = convertToCommandError(wire);
    expect(clientError).toBeInstanceOf(StreamTombstonedError);
    const ours = translateMultiAppendError(clientError, three, ns);
    expect(ours).toBeInstanceOf(InvalidAppendError);
    expect(ours.message).toMatch(/'vn-1' was deleted/);
  });

  it('the size limits are InvalidAppendError', () => {
    const record = convertToCommandError(
      serverError(grpc.status.INVALID_ARGUMENT, 'too big', 'AppendRecordSizeExceededErrorDetails', {
        stream: 't1-pool',
        recordId: 'x',
        size: 2000,
        maxSize: 1000,
      }),
    );
    expect(record).toBeInstanceOf(AppendRecordSizeExceededError);
    const fromRecord = translateMultiAppendError(record, three, ns);
    expect(fromRecord).toBeInstanceOf(InvalidAppendError);
    expect(fromRecord.message).toMatch(/append to 'pool' as too large: 2000 bytes, the limit is 1000/);

    const transaction = convertToCommandError(
      serverError(grpc.status.ABORTED, 'too big', 'AppendTransactionSizeExceededErrorDetails', { size: 9, maxSize: 8 }),
    );
    expect(transaction).toBeInstanceOf(TransactionMaxSizeExceededError);
    const fromTransaction = translateMultiAppendError(transaction, three, ns);
    expect(fromTransaction).toBeInstanceOf(InvalidAppendError);
    expect(fromTransaction.message).toMatch(/'vn-1', 'fqname-vn-blue', 'pool' as too large/);
  });

  it("a request the server's validation refuses is InvalidAppendError with its reason", () => {
    const clientError = convertToCommandError(serverError(grpc.status.INVALID_ARGUMENT, 'Schema name can only contain …'));
    expect(clientError).toBeInstanceOf(UnknownError);
    const ours = translateMultiAppendError(clientError, three, ns);
    expect(ours).toBeInstanceOf(InvalidAppendError);
    expect(ours.message).toMatch(/KurrentDB refused the append to .*Schema name can only contain/);
  });

  it('a server without multi-stream appends is StoreUnavailableError saying which version is needed', () => {
    for (const error of [
      convertToCommandError(serverError(grpc.status.UNIMPLEMENTED, 'Method not found')),
      new UnsupportedError('multiStreamAppend', '25.1'),
    ]) {
      const ours = translateMultiAppendError(error, three, ns);
      expect(ours).toBeInstanceOf(StoreUnavailableError);
      expect(ours.message).toMatch(/needs KurrentDB 25\.1 or later/);
      expect((ours as StoreUnavailableError).cause).toBe(error);
    }
  });

  it('transport failures are StoreUnavailableError keeping the cause; our own errors pass through', () => {
    for (const error of [new UnavailableError(), convertToCommandError(serverError(grpc.status.UNAVAILABLE, 'down')), new Error('hang up')]) {
      const ours = translateMultiAppendError(error, three, ns);
      expect(ours).toBeInstanceOf(StoreUnavailableError);
      expect((ours as StoreUnavailableError).cause).toBe(error);
    }
    const own = new DuplicateEventIdError('dup');
    expect(translateMultiAppendError(own, three, ns)).toBe(own);
  });
});

describe('multi-stream append answers and checks', () => {
  it("each write's revision comes from the response for its stream", () => {
    const result = {
      position: 4096n,
      responses: [
        { streamName: 't1-pool', revision: 5n },
        { streamName: 't1-vn-1', revision: 0n },
        { streamName: 't1-fqname-vn-blue', revision: 0n },
      ],
    };
    expect(revisionsOf(result, three, ns)).toEqual([0n, 0n, 5n]);
    expect(() => revisionsOf({ position: 1n, responses: result.responses.slice(1) }, three, ns)).toThrow(StoreUnavailableError);
  });

  it('streams whose names differ only in case are refused before anything is sent', () => {
    const same = writes([
      { streamId: 'Vn-1', events: [{ type: 'A', data: {} }] },
      { streamId: 'vn-1', events: [{ type: 'A', data: {} }] },
    ]);
    expect(() => checkDistinctIgnoringCase(same)).toThrow(InvalidAppendError);
    expect(() => checkDistinctIgnoringCase(same)).toThrow(/'Vn-1' and 'vn-1'/);
    expect(() => checkDistinctIgnoringCase(three)).not.toThrow();
  });
});
