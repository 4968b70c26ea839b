import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  DEFAULT_MAX_EVENT_BYTES,
  DuplicateEventIdError,
  WrongExpectedRevisionError,
  isUuid,
  type EventMetadata,
  type EventStore,
  type ExpectedRevision,
  type JsonValue,
  type NewEvent,
  type RecordedEvent,
  type StreamWrite,
} from '#libs/event-store';

/*
 * Seeding a new, empty store from an export (log-export.ts): every event appended to its stream with the same
 * event id, type, data and metadata, in the file's order, each stream at the revisions the file gives. Positions
 * and recordedAt are the target store's own: the port has no way to set them, and a folded state does not
 * depend on them (the times of objects are in the events' data).
 */

/** The input is refused (a bad line, a non-empty target): nothing was written. */
export class ImportRefused extends Error {
  constructor(
    message: string,
    /** 1-based line of the file at fault, when one is. */
    readonly line?: number,
  ) {
    super(message);
    this.name = 'ImportRefused';
  }
}

/** The store refused an append part-way: the events before `line` are in the store. */
export class ImportFailed extends Error {
  constructor(
    message: string,
    readonly line: number,
    override readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'ImportFailed';
  }
}

export interface ImportProgress {
  /** Events written so far. */
  events: number;
  /** Events in the file. */
  total: number;
}

export interface ImportOptions {
  /** Most events per appendMany. Default 1000. */
  batchEvents?: number;
  /** What checkExport answered for these lines, when the caller ran it already: the import then reads them once. */
  checked?: { events: number; streams: number };
  onProgress?: (progress: ImportProgress) => void;
}

export interface ImportOutcome {
  events: number;
  streams: number;
  /** The target store's head after the import. */
  head: number;
}

/** A fresh pass over the file's lines: the import reads it twice, to check it all before it writes anything. */
export type LineSource = () => AsyncIterable<string>;

const FIELDS = ['eventId', 'type', 'streamId', 'streamRevision', 'globalPosition', 'recordedAt', 'data', 'metadata'] as const;
const MAX_TYPE_LENGTH = 256;
const MAX_STREAM_ID_LENGTH = 512;
const NPM_BANNER_HINT = " (npm's banner? export with --out FILE, or run 'npm run -s audit -- export', to keep it out of the file)";

/** What one pass remembers to check each line against those before it. */
export class ExportReader {
  private lastPosition = 0;
  private readonly revisions = new Map<string, number>();
  private readonly eventIds = new Map<string, number>();
  private count = 0;

  get events(): number {
    return this.count;
  }

  get streams(): number {
    return this.revisions.size;
  }

  /** The event on line `line`, checked; throws ImportRefused naming the line and what is wrong with it. */
  read(text: string, line: number): RecordedEvent {
    const at = `line ${line}`;
    // `npm run audit -- export > file` puts npm's own banner (an empty line, then '> …' lines) in the file.
    const banner = (line === 1 && text.trim().length === 0) || text.startsWith('> ') ? NPM_BANNER_HINT : '';
    if (text.trim().length === 0) throw new ImportRefused(`${at} is empty: every line must hold one exported event${banner}`, line);
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new ImportRefused(`${at} is not valid JSON: ${(error as Error).message}${banner}`, line);
    }
    if (!isObject(value)) throw new ImportRefused(`${at} is not a JSON object: each line must be one exported event`, line);
    const missing = FIELDS.filter((f) => !(f in value));
    if (missing.length > 0) throw new ImportRefused(`${at} is missing ${missing.join(', ')}`, line);
    const unknown = Object.keys(value).filter((k) => !(FIELDS as readonly string[]).includes(k));
    if (unknown.length > 0) throw new ImportRefused(`${at} has unknown field ${unknown.join(', ')}; an exported event has ${FIELDS.join(', ')}`, line);
    const { eventId, type, streamId, streamRevision, globalPosition, recordedAt, data, metadata } = value;
    if (typeof eventId !== 'string' || !isUuid(eventId)) throw new ImportRefused(`${at}: eventId must be a uuid, not ${short(eventId)}`, line);
    if (typeof type !== 'string' || type.length === 0 || type.length > MAX_TYPE_LENGTH) {
      throw new ImportRefused(`${at}: type must be a non-empty string of at most ${MAX_TYPE_LENGTH} characters, not ${short(type)}`, line);
    }
    if (typeof streamId !== 'string' || streamId.length === 0 || streamId.length > MAX_STREAM_ID_LENGTH) {
      throw new ImportRefused(`${at}: streamId must be a non-empty string of at most ${MAX_STREAM_ID_LENGTH} characters, not ${short(streamId)}`, line);
    }
    if (!isCount(streamRevision)) throw new ImportRefused(`${at}: streamRevision must be an integer >= 0, not ${short(streamRevision)}`, line);
    if (!isCount(globalPosition) || globalPosition < 1) {
      throw new ImportRefused(`${at}: globalPosition must be an integer >= 1, not ${short(globalPosition)}`, line);
    }
    if (typeof recordedAt !== 'string' || Number.isNaN(Date.parse(recordedAt))) {
      throw new ImportRefused(`${at}: recordedAt must be an ISO 8601 time, not ${short(recordedAt)}`, line);
    }
    if (!isObject(metadata)) throw new ImportRefused(`${at}: metadata must be a JSON object, not ${short(metadata)}`, line);
    if (globalPosition <= this.lastPosition) {
      throw new ImportRefused(
        `${at}: globalPosition ${globalPosition} does not come after the previous line's ${this.lastPosition}: the file must be in log order`,
        line,
      );
    }
    const expected = (this.revisions.get(streamId) ?? -1) + 1;
    if (streamRevision !== expected) {
      const why = expected === 0 ? 'its first event in the file must be revision 0' : `the previous event of the stream in the file is revision ${expected - 1}`;
      throw new ImportRefused(`${at}: stream '${streamId}' event has revision ${streamRevision}, but ${why}`, line);
    }
    const id = eventId.toLowerCase();
    const earlier = this.eventIds.get(id);
    if (earlier !== undefined) throw new ImportRefused(`${at}: eventId ${id} was already used on line ${earlier}`, line);
    const bytes = Buffer.byteLength(JSON.stringify(data)) + Buffer.byteLength(JSON.stringify(metadata));
    if (bytes > DEFAULT_MAX_EVENT_BYTES) {
      throw new ImportRefused(`${at}: the event is ${bytes} bytes of data and metadata; a store takes at most ${DEFAULT_MAX_EVENT_BYTES}`, line);
    }
    this.lastPosition = globalPosition;
    this.revisions.set(streamId, streamRevision);
    this.eventIds.set(id, line);
    this.count++;
    return { eventId: id, type, streamId, streamRevision, globalPosition, recordedAt, data: data as JsonValue, metadata: metadata as EventMetadata };
  }
}

