import { streams } from '#libs/domain';
import type { EventStore, RecordedEvent } from '#libs/event-store';
import { matchesEvent, type EventFilter, type EventQuery } from './event-filter.js';

/** The most events one request reads from the log before it answers with a cursor, matches or not. */
export const SCAN_BUDGET = 100_000;
/** Events per read from the store. */
export const SCAN_READ_PAGE = 1000;

export interface EventPage {
  /** The matching events, in log order. */
  events: RecordedEvent[];
  /**
   * The position of the last event read: ask again with `after` = next to go on. null when the scan reached the
   * end of the log (as it stood) or the `before` bound: there is nothing further to find.
   */
  next: number | null;
}

export interface ScanOptions {
  /** Default SCAN_BUDGET. */
  budget?: number;
  /** Default SCAN_READ_PAGE. */
  readPage?: number;
}

type Reader = Pick<EventStore, 'readAll' | 'readStream'>;

/**
 * One page of the events `query` selects, in log order from `filter.after`. The work is bounded: the scan stops
 * at `limit` matches or after `budget` events read, whichever comes first, and the cursor says where it stopped,
 * so a sparse filter over a long log answers with few (or no) events and a cursor rather than reading it all.
 * A `stream` filter reads that stream alone.
 */
export async function scanEvents(store: Reader, query: EventQuery, options: ScanOptions = {}): Promise<EventPage> {
  const { filter, limit } = query;
  const budget = options.budget ?? SCAN_BUDGET;
  const holders = filter.fqName ? await fqNameHolders(store, filter.objectType!, filter.fqName) : undefined;
  if (holders?.size === 0) return { events: [], next: null };
  const events: RecordedEvent[] = [];
  let scanned = 0;
  for await (const { events: page, end } of candidatePages(store, filter, options.readPage ?? SCAN_READ_PAGE)) {
    for (let i = 0; i < page.length; i++) {
      const event = page[i];
      if (event.globalPosition <= filter.after) continue;
      if (filter.before !== undefined && event.globalPosition >= filter.before) return { events, next: null };
      scanned++;
      if (matchesEvent(filter, event, holders)) events.push(event);
      if (events.length >= limit || scanned >= budget) {
        const nothingAfter = end && i === page.length - 1;
        return { events, next: nothingAfter ? null : event.globalPosition };
      }
    }
    if (end) break;
  }
  return { events, next: null };
}

/** Every uuid that has held `fqName` for `type`, from the name's reservation stream (DESIGN §3). */
export async function fqNameHolders(store: Pick<EventStore, 'readStream'>, type: string, fqName: readonly string[]): Promise<Set<string>> {
  const holders = new Set<string>();
  for (const event of await store.readStream(streams.fqName(type, [...fqName]))) {
    const data = event.data;
    if (data !== null && typeof data === 'object' && !Array.isArray(data) && typeof data.uuid === 'string') holders.add(data.uuid);
  }
  return holders;
}

/** Pages of events after `filter.after`: of the one stream when the filter names it, else of the whole log. */
async function* candidatePages(store: Reader, filter: EventFilter, size: number): AsyncGenerator<{ events: RecordedEvent[]; end: boolean }> {
  if (filter.stream !== undefined) {
    let revision = await firstRevisionAfter(store, filter.stream, filter.after);
    for (;;) {
      const events = await store.readStream(filter.stream, { fromRevision: revision, limit: size });
      const end = events.length < size;
      yield { events, end };
      if (end) return;
      revision += events.length;
    }
  }
  let after = filter.after;
  for (;;) {
    const events = await store.readAll({ after, limit: size });
    const end = events.length < size;
    yield { events, end };
    if (end) return;
    after = events[events.length - 1].globalPosition;
  }
}

/**
 * The first revision of `stream` whose global position is after `after` (or the stream's length when none is):
 * an exponential then binary search of single-event reads, so a cursor deep into a long stream costs a few dozen
 * reads rather than re-reading the stream from its start.
 */
export async function firstRevisionAfter(store: Pick<EventStore, 'readStream'>, stream: string, after: number): Promise<number> {
  if (after <= 0) return 0;
  const positionAt = async (revision: number) => (await store.readStream(stream, { fromRevision: revision, limit: 1 }))[0]?.globalPosition;
  const isAfter = async (revision: number) => {
    const position = await positionAt(revision);
    return position === undefined || position > after;
  };
  if (await isAfter(0)) return 0;
  // Invariant: revision `low` is at or before `after`; revision `high` is past it or past the stream's end.
  let low = 0;
  let high = 1;
  while (!(await isAfter(high))) {
    low = high;
    high *= 2;
  }
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (await isAfter(mid)) high = mid;
    else low = mid;
  }
  return high;
}
