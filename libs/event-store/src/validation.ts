import { InvalidAppendError } from './errors.js';
import type { AppendOptions, ExpectedRevision, NewEvent, StreamWrite } from './event-store.port.js';
import type { PendingWrite } from './pending-append.js';
import { isUuid, uuidv7 } from './uuid-v7.js';

export const DEFAULT_MAX_EVENT_BYTES = 1024 * 1024;
const MAX_STREAM_ID_LENGTH = 512;
const MAX_TYPE_LENGTH = 256;
const MAX_EVENTS_PER_APPEND = 10_000;

/** An event checked and serialised once, ready for any adapter to write. */
export interface PreparedEvent {
  eventId: string;
  type: string;
  data: string;
  metadata: string;
}

/** Checks a whole append before any adapter touches its store; throws InvalidAppendError naming the problem. */
export function prepareAppend(
  streamId: unknown,
  events: unknown,
  options: AppendOptions | undefined,
  maxEventBytes: number,
): { events: PreparedEvent[]; expected: ExpectedRevision } {
  checkStreamId(streamId);
  const expected = checkExpectedRevision(options?.expectedRevision ?? 'any');
  if (!Array.isArray(events) || events.length === 0) {
    throw new InvalidAppendError(`append to '${streamId}' needs a non-empty array of events`);
  }
  if (events.length > MAX_EVENTS_PER_APPEND) {
    throw new InvalidAppendError(`append to '${streamId}' has ${events.length} events; at most ${MAX_EVENTS_PER_APPEND} are allowed`);
  }
  const seen = new Set<string>();
  const prepared = events.map((e: NewEvent, i) => {
    const where = `event ${i} of the append to '${streamId}'`;
    if (e === null || typeof e !== 'object') throw new InvalidAppendError(`${where} is not an object`);
    if (typeof e.type !== 'string' || e.type.length === 0 || e.type.length > MAX_TYPE_LENGTH) {
      throw new InvalidAppendError(`${where} needs a type: a non-empty string of at most ${MAX_TYPE_LENGTH} characters`);
    }
    let id: string;
    if (e.eventId === undefined) {
      id = uuidv7();
    } else if (typeof e.eventId === 'string' && isUuid(e.eventId)) {
      id = e.eventId.toLowerCase();
    } else {
      throw new InvalidAppendError(`${where} has eventId ${JSON.stringify(e.eventId)}, which is not a uuid`);
    }
    if (seen.has(id)) throw new InvalidAppendError(`${where} repeats eventId ${id} within the same append`);
    seen.add(id);
    assertJson(e.data, `${where}: data`);
    const metadata = e.metadata ?? {};
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw new InvalidAppendError(`${where}: metadata must be a JSON object`);
    }
    assertJson(metadata, `${where}: metadata`);
    const data = JSON.stringify(e.data);
    const meta = JSON.stringify(metadata);
    // A UTF-16 unit is at most 3 UTF-8 bytes: count bytes only when the length alone cannot settle it.
    const bytes = (data.length + meta.length) * 3 <= maxEventBytes ? 0 : Buffer.byteLength(data) + Buffer.byteLength(meta);
    if (bytes > maxEventBytes) {
      throw new InvalidAppendError(`${where} is ${bytes} bytes serialised; the limit is ${maxEventBytes} bytes`);
    }
    return { eventId: id, type: e.type, data, metadata: meta };
  });
  return { events: prepared, expected };
}

/** Checks an atomic multi-stream append: every write as for append, distinct streams, distinct event ids. */
export function prepareAppendMany(writes: unknown, maxEventBytes: number): PendingWrite[] {
  if (!Array.isArray(writes) || writes.length === 0) {
    throw new InvalidAppendError('appendMany needs a non-empty array of stream writes');
  }
  const streams = new Set<string>();
  const ids = new Set<string>();
  let total = 0;
  return writes.map((w: StreamWrite, i) => {
    if (w === null || typeof w !== 'object') throw new InvalidAppendError(`write ${i} of appendMany is not an object`);
    const prepared = prepareAppend(w.streamId, w.events, { expectedRevision: w.expectedRevision }, maxEventBytes);
    if (streams.has(w.streamId)) throw new InvalidAppendError(`appendMany writes to stream '${w.streamId}' twice`);
    streams.add(w.streamId);
    total += prepared.events.length;
    if (total > MAX_EVENTS_PER_APPEND) {
      throw new InvalidAppendError(`appendMany has more than ${MAX_EVENTS_PER_APPEND} events; at most that many are allowed`);
    }
    for (const e of prepared.events) {
      if (ids.has(e.eventId)) throw new InvalidAppendError(`appendMany repeats eventId ${e.eventId}`);
      ids.add(e.eventId);
    }
    return { streamId: w.streamId, events: prepared.events, expected: prepared.expected };
  });
}

