import { describe, expect, it } from '@jest/globals';
import {
  AccessDeniedError,
  MaxAppendSizeExceededError,
  START,
  StreamDeletedError,
  UnavailableError,
  WrongExpectedVersionError,
  type RecordedEvent as KurrentRecordedEvent,
} from '@kurrent/kurrentdb-client';
import { InvalidAppendError, StoreUnavailableError, WrongExpectedRevisionError } from '../errors.js';
import { prepareAppend } from '../validation.js';
import {
  PositionFloor,
  StreamNamespace,
  actualRevisionOf,
  checkNotReserved,
  decodeData,
  decodeMetadata,
  decodeRecorded,
  globalPositionOf,
  isSystemEvent,
  readPositionAfter,
  toJsonEvent,
  toStreamState,
  translateAppendError,
  translateError,
} from './kurrentdb-mapping.js';

const ID = '0190a3c5-7e21-7b3f-8c4d-5e6f708192a3';

function recorded(over: Partial<Record<string, unknown>> = {}): KurrentRecordedEvent {
  return {
    streamId: 'vn-1',
    id: ID,
    isJson: true,
    revision: 3n,
    type: 'Created',
    created: new Date('2026-01-02T03:04:05.678Z'),
    data: { name: 'blue' },
    metadata: { actor: 'alice' },
    position: { commit: 4096n, prepare: 4096n },
    ...over,
  } as KurrentRecordedEvent;
}

describe('expected revision → stream state', () => {
  it.each([
    ['any', 'any'],
    ['no_stream', 'no_stream'],
    ['stream_exists', 'stream_exists'],
    [0, 0n],
    [41, 41n],
  ] as const)('%p → %p', (ours, theirs) => {
    expect(toStreamState(ours)).toBe(theirs);
  });
});

describe('actual revision of a conflict', () => {
  it.each([
    ['no_stream', 'no_stream'],
    [undefined, 'no_stream'],
    [-1n, 'no_stream'],
    [-6n, 'no_stream'],
    [0n, 0],
    [17n, 17],
  ] as const)('%p → %p', (theirs, ours) => {
    expect(actualRevisionOf(theirs)).toBe(ours);
  });
});

describe('error translation', () => {
  it('a WrongExpectedVersionError becomes WrongExpectedRevisionError with our stream id and expectation', () => {
    const error = new WrongExpectedVersionError(undefined, { streamName: 'ns-s', expected: 'no_stream', current: 0n });
    const ours = translateAppendError(error, 's', 'no_stream');
    expect(ours).toBeInstanceOf(WrongExpectedRevisionError);
    expect(ours).toMatchObject({ streamId: 's', expected: 'no_stream', actual: 0, code: 'WRONG_EXPECTED_REVISION' });
    expect(ours.message).toMatch(/stream 's'.*no_stream.*is at 0/);
  });

  it("a conflict on a missing stream reports 'no_stream'", () => {
    const error = new WrongExpectedVersionError(undefined, { streamName: 'x', expected: 0n, current: 'no_stream' });
    const ours = translateAppendError(error, 'x', 0);
    expect(ours).toMatchObject({ expected: 0, actual: 'no_stream' });
    expect(ours.message).toMatch(/expected revision 0 but the stream is at no_stream/);
  });

  it('an unreachable server is StoreUnavailableError, keeping the cause', () => {
    const grpcError = Object.assign(new Error('14 UNAVAILABLE: No connection established'), { code: 14 });
    for (const error of [new UnavailableError(), grpcError, new Error('socket hang up')]) {
      const ours = translateAppendError(error, 's', 'any');
      expect(ours).toBeInstanceOf(StoreUnavailableError);
      expect((ours as StoreUnavailableError).cause).toBe(error);
      expect(ours.message).toMatch(/append to 's' failed, nothing was acknowledged/);
    }
    expect(translateError(grpcError, 'reading $all failed').message).toMatch(/reading \$all failed: .*UNAVAILABLE/);
  });

  it('an append the server finds too large is InvalidAppendError', () => {
    const ours = translateAppendError(MaxAppendSizeExceededError.fromMaxAppendSize(1024), 's', 'any');
    expect(ours).toBeInstanceOf(InvalidAppendError);
    expect(ours.message).toMatch(/too large/);
  });

  it('an append to a deleted stream is InvalidAppendError', () => {
    expect(translateAppendError(StreamDeletedError.fromStreamName('s'), 's', 'any')).toBeInstanceOf(InvalidAppendError);
  });

  it('denied access names the credentials', () => {
    const ours = translateError(new AccessDeniedError(), 'reading $all failed');
    expect(ours).toBeInstanceOf(StoreUnavailableError);
    expect(ours.message).toMatch(/denied access.*credentials/);
  });

  it('our own errors pass through unchanged', () => {
    const error = new InvalidAppendError('bad');
    expect(translateAppendError(error, 's', 'any')).toBe(error);
    expect(translateError(error, 'x')).toBe(error);
  });
});

