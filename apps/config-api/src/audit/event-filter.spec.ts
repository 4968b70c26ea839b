import { describe, expect, it } from '@jest/globals';
import { ConfigError } from '#libs/domain';
import type { RecordedEvent } from '#libs/event-store';
import { DEFAULT_EVENT_PAGE, MAX_EVENT_PAGE, matchesEvent, parseEventFilter, parseEventQuery, parseTime, type EventFilter } from './event-filter.js';

const BLUE = '6f1c1a52-0c5e-4a3f-9b7e-0d6c2b1f0a01';
const RED = '6f1c1a52-0c5e-4a3f-9b7e-0d6c2b1f0a02';

function event(position: number, partial: Partial<RecordedEvent>): RecordedEvent {
  return {
    eventId: `00000000-0000-7000-8000-${String(position).padStart(12, '0')}`,
    type: 'VirtualNetworkUpdated',
    streamId: `virtual-network-${BLUE}`,
    streamRevision: 0,
    globalPosition: position,
    recordedAt: '2026-11-26T10:00:00.000Z',
    data: { type: 'virtual-network', uuid: BLUE },
    metadata: { actor: 'alice', source: 'rest' },
    ...partial,
  };
}

/** The 400 a parse throws. */
function refusal(work: () => unknown): ConfigError {
  try {
    work();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a 400');
}

describe('parseEventQuery', () => {
  it('reads every filter from text parameters', () => {
    const q = parseEventQuery({
      stream: 'pool-vn-id',
      uuid: BLUE.toUpperCase(),
      type: 'VirtualNetworkCreated,VirtualNetworkDeleted',
      fq_name: 'default-domain:default-project:blue',
      object_type: 'virtual-network',
      actor: 'alice',
      source: 'rest',
      since: '2026-11-26',
      until: '2026-11-27T00:00:00+01:00',
      after: '5',
      before: '90',
      limit: '7',
    });
    expect(q).toEqual({
      limit: 7,
      filter: {
        stream: 'pool-vn-id',
        uuid: BLUE,
        types: new Set(['VirtualNetworkCreated', 'VirtualNetworkDeleted']),
        fqName: ['default-domain', 'default-project', 'blue'],
        objectType: 'virtual-network',
        actor: 'alice',
        source: 'rest',
        since: Date.parse('2026-11-26T00:00:00Z'),
        until: Date.parse('2026-11-26T23:00:00Z'),
        after: 5,
        before: 90,
      },
    });
  });

  it('defaults to the whole log, 100 events a page; empty values count as absent', () => {
    expect(parseEventQuery({})).toEqual({ filter: { after: 0 }, limit: DEFAULT_EVENT_PAGE });
    expect(parseEventQuery({ actor: '', limit: '' })).toEqual({ filter: { after: 0 }, limit: DEFAULT_EVENT_PAGE });
  });

  it('takes several event types as a repeated parameter too', () => {
    expect(parseEventQuery({ type: ['A', 'B,C'] }).filter.types).toEqual(new Set(['A', 'B', 'C']));
  });

  it.each([
    [{ limit: '0' }, 'limit', `limit must be an integer from 1 to ${MAX_EVENT_PAGE}, not "0"`],
    [{ limit: '1001' }, 'limit', 'limit must be an integer from 1 to 1000'],
    [{ limit: '2.5' }, 'limit', 'limit must be'],
    [{ after: '-1' }, 'after', 'after must be an integer >= 0, not "-1"'],
    [{ before: '0' }, 'before', 'before must be an integer >= 1'],
    [{ after: '1e3' }, 'after', 'after must be'],
    [{ since: 'yesterday' }, 'since', 'since must be an ISO 8601 time'],
    [{ until: '2026-11-26T10:00:00' }, 'until', 'a time needs Z or an offset'],
    [{ since: '2026-02-30' }, 'since', 'since must be an ISO 8601 time'],
    [{ since: '2026-11-27', until: '2026-11-26' }, 'until', 'until (2026-11-26) is earlier than since (2026-11-27)'],
    [{ fq_name: 'default-domain:blue' }, 'object_type', 'fq_name needs object_type'],
    [{ fq_name: 'a::b', object_type: 'project' }, 'fq_name', "fq_name takes the name's parts joined by ':'"],
    [{ actor: ['alice', 'bob'] }, 'actor', 'actor takes one value'],
    [{ position: '3' }, 'position', 'unknown parameter position; the filters are stream, uuid, type'],
  ] as Array<[Record<string, unknown>, string, string]>)('refuses %j naming %s', (raw, field, message) => {
    const error = refusal(() => parseEventQuery(raw));
    expect(error.status).toBe(400);
    expect(error.field).toBe(field);
    expect(error.message).toContain(message);
  });

  it('parseEventFilter refuses limit when the caller does not take it (the CLI has its own)', () => {
    expect(refusal(() => parseEventFilter({ limit: '3' })).message).toContain('unknown parameter limit');
  });
});

describe('parseTime', () => {
  it('reads dates as midnight UTC and honours offsets', () => {
    expect(parseTime('2026-11-26', 't')).toBe(Date.parse('2026-11-26T00:00:00Z'));
    expect(parseTime('2026-11-26T10:30:00.123456Z', 't')).toBe(Date.parse('2026-11-26T10:30:00.123Z'));
    expect(parseTime('2026-11-26T10:30-0200', 't')).toBe(Date.parse('2026-11-26T12:30:00Z'));
  });
});

describe('matchesEvent', () => {
  const all: EventFilter = { after: 0 };

  it('bounds positions: after exclusive, before exclusive', () => {
    expect(matchesEvent({ after: 4 }, event(4, {}))).toBe(false);
    expect(matchesEvent({ after: 4 }, event(5, {}))).toBe(true);
    expect(matchesEvent({ after: 0, before: 5 }, event(5, {}))).toBe(false);
    expect(matchesEvent({ after: 0, before: 6 }, event(5, {}))).toBe(true);
  });

  it('bounds times: since inclusive, until exclusive', () => {
    const at = Date.parse('2026-11-26T10:00:00Z');
    expect(matchesEvent({ ...all, since: at }, event(1, {}))).toBe(true);
    expect(matchesEvent({ ...all, since: at + 1 }, event(1, {}))).toBe(false);
    expect(matchesEvent({ ...all, until: at }, event(1, {}))).toBe(false);
    expect(matchesEvent({ ...all, until: at + 1 }, event(1, {}))).toBe(true);
  });

  it('matches stream, types, actor and source exactly', () => {
    const e = event(1, {});
    expect(matchesEvent({ ...all, stream: `virtual-network-${BLUE}` }, e)).toBe(true);
    expect(matchesEvent({ ...all, stream: 'virtual-network' }, e)).toBe(false);
    expect(matchesEvent({ ...all, types: new Set(['VirtualNetworkUpdated', 'X']) }, e)).toBe(true);
    expect(matchesEvent({ ...all, types: new Set(['VirtualNetworkCreated']) }, e)).toBe(false);
    expect(matchesEvent({ ...all, actor: 'alice' }, e)).toBe(true);
    expect(matchesEvent({ ...all, actor: 'Alice' }, e)).toBe(false);
    expect(matchesEvent({ ...all, source: 'grpc' }, e)).toBe(false);
    expect(matchesEvent({ ...all, actor: 'alice' }, event(1, { metadata: {} }))).toBe(false);
  });

  it('finds an object by uuid in its stream, its name reservation and what was allocated to it', () => {
    const filter = { ...all, uuid: BLUE };
    expect(matchesEvent(filter, event(1, {}))).toBe(true);
    const reservation = event(2, { type: 'FqNameReserved', streamId: 'fqname-virtual-network-a:b', data: { type: 'virtual-network', fq_name: ['a', 'b'], uuid: BLUE } });
    expect(matchesEvent(filter, reservation)).toBe(true);
    const allocation = event(3, { type: 'NumberAllocated', streamId: 'pool-vn-id', data: { pool: 'vn-id', number: 4, owner: BLUE } });
    expect(matchesEvent(filter, allocation)).toBe(true);
    expect(matchesEvent({ ...all, uuid: RED }, allocation)).toBe(false);
    expect(matchesEvent({ ...all, uuid: RED }, event(4, { data: [1, 2] }))).toBe(false);
  });

  it('matches an object type by the type the event data names', () => {
    expect(matchesEvent({ ...all, objectType: 'virtual-network' }, event(1, {}))).toBe(true);
    expect(matchesEvent({ ...all, objectType: 'project' }, event(1, {}))).toBe(false);
    expect(matchesEvent({ ...all, objectType: 'project' }, event(1, { data: null }))).toBe(false);
  });

  it('matches an fq_name through the uuids that held it', () => {
    const filter = { ...all, objectType: 'virtual-network', fqName: ['a', 'blue'] };
    expect(matchesEvent(filter, event(1, {}), new Set([RED, BLUE]))).toBe(true);
    expect(matchesEvent(filter, event(1, {}), new Set([RED]))).toBe(false);
    expect(matchesEvent(filter, event(1, {}))).toBe(false);
  });
});