/** Reads and checks every line; throws ImportRefused at the first bad one. */
export async function checkExport(lines: LineSource): Promise<{ events: number; streams: number }> {
  const reader = new ExportReader();
  let line = 0;
  for await (const text of lines()) reader.read(text, ++line);
  return { events: reader.events, streams: reader.streams };
}

/**
 * Imports an export into `store`, which must be empty (ImportRefused otherwise). The whole file is checked first,
 * so a bad line refuses the import with nothing written. Then consecutive events of one stream become one write
 * with the exact expected revision the file implies (no_stream for revision 0), and consecutive writes to distinct
 * streams share one appendMany, so a batch keeps the file's order. A store that refuses a write (another writer
 * got there, an id is taken) stops the import with ImportFailed naming the line.
 */
export async function importLog(store: Pick<EventStore, 'appendMany' | 'headPosition'>, lines: LineSource, options: ImportOptions = {}): Promise<ImportOutcome> {
  await assertEmpty(store);
  const { events: total, streams } = options.checked ?? (await checkExport(lines));
  await assertEmpty(store);
  const batchEvents = options.batchEvents ?? 1000;
  const reader = new ExportReader();
  const batch: Array<StreamWrite & { line: number }> = [];
  const inBatch = new Set<string>();
  let run: (StreamWrite & { line: number }) | undefined;
  let batched = 0;
  let written = 0;

  const closeRun = () => {
    if (!run) return;
    batch.push(run);
    inBatch.add(run.streamId);
    run = undefined;
  };
  const flush = async () => {
    closeRun();
    if (batch.length === 0) return;
    await appendBatch(store, batch, written);
    written += batched;
    batch.length = 0;
    inBatch.clear();
    batched = 0;
    options.onProgress?.({ events: written, total });
  };

  let line = 0;
  for await (const text of lines()) {
    line++;
    let event: RecordedEvent;
    try {
      event = reader.read(text, line);
    } catch (error) {
      throw new ImportFailed(`the file changed while it was imported: ${(error as Error).message}`, line, error);
    }
    if (batched >= batchEvents) await flush();
    if (run?.streamId !== event.streamId) {
      closeRun();
      if (inBatch.has(event.streamId)) await flush();
      const expectedRevision: ExpectedRevision = event.streamRevision === 0 ? 'no_stream' : event.streamRevision - 1;
      run = { streamId: event.streamId, events: [], expectedRevision, line };
    }
    run!.events.push(newEventOf(event));
    batched++;
  }
  await flush();
  return { events: written, streams, head: await store.headPosition() };
}

/** The lines of a file, with CR LF read as a line end. */
export function fileLines(path: string): LineSource {
  return () => createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
}

async function assertEmpty(store: Pick<EventStore, 'headPosition'>): Promise<void> {
  const head = await store.headPosition();
  if (head > 0) {
    throw new ImportRefused(
      `the target store is not empty: its log holds events up to position ${head}. An import only seeds a new, empty store; point it at one (a new DATA_DIR, or an empty DATABASE_URL database)`,
    );
  }
}

async function appendBatch(store: Pick<EventStore, 'appendMany'>, batch: Array<StreamWrite & { line: number }>, written: number): Promise<void> {
  try {
    await store.appendMany(batch.map(({ streamId, events, expectedRevision }) => ({ streamId, events, expectedRevision })));
  } catch (error) {
    const streamId = error instanceof WrongExpectedRevisionError ? error.streamId : undefined;
    const write = batch.find((w) => w.streamId === streamId) ?? batch[0];
    const stopped = `the import stopped; the ${written} events before line ${batch[0].line} are in the store`;
    if (error instanceof WrongExpectedRevisionError) {
      throw new ImportFailed(
        `line ${write.line}: stream '${write.streamId}' was expected at revision ${String(write.expectedRevision)} in the target store, which has it at ${String(error.actual)} (another writer?); ${stopped}`,
        write.line,
        error,
      );
    }
    if (error instanceof DuplicateEventIdError) throw new ImportFailed(`line ${write.line}: ${error.message}; ${stopped}`, write.line, error);
    throw new ImportFailed(`the store refused the events from line ${batch[0].line}: ${(error as Error).message}; ${stopped}`, batch[0].line, error);
  }
}

function newEventOf(event: RecordedEvent): NewEvent {
  return { eventId: event.eventId, type: event.type, data: event.data, metadata: event.metadata };
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function short(value: unknown): string {
  const text = value === undefined ? 'undefined' : JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
