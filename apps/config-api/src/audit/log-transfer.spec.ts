import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { SqliteEventStore, type EventStore, type RecordedEvent } from '#libs/event-store';
import { ExportInterrupted, exportLine, exportLog } from './log-export.js';
import { ImportFailed, ImportRefused, fileLines, importLog, type LineSource } from './log-import.js';

let source: SqliteEventStore;
let target: SqliteEventStore;

beforeEach(() => {
  source = new SqliteEventStore({ path: ':memory:' });
  target = new SqliteEventStore({ path: ':memory:' });
});

afterEach(async () => {
  await source.close();
  await target.close();
});

/** A log with single appends, multi-event appends and atomic multi-stream appends, by two actors. */
async function history(): Promise<RecordedEvent[]> {
  await source.append('project-1', [{ type: 'ProjectCreated', data: { name: 'p' }, metadata: { actor: 'alice', source: 'rest' } }]);
  await source.appendMany([
    { streamId: 'fqname-vn-blue', events: [{ type: 'FqNameReserved', data: { uuid: 'vn-1' }, metadata: { actor: 'bob' } }] },
    { streamId: 'pool-vn-id', events: [{ type: 'NumberAllocated', data: { number: 1 }, metadata: { actor: 'bob' } }] },
    { streamId: 'vn-1', events: [{ type: 'VirtualNetworkCreated', data: { uuid: 'vn-1', list: [1, 'two', null] }, metadata: { actor: 'bob' } }] },
  ]);
  await source.append('vn-1', [
    { type: 'VirtualNetworkUpdated', data: { display_name: 'Ünïcode ✓' }, metadata: { actor: 'carol', commandId: 'c-1' } },
    { type: 'VirtualNetworkUpdated', data: { display_name: null }, metadata: { actor: 'carol' } },
  ]);
  await source.append('pool-vn-id', [{ type: 'NumberAllocated', data: { number: 2 }, metadata: {} }]);
  await source.append('project-1', [{ type: 'ProjectUpdated', data: {}, metadata: { actor: 'alice' } }]);
  return source.readAll();
}

/** A Writable that keeps what it is given and takes each chunk only when the test says so (or at once). */
class Sink extends Writable {
  readonly chunks: string[] = [];
  private pending: Array<() => void> = [];

  constructor(private readonly immediate = true) {
    super({ highWaterMark: 1, decodeStrings: false });
  }

  override _write(chunk: string, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.chunks.push(chunk);
    if (this.immediate) done();
    else this.pending.push(() => done());
  }

  /** Lets the oldest held chunk through. */
  release(): void {
    this.pending.shift()?.();
  }

  get text(): string {
    return this.chunks.join('');
  }
}

/** The lines of a text, as readline gives them: no empty line after the final newline. */
function linesOf(text: string): LineSource {
  const lines = text.endsWith('\n') ? text.slice(0, -1).split('\n') : text.split('\n');
  return async function* () {
    yield* lines;
  };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** What an import must keep of each event: everything but the position and the time. */
const kept = (events: RecordedEvent[]) => events.map(({ eventId, type, streamId, streamRevision, data, metadata }) => ({ eventId, type, streamId, streamRevision, data, metadata }));

describe('exportLog', () => {
  it('writes every event as one JSON line, in position order, with the envelope fields in a fixed order', async () => {
    const events = await history();
    const sink = new Sink();
    const done = await exportLog(source, sink, { pageSize: 3 });
    expect(done).toEqual({ events: events.length, position: events.length, head: events.length });
    const lines = sink.text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((l) => JSON.parse(l) as RecordedEvent)).toEqual(events);
    expect(Object.keys(JSON.parse(lines[0]))).toEqual(['eventId', 'type', 'streamId', 'streamRevision', 'globalPosition', 'recordedAt', 'data', 'metadata']);
    expect(lines[0]).toBe(exportLine(events[0]));
  });

  it('stops at the head it was given (the head when it began, by default)', async () => {
    await history();
    const sink = new Sink();
    expect((await exportLog(source, sink, { head: 3 })).events).toBe(3);
    expect(sink.text.trim().split('\n')).toHaveLength(3);
  });

  it('reads the next page only once the output has taken the previous one', async () => {
    const events = await history();
    let reads = 0;
    const counting: Pick<EventStore, 'readAll' | 'headPosition'> = {
      headPosition: () => source.headPosition(),
      readAll: (options) => {
        reads++;
        return source.readAll(options);
      },
    };
    const sink = new Sink(false);
    const exporting = exportLog(counting, sink, { pageSize: 2 });
    const pages = Math.ceil(events.length / 2);
    for (let page = 1; page <= pages; page++) {
      await tick();
      await tick();
      expect({ page, reads }).toEqual({ page, reads: page });
      sink.release();
    }
    await exporting;
    expect(sink.chunks).toHaveLength(pages);
  });

  it('rejects with ExportInterrupted when the output closes before the end', async () => {
    await history();
    const sink = new Sink(false);
    const exporting = exportLog(source, sink, { pageSize: 2 });
    await tick();
    sink.destroy();
    await expect(exporting).rejects.toBeInstanceOf(ExportInterrupted);
  });
});