describe('positions', () => {
  it('reads start at the beginning for after = 0 and at the event itself otherwise', () => {
    expect(readPositionAfter(0)).toBe(START);
    expect(readPositionAfter(-5)).toBe(START);
    expect(readPositionAfter(123456)).toEqual({ commit: 123456n, prepare: 123456n });
  });

  it("an event's global position is its commit position, when the server reported one", () => {
    expect(globalPositionOf({ commit: 4096n, prepare: 4096n })).toBe(4096);
    expect(globalPositionOf(undefined)).toBeUndefined();
    expect(globalPositionOf({ commit: 0n, prepare: 0n })).toBeUndefined();
    expect(globalPositionOf({ commit: 2n ** 64n - 1n, prepare: 2n ** 64n - 1n })).toBeUndefined();
  });

  it('the floor passes only positions above it, and rises with them', () => {
    const floor = new PositionFloor(100);
    expect([100, 50, 101, 101, 300, 200, 301].map((p) => floor.pass(p))).toEqual([false, false, true, false, true, false, true]);
    expect(floor.value).toBe(301);
  });
});

describe('system records and namespaces', () => {
  it('system streams and system event types are not ours', () => {
    expect(isSystemEvent('$settings', 'Settings')).toBe(true);
    expect(isSystemEvent('$$vn-1', '$metadata')).toBe(true);
    expect(isSystemEvent('vn-1', '$streamDeleted')).toBe(true);
    expect(isSystemEvent('vn-1', 'Created')).toBe(false);
  });

  it('without a prefix every stream is ours and the server filter drops system event types', () => {
    const ns = new StreamNamespace();
    expect(ns.toStored('vn-1')).toBe('vn-1');
    expect(ns.fromStored('vn-1')).toBe('vn-1');
    expect(ns.filter()).toMatchObject({ filterOn: 'eventType', regex: '^[^$].*' });
  });

  it('a prefix is added on write, stripped on read, and filters $all by stream name', () => {
    const ns = new StreamNamespace('t42-');
    expect(ns.toStored('vn-1')).toBe('t42-vn-1');
    expect(ns.fromStored('t42-vn-1')).toBe('vn-1');
    expect(ns.fromStored('t43-vn-1')).toBeUndefined();
    expect(ns.fromStored('t42-')).toBeUndefined();
    expect(ns.filter()).toMatchObject({ filterOn: 'streamName', prefixes: ['t42-'] });
  });

  it('a prefix may not name system streams', () => {
    expect(() => new StreamNamespace('$t-')).toThrow(/must not start with '\$'/);
    expect(() => new StreamNamespace('a\nb')).toThrow(/control character/);
  });

  it("appends of '$' streams and types are refused before anything is sent", () => {
    const { events } = prepareAppend('s', [{ type: 'A', data: {} }], undefined, 1024);
    expect(() => checkNotReserved('$s', events)).toThrow(InvalidAppendError);
    const { events: reserved } = prepareAppend('s', [{ type: 'A', data: {} }, { type: '$B', data: {} }], undefined, 1024);
    expect(() => checkNotReserved('s', reserved)).toThrow(/event 1 .* type '\$B'/);
    expect(() => checkNotReserved('s', events)).not.toThrow();
  });
});