export function checkStreamId(streamId: unknown): asserts streamId is string {
  if (typeof streamId !== 'string' || streamId.length === 0) {
    throw new InvalidAppendError('the stream name must be a non-empty string');
  }
  if (streamId.length > MAX_STREAM_ID_LENGTH) {
    throw new InvalidAppendError(`the stream name is ${streamId.length} characters long; at most ${MAX_STREAM_ID_LENGTH} are allowed`);
  }
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(streamId)) {
    throw new InvalidAppendError(`the stream name ${JSON.stringify(streamId)} contains a control character`);
  }
}

function checkExpectedRevision(expected: unknown): ExpectedRevision {
  if (expected === 'any' || expected === 'no_stream' || expected === 'stream_exists') return expected;
  if (typeof expected === 'number' && Number.isSafeInteger(expected) && expected >= 0) return expected;
  throw new InvalidAppendError(
    `expectedRevision ${JSON.stringify(expected)} is not one of 'any', 'no_stream', 'stream_exists' or a revision >= 0`,
  );
}

/** How deep a JSON value may nest; deeper (or a cycle) is refused. */
const MAX_DEPTH = 64;

/**
 * Rejects what JSON.stringify would silently change or refuse: undefined array slots, functions, symbols, bigints,
 * NaN and ±Infinity, cycles, nesting deeper than MAX_DEPTH, and objects that are not plain (class instances, Maps,
 * Dates …). `undefined` object properties are allowed: they mean "absent", exactly as JSON drops them.
 * A fast check runs first; only a value that fails it is walked again to name the offending path.
 */
export function assertJson(value: unknown, where: string): void {
  if (!isPlainJson(value, 0)) explainNotJson(value, where);
}

function isPlainJson(v: unknown, depth: number): boolean {
  switch (typeof v) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(v);
    case 'object': {
      if (v === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const x = v[i];
          if (x === undefined || !isPlainJson(x, depth + 1)) return false;
        }
        return true;
      }
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in v) {
        const x = (v as Record<string, unknown>)[key];
        if (x !== undefined && !isPlainJson(x, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

function explainNotJson(value: unknown, where: string): never {
  const stack = new Set<object>();
  const visit = (v: unknown, path: string): void => {
    switch (typeof v) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(v)) throw new InvalidAppendError(`${where}${path} is ${v}, which JSON cannot hold`);
        return;
      case 'object': {
        if (v === null) return;
        if (stack.has(v)) throw new InvalidAppendError(`${where}${path} refers back to itself (a cycle)`);
        if (stack.size >= MAX_DEPTH) throw new InvalidAppendError(`${where}${path} nests deeper than ${MAX_DEPTH} levels`);
        stack.add(v);
        if (Array.isArray(v)) {
          for (let i = 0; i < v.length; i++) {
            if (v[i] === undefined) throw new InvalidAppendError(`${where}${path}[${i}] is undefined, which JSON cannot hold`);
            visit(v[i], `${path}[${i}]`);
          }
        } else {
          const proto = Object.getPrototypeOf(v);
          if (proto !== Object.prototype && proto !== null) {
            const name = (v as object).constructor?.name ?? 'unknown';
            throw new InvalidAppendError(`${where}${path} is a ${name}, not a plain JSON object`);
          }
          for (const [k, child] of Object.entries(v)) {
            if (child !== undefined) visit(child, `${path}.${k}`);
          }
        }
        stack.delete(v);
        return;
      }
      default:
        throw new InvalidAppendError(`${where}${path} is a ${typeof v}, which JSON cannot hold`);
    }
  };
  visit(value, '');
  throw new InvalidAppendError(`${where} is not plain JSON`);
}
