import type { Writable } from 'node:stream';
import type { EventStore, RecordedEvent } from '#libs/event-store';

/*
 * The whole log as NDJSON: one RecordedEvent per line, in position order (GET /audit/export, `audit export`).
 * log-import.ts reads the same format back into an empty store.
 */

/** The media type of the export. */
export const NDJSON_CONTENT_TYPE = 'application/x-ndjson';
/** Events read from the store, and written, per step. */
export const EXPORT_PAGE = 1000;

export interface ExportProgress {
  /** Events written so far. */
  events: number;
  /** Position of the last event written. */
  position: number;
  /** The head the export runs to: the log's head when it started. */
  head: number;
}

export interface ExportOptions {
  /** The last position to export; default the head when the export begins. */
  head?: number;
  pageSize?: number;
  /** Called after every page. */
  onProgress?: (progress: ExportProgress) => void;
}

/** The output went away (a client hung up, a pipe closed) before the export was complete. */
export class ExportInterrupted extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ExportInterrupted';
  }
}

/** One event as one line (without the newline), with the envelope's fields in a fixed order. */
export function exportLine(event: RecordedEvent): string {
  return JSON.stringify({
    eventId: event.eventId,
    type: event.type,
    streamId: event.streamId,
    streamRevision: event.streamRevision,
    globalPosition: event.globalPosition,
    recordedAt: event.recordedAt,
    data: event.data,
    metadata: event.metadata,
  });
}

/**
 * Writes every event up to the head as it was when the export began (events appended meanwhile are left for the
 * next export, so the file is one consistent prefix of the log). One page is read only when the output has taken
 * the previous one: when `out.write` says its buffer is full, the export waits for 'drain', so memory holds one
 * page however slow the reader. Does not end `out`. Rejects with ExportInterrupted when `out` closes first.
 */
export async function exportLog(
  store: Pick<EventStore, 'readAll' | 'headPosition'>,
  out: Writable,
  options: ExportOptions = {},
): Promise<ExportProgress> {
  const head = options.head ?? (await store.headPosition());
  const pageSize = options.pageSize ?? EXPORT_PAGE;
  const progress: ExportProgress = { events: 0, position: 0, head };
  while (progress.position < head) {
    const page = await store.readAll({ after: progress.position, limit: pageSize });
    const events = page.filter((e) => e.globalPosition <= head);
    if (events.length === 0) break;
    const chunk = `${events.map(exportLine).join('\n')}\n`;
    if (out.destroyed || out.writableEnded) throw new ExportInterrupted(`the output closed after ${progress.events} events`);
    const more = out.write(chunk);
    progress.events += events.length;
    progress.position = events[events.length - 1].globalPosition;
    options.onProgress?.({ ...progress });
    if (!more) await drained(out, progress.events);
  }
  return progress;
}

/** Resolves on 'drain'; rejects when the stream errors or closes first. */
function drained(out: Writable, written: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      out.off('drain', onDrain);
      out.off('close', onClose);
      out.off('error', onError);
    };
    const onDrain = () => {
      cleanup();
      resolve();
    };
    const onClose = () => {
      cleanup();
      reject(new ExportInterrupted(`the output closed after ${written} events`));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    out.on('drain', onDrain);
    out.on('close', onClose);
    out.on('error', onError);
  });
}
