import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  DuplicateEventIdError,
  InvalidAppendError,
  StoreClosedError,
  StoreUnavailableError,
  WrongExpectedRevisionError,
} from '../errors.js';
import { NO_METADATA } from '../event-store.port.js';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  ExpectedRevision,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  SubscribeOptions,
  StreamWrite,
  Subscription,
} from '../event-store.port.js';
import type { PendingAppend, PendingWrite } from '../pending-append.js';
import { AppendSignal, PollingSubscription } from '../polling-subscription.js';
import { checkExpectedRevision, revisionMismatch } from '../expected-revision.js';
import { DEFAULT_MAX_EVENT_BYTES, checkStreamId, prepareAppend, prepareAppendMany } from '../validation.js';

export interface SqliteEventStoreOptions {
  /** Database file; its folder is created. ':memory:' for a throwaway store. */
  path: string;
  /** Largest serialised event (data + metadata) accepted. Default 1 MiB. */
  maxEventBytes?: number;
  /** How often a live subscription looks for appends made by other processes. Default 200 ms. */
  pollIntervalMs?: number;
}


const SCHEMA_VERSION = 1;
/**
 * Streams whose last revision the store remembers, the least recently written forgotten first: the hot ones (pools,
 * objects being changed) stay, while the many written once (created and deleted objects, released names) do not
 * pile up in memory; a forgotten one costs one indexed read when written again.
 */
const MAX_CACHED_STREAMS = 10_000;
const COLUMNS = 'position, event_id, stream_id, stream_revision, type, data, metadata, recorded_at';
type Row = [number, string, string, number, string, string, string, string];
/** The columns of a read without metadata. */
const DATA_COLUMNS = 'position, event_id, stream_id, stream_revision, type, data, recorded_at';
type DataRow = [number, string, string, number, string, string, string];

/**
 * The embedded default store. WAL journal with synchronous=FULL: an append whose promise resolved is on disk.
 * Appends issued in the same turn of the event loop are written in one transaction (group commit), so N concurrent
 * appenders pay one fsync between them instead of N.
 */