describe('events in', () => {
  it.each([[{ a: 1, b: [true, null] }], [[1, 'two']], ['text'], [42], [null], [false]])(
    'JSON data %p goes in as a JSON event the client serialises to the same text',
    (data) => {
      const [prepared] = prepareAppend('s', [{ eventId: ID, type: 'T', data, metadata: { actor: 'a' } }], undefined, 1024).events;
      const event = toJsonEvent(prepared);
      expect(event).toMatchObject({ id: ID, type: 'T', contentType: 'application/json' });
      // What the client's append does with a JSON event's data and metadata:
      expect(JSON.stringify(event.data)).toBe(prepared.data);
      expect(JSON.stringify(event.metadata)).toBe(prepared.metadata);
    },
  );

  it('empty metadata still goes in as an object, so it reads back as one', () => {
    const [prepared] = prepareAppend('s', [{ type: 'T', data: {} }], undefined, 1024).events;
    expect(toJsonEvent(prepared).metadata).toEqual({});
  });
});

describe('events out', () => {
  const ns = new StreamNamespace();

  it('a recorded event becomes our envelope', () => {
    expect(decodeRecorded(recorded({ id: ID.toUpperCase() }), ns)).toEqual({
      eventId: ID,
      type: 'Created',
      streamId: 'vn-1',
      streamRevision: 3,
      globalPosition: 4096,
      recordedAt: '2026-01-02T03:04:05.678Z',
      data: { name: 'blue' },
      metadata: { actor: 'alice' },
    });
  });

  it('system records and records outside the namespace are skipped', () => {
    expect(decodeRecorded(recorded({ streamId: '$$vn-1', type: '$metadata' }), ns)).toBeUndefined();
    expect(decodeRecorded(recorded({ type: '$streamDeleted' }), ns)).toBeUndefined();
    expect(decodeRecorded(recorded({ streamId: '$ce-vn', type: 'Created' }), ns)).toBeUndefined();
    const prefixed = new StreamNamespace('t1-');
    expect(decodeRecorded(recorded(), prefixed)).toBeUndefined();
    expect(decodeRecorded(recorded({ streamId: 't1-vn-1' }), prefixed)?.streamId).toBe('vn-1');
  });

  it('an event without a position is an error, not a silent gap', () => {
    expect(() => decodeRecorded(recorded({ position: undefined }), ns)).toThrow(StoreUnavailableError);
  });

  it('data: parsed JSON passes through, binary JSON is parsed, other binary becomes base64', () => {
    expect(decodeData({ a: 1 })).toEqual({ a: 1 });
    expect(decodeData('text')).toBe('text');
    expect(decodeData(0)).toBe(0);
    expect(decodeData(undefined)).toBeNull();
    expect(decodeData(Buffer.from('{"a":[1]}'))).toEqual({ a: [1] });
    expect(decodeData(new Uint8Array([0xff, 0x00]))).toBe('/wA=');
  });

  it('metadata: always an object', () => {
    expect(decodeMetadata(undefined)).toEqual({});
    expect(decodeMetadata({ actor: 'a' })).toEqual({ actor: 'a' });
    expect(decodeMetadata(new Uint8Array())).toEqual({});
    expect(decodeMetadata(Buffer.from('{"actor":"b"}'))).toEqual({ actor: 'b' });
    expect(decodeMetadata([1, 2])).toEqual({ value: [1, 2] });
    expect(decodeMetadata(new Uint8Array([0xff]))).toEqual({ value: '/w==' });
  });
});