describe('importLog', () => {
  async function exported(): Promise<string> {
    await history();
    const sink = new Sink();
    await exportLog(source, sink);
    return sink.text;
  }

  it('seeds an empty store with the same ids, types, data, metadata, streams, revisions and order', async () => {
    const text = await exported();
    const progress: number[] = [];
    const done = await importLog(target, linesOf(text), { onProgress: (p) => progress.push(p.events) });
    const before = await source.readAll();
    const after = await target.readAll();
    expect(kept(after)).toEqual(kept(before));
    expect(after.map((e) => e.globalPosition)).toEqual(before.map((e) => e.globalPosition));
    expect(done).toEqual({ events: before.length, streams: 4, head: before.length });
    expect(progress.at(-1)).toBe(before.length);
  });

  it('keeps the order with small batches: runs of one stream, distinct streams per appendMany', async () => {
    const text = await exported();
    const batches: string[][] = [];
    const recording: Pick<EventStore, 'appendMany' | 'headPosition'> = {
      headPosition: () => target.headPosition(),
      appendMany: (writes) => {
        batches.push(writes.map((w) => `${w.streamId}@${String(w.expectedRevision)}x${w.events.length}`));
        return target.appendMany(writes);
      },
    };
    await importLog(recording, linesOf(text), { batchEvents: 3 });
    expect(kept(await target.readAll())).toEqual(kept(await source.readAll()));
    expect(batches).toEqual([
      ['project-1@no_streamx1', 'fqname-vn-blue@no_streamx1', 'pool-vn-id@no_streamx1'],
      ['vn-1@no_streamx3'],
      ['pool-vn-id@0x1', 'project-1@0x1'],
    ]);
  });

  it('starts a new appendMany when a stream comes back, since one may write a stream only once', async () => {
    const text = await exported();
    const batches: string[][] = [];
    const recording: Pick<EventStore, 'appendMany' | 'headPosition'> = {
      headPosition: () => target.headPosition(),
      appendMany: (writes) => {
        batches.push(writes.map((w) => w.streamId));
        return target.appendMany(writes);
      },
    };
    await importLog(recording, linesOf(text));
    expect(batches).toEqual([
      ['project-1', 'fqname-vn-blue', 'pool-vn-id', 'vn-1'],
      ['pool-vn-id', 'project-1'],
    ]);
    expect(kept(await target.readAll())).toEqual(kept(await source.readAll()));
  });

  it('reads files with LF or CR LF line ends', async () => {
    const text = await exported();
    const dir = mkdtempSync(join(tmpdir(), 'contrail-import-'));
    try {
      const path = join(dir, 'log.ndjson');
      writeFileSync(path, text.replace(/\n/g, '\r\n'));
      await importLog(target, fileLines(path));
      expect(kept(await target.readAll())).toEqual(kept(await source.readAll()));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a store that is not empty, writing nothing', async () => {
    const text = await exported();
    await target.append('already', [{ type: 'Here', data: null }]);
    const error = await importLog(target, linesOf(text)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportRefused);
    expect((error as Error).message).toContain('the target store is not empty: its log holds events up to position 1');
    expect(await target.headPosition()).toBe(1);
  });

  describe('refuses a bad line with its number, before writing anything', () => {
    type Event = Record<string, unknown>;
    const without =
      (...fields: string[]) =>
      (e: Event) => {
        for (const field of fields) delete e[field];
        return e;
      };

    it.each<[string, number, (e: Event, first: Event) => unknown, string]>([
      ['not JSON', 3, () => '{"eventId": ', 'line 3 is not valid JSON'],
      ['an array', 2, () => '[1, 2]', 'line 2 is not a JSON object'],
      ['an empty line', 4, () => '', 'line 4 is empty'],
      ['no data', 5, without('data'), 'line 5 is missing data'],
      ['no eventId and no type', 2, without('eventId', 'type'), 'line 2 is missing eventId, type'],
      ['an unknown field', 2, (e) => ({ ...e, extra: 1 }), 'line 2 has unknown field extra'],
      ['an eventId that is no uuid', 3, (e) => ({ ...e, eventId: 'abc' }), 'line 3: eventId must be a uuid, not "abc"'],
      ['an empty type', 3, (e) => ({ ...e, type: '' }), 'line 3: type must be a non-empty string'],
      ['metadata that is no object', 6, (e) => ({ ...e, metadata: [] }), 'line 6: metadata must be a JSON object'],
      ['a position out of order', 5, (e) => ({ ...e, globalPosition: 2 }), 'line 5: globalPosition 2 does not come after'],
      ['a bad recordedAt', 2, (e) => ({ ...e, recordedAt: 'then' }), 'line 2: recordedAt must be an ISO 8601 time'],
      ['a revision gap', 6, (e) => ({ ...e, streamRevision: 3 }), "line 6: stream 'vn-1' event has revision 3, but the previous"],
      ['a stream that does not start at 0', 2, (e) => ({ ...e, streamRevision: 1 }), 'its first event in the file must be revision 0'],
      ['a repeated event id', 3, (e, first) => ({ ...e, eventId: first.eventId }), 'was already used on line 1'],
    ])('%s', async (_what, n, change, message) => {
      const lines = (await exported()).trim().split('\n');
      const first = JSON.parse(lines[0]) as Event;
      const changed = change(JSON.parse(lines[n - 1]) as Event, first);
      lines[n - 1] = typeof changed === 'string' ? changed : JSON.stringify(changed);
      const error = await importLog(target, linesOf(`${lines.join('\n')}\n`)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ImportRefused);
      expect((error as ImportRefused).line).toBe(n);
      expect((error as Error).message).toContain(message);
      expect(await target.headPosition()).toBe(0);
    });
  });

  it("says so when the file starts with npm's banner (an export piped without npm run -s)", async () => {
    const text = `\n> contrail-es@0.1.0 audit\n> node dist/scripts/audit.js export\n\n${await exported()}`;
    const error = await importLog(target, linesOf(text)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportRefused);
    expect((error as Error).message).toBe(
      "line 1 is empty: every line must hold one exported event (npm's banner? export with --out FILE, or run 'npm run -s audit -- export', to keep it out of the file)",
    );
  });

  it('stops with ImportFailed naming the line when the store is not at the revision the file implies', async () => {
    const text = await exported();
    // A writer that got in after the emptiness check: the head still reads 0, but vn-1 exists.
    await target.append('vn-1', [{ type: 'Sneaked', data: null }]);
    const racing: Pick<EventStore, 'appendMany' | 'headPosition'> = { headPosition: async () => 0, appendMany: (w) => target.appendMany(w) };
    const error = await importLog(racing, linesOf(text), { batchEvents: 2 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ImportFailed);
    expect((error as ImportFailed).line).toBe(4);
    expect((error as Error).message).toContain("line 4: stream 'vn-1' was expected at revision no_stream in the target store, which has it at 0");
    expect((error as Error).message).toContain('the 2 events before line 3 are in the store');
  });
});