export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite';
  private readonly db: Database.Database;
  private readonly maxEventBytes: number;
  private readonly signal = new AppendSignal();
  private readonly pollIntervalMs: number;
  private queue: PendingAppend[] = [];
  /**
   * Last revision per stream as this connection wrote or read it. Valid while no other connection has committed,
   * which `PRAGMA data_version` tells; cleared otherwise and after any rollback.
   */
  private revisions = new Map<string, number>();
  private dataVersion = -1;
  private flushScheduled = false;
  private closed = false;
  private readonly stmt: ReturnType<SqliteEventStore['prepareStatements']>;

  constructor(options: SqliteEventStoreOptions) {
    if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
    this.db = new Database(options.path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    // Checkpoint the WAL every ~40 MB instead of every 4 MB: with synchronous=FULL each checkpoint costs an fsync
    // of the database file, which at the default interval takes a good share of write throughput.
    this.db.pragma('wal_autocheckpoint = 10000');
    this.migrate();
    this.stmt = this.prepareStatements();
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.pollIntervalMs = options.pollIntervalMs ?? 200;
  }

  private migrate(): void {
    const version = this.db.pragma('user_version', { simple: true }) as number;
    if (version > SCHEMA_VERSION) {
      throw new Error(`the event log was written by a newer version (schema ${version}; this build knows ${SCHEMA_VERSION})`);
    }
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS events (
        position        INTEGER PRIMARY KEY,
        event_id        TEXT    NOT NULL UNIQUE,
        stream_id       TEXT    NOT NULL,
        stream_revision INTEGER NOT NULL,
        type            TEXT    NOT NULL,
        data            TEXT    NOT NULL,
        metadata        TEXT    NOT NULL,
        recorded_at     TEXT    NOT NULL,
        UNIQUE (stream_id, stream_revision)
      );
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
  }

  private prepareStatements() {
    return {
      streamRevision: this.db
        .prepare('SELECT stream_revision FROM events WHERE stream_id = ? ORDER BY stream_revision DESC LIMIT 1')
        .pluck(),
      insert: this.db.prepare(
        'INSERT INTO events (event_id, stream_id, stream_revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      byEventId: this.db.prepare('SELECT position, stream_id, stream_revision FROM events WHERE event_id = ?').raw(),
      readAll: this.db.prepare(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(),
      readAllData: this.db.prepare(`SELECT ${DATA_COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`).raw(),
      readStream: this.db
        .prepare(`SELECT ${COLUMNS} FROM events WHERE stream_id = ? AND stream_revision >= ? ORDER BY stream_revision LIMIT ?`)
        .raw(),
      head: this.db.prepare('SELECT coalesce(max(position), 0) FROM events').pluck(),
      dataVersion: this.db.prepare('PRAGMA data_version').pluck(),
    };
  }

  async append(streamId: string, events: NewEvent[], options?: AppendOptions): Promise<AppendResult> {
    if (this.closed) throw new StoreClosedError();
    const prepared = prepareAppend(streamId, events, options, this.maxEventBytes);
    const [result] = await this.enqueue([{ streamId, events: prepared.events, expected: prepared.expected }]);
    return result;
  }

  async appendMany(writes: StreamWrite[]): Promise<AppendResult[]> {
    if (this.closed) throw new StoreClosedError();
    return this.enqueue(prepareAppendMany(writes, this.maxEventBytes));
  }

  private enqueue(writes: PendingWrite[]): Promise<AppendResult[]> {
    return new Promise<AppendResult[]>((resolve, reject) => {
      this.queue.push({ writes, resolve, reject });
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /**
   * Group commit: every append queued since the last flush goes into one transaction. Each append succeeds or
   * fails on its own. A revision conflict is found before its append writes anything, so the fast path needs no
   * savepoints; only an insert that fails midway (a reused event id) makes the batch run again, isolated.
   */
  private flush(): void {
    this.flushScheduled = false;
    const batch = this.queue;
    this.queue = [];
    if (batch.length === 0) return;
    let outcomes: Outcome[];
    try {
      outcomes = this.commit(batch, false);
    } catch (error) {
      if (!(error instanceof PartialWrite)) {
        const failure = translate(error);
        for (const request of batch) request.reject(failure);
        return;
      }
      try {
        outcomes = this.commit(batch, true);
      } catch (again) {
        const failure = translate(again);
        for (const request of batch) request.reject(failure);
        return;
      }
    }
    this.signal.notify();
    batch.forEach((request, i) => {
      const outcome = outcomes[i];
      if ('ok' in outcome) request.resolve(outcome.ok);
      else request.reject(translate(outcome.error));
    });
  }

  /** One transaction over the batch; with `isolate`, each append in a savepoint of its own. */
  private commit(batch: PendingAppend[], isolate: boolean): Outcome[] {
    const outcomes: Outcome[] = [];
    const recordedAt = new Date().toISOString();
    this.db.exec('BEGIN IMMEDIATE');
    const version = this.stmt.dataVersion.get() as number;
    if (version !== this.dataVersion) this.revisions.clear();
    this.dataVersion = version;
    try {
      for (const request of batch) {
        if (isolate) this.db.exec('SAVEPOINT one_append');
        try {
          outcomes.push({ ok: this.write(request, recordedAt) });
          if (isolate) this.db.exec('RELEASE one_append');
        } catch (error) {
          if (error instanceof AlreadyWritten) {
            if (isolate) this.db.exec('RELEASE one_append');
            outcomes.push({ ok: error.results });
            continue;
          }
          if (isolate) {
            this.db.exec('ROLLBACK TO one_append; RELEASE one_append');
            this.revisions.clear();
          } else if (error instanceof PartialWrite) throw error;
          outcomes.push({ error: error instanceof PartialWrite ? error.cause : error });
        }
      }
      this.db.exec('COMMIT');
      return outcomes;
    } catch (error) {
      this.revisions.clear();
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Notes a stream's revision as the most recently written; past MAX_CACHED_STREAMS the least recent is forgotten. */
  private remember(streamId: string, revision: number): void {
    this.revisions.delete(streamId);
    this.revisions.set(streamId, revision);
    if (this.revisions.size > MAX_CACHED_STREAMS) this.revisions.delete(this.revisions.keys().next().value!);
  }

  /** Writes one append, all its streams or none: every expected revision is checked before anything is inserted. */
  private write(request: PendingAppend, recordedAt: string): AppendResult[] {
    const currents = request.writes.map((w) =>
      this.revisions.has(w.streamId) ? this.revisions.get(w.streamId) : (this.stmt.streamRevision.get(w.streamId) as number | undefined),
    );
    const failing = request.writes.findIndex((w, i) => !checkExpectedRevision(w.expected, currents[i]));
    if (failing >= 0) {
      const retried = this.findRetry(request);
      if (retried) return retried;
      const w = request.writes[failing];
      throw revisionMismatch(w.streamId, w.expected, currents[failing]);
    }
    let written = false;
    const results = request.writes.map((w, i) => {
      let revision = currents[i] ?? -1;
      let first = 0;
      let last = 0;
      for (const e of w.events) {
        revision++;
        let info: Database.RunResult;
        try {
          info = this.stmt.insert.run(e.eventId, w.streamId, revision, e.type, e.data, e.metadata, recordedAt);
        } catch (error) {
          if (!isUniqueViolation(error, 'events.event_id')) throw new PartialWrite(error);
          // Nothing of this append is written yet: it may be a retry. Otherwise the transaction must not commit.
          const retried = written ? undefined : this.findRetry(request);
          if (retried) throw new AlreadyWritten(retried);
          const duplicate = new DuplicateEventIdError(
            `event id ${e.eventId} is already in the log, and this append to '${w.streamId}' is not a retry of the one that wrote it`,
          );
          throw written ? new PartialWrite(duplicate) : duplicate;
        }
        written = true;
        last = Number(info.lastInsertRowid);
        if (first === 0) first = last;
      }
      this.remember(w.streamId, revision);
      return { nextExpectedRevision: revision, position: last, firstPosition: first };
    });
    return results;
  }

  /**
   * A retried append: every id already written, each stream's events at consecutive revisions in this order.
   * Returns the first outcome; undefined when none of the ids is in the log; an error for any other overlap.
   */
  private findRetry(request: PendingAppend): AppendResult[] | undefined {
    const found = request.writes.map((w) => w.events.map((e) => this.stmt.byEventId.get(e.eventId) as [number, string, number] | undefined));
    if (found.every((rows) => rows.every((r) => r === undefined))) return undefined;
    const consistent = found.every((rows, k) =>
      rows.every((r, i) => r !== undefined && r[1] === request.writes[k].streamId && r[2] === rows[0]![2] + i),
    );
    if (!consistent) {
      throw new DuplicateEventIdError(
        `some event ids of this append to '${request.writes.map((w) => w.streamId).join("', '")}' are already in the log, but not as this same append`,
      );
    }
    return found.map((rows) => {
      const last = rows[rows.length - 1]!;
      return { nextExpectedRevision: last[2], position: last[0], firstPosition: rows[0]![0] };
    });
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    checkStreamId(streamId);
    const rows = this.stmt.readStream.all(streamId, options.fromRevision ?? 0, options.limit ?? -1) as Row[];
    return rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    if (options.withMetadata === false) {
      // A fold's read: the metadata column is not fetched, nor parsed (about a third of what a row decodes).
      return (this.stmt.readAllData.all(options.after ?? 0, options.limit ?? 1000) as DataRow[]).map(toRecordedWithoutMetadata);
    }
    const rows = this.stmt.readAll.all(options.after ?? 0, options.limit ?? 1000) as Row[];
    return rows.map(toRecorded);
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    return new PollingSubscription(
      { readAll: (o) => (this.closed ? Promise.resolve([]) : this.readAll(o)), signal: this.signal, pollIntervalMs: this.pollIntervalMs },
      options.after ?? 0,
      options.batchSize ?? 512,
    );
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    return this.stmt.head.get() as number;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.queue.length > 0) this.flush();
    this.closed = true;
    this.signal.notify();
    this.db.close();
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

type Outcome = { ok: AppendResult[] } | { error: unknown };

/** A retry found once its first insert hit the existing id: nothing was written; the first outcome stands. */
class AlreadyWritten extends Error {
  constructor(readonly results: AppendResult[]) {
    super('already written');
  }
}

/** An append failed after some of its rows were inserted: the transaction must not commit them. */
class PartialWrite extends Error {
  constructor(override readonly cause: unknown) {
    super('append failed midway');
  }
}

function toRecorded(r: Row): RecordedEvent {
  return {
    globalPosition: r[0],
    eventId: r[1],
    streamId: r[2],
    streamRevision: r[3],
    type: r[4],
    data: JSON.parse(r[5]),
    metadata: JSON.parse(r[6]),
    recordedAt: r[7],
  };
}

function toRecordedWithoutMetadata(r: DataRow): RecordedEvent {
  return {
    globalPosition: r[0],
    eventId: r[1],
    streamId: r[2],
    streamRevision: r[3],
    type: r[4],
    data: JSON.parse(r[5]),
    metadata: NO_METADATA,
    recordedAt: r[6],
  };
}

/**
 * Duck-typed on purpose: better-sqlite3's native part builds its SqliteError from the class it saw first, which
 * in a process with several module registries (jest workers) is not this realm's Error.
 */
function isUniqueViolation(error: unknown, column: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  return (
    typeof e === 'object' && e !== null && e.code === 'SQLITE_CONSTRAINT_UNIQUE' && typeof e.message === 'string' && e.message.includes(column)
  );
}

function translate(error: unknown): unknown {
  if (error instanceof WrongExpectedRevisionError || error instanceof DuplicateEventIdError || error instanceof InvalidAppendError) {
    return error;
  }
  if (error instanceof StoreUnavailableError) return error;
  const message = (error as { message?: unknown } | null)?.message;
  return new StoreUnavailableError(`append failed: ${typeof message === 'string' ? message : String(error)}`, error);
}
