import pg from 'pg';
import {
  DuplicateEventIdError,
  StoreClosedError,
  StoreUnavailableError,
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
import { revisionMismatch } from '../expected-revision.js';
import { appendFunctionSql } from './append-function.sql.js';
import type { PendingAppend, PendingWrite } from '../pending-append.js';
import { AppendSignal, PollingSubscription } from '../polling-subscription.js';
import { DEFAULT_MAX_EVENT_BYTES, checkStreamId, prepareAppend, prepareAppendMany } from '../validation.js';

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Schema holding the tables; created when missing. Default 'public'. */
  schema?: string;
  maxEventBytes?: number;
  /** Longest a live subscription waits without a NOTIFY before it reads again. Default 1000 ms. */
  pollIntervalMs?: number;
  /** Connections for reads (appends use one more, held by the writer). Default 4. */
  poolSize?: number;
  /** How long to wait for a connection before an operation fails with StoreUnavailableError. Default 3000 ms. */
  connectTimeoutMs?: number;
}


/** How many queued appends one transaction takes at most. */
const MAX_REQUESTS_PER_COMMIT = 512;

// int8 as a JS number: positions and revisions stay far below 2^53.
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format ?? 'text'),
};

/**
 * The central-cluster store. Global order never skips an event: every append transaction first takes one
 * transaction-scoped advisory lock and assigns positions after the last visible one, so transactions commit in
 * position order and a reader that sees position p sees every position below it, whichever process wrote them.
 * Positions have no gaps (a rolled-back transaction leaves none behind). Appends queued while a transaction is in
 * flight share the next one (group commit), which is one call of the server-side `append_batch` function.
 */
export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres';
  private readonly signal = new AppendSignal();
  private queue: PendingAppend[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;
  private listener: pg.Client | undefined;
  private listenerRetry: NodeJS.Timeout | undefined;
  private readonly t: { events: string; channel: string };

  private constructor(
    private readonly pool: pg.Pool,
    private readonly options: PostgresEventStoreOptions,
    private readonly schema: string,
  ) {
    const q = `"${schema}"`;
    this.t = { events: `${q}.events`, channel: `es_appended_${schema}` };
  }

  static async open(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,40}$/.test(schema)) {
      throw new Error(`schema name ${JSON.stringify(schema)} must be lower-case letters, digits and _ (at most 41)`);
    }
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max: (options.poolSize ?? 4) + 1,
      connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
      types,
    });
    pool.on('error', () => {
      // An idle client lost its connection; the pool replaces it. Operations report their own errors.
    });
    const store = new PostgresEventStore(pool, options, schema);
    try {
      await store.migrate();
    } catch (error) {
      await pool.end();
      throw new StoreUnavailableError(`cannot prepare the PostgreSQL event log: ${messageOf(error)}`, error);
    }
    store.listen();
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(hashtext($1))`, [`event-store-migrate-${this.schema}`]);
      await client.query(`CREATE SCHEMA IF NOT EXISTS "${this.schema}"`);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.t.events} (
          position        bigint      PRIMARY KEY,
          event_id        uuid        NOT NULL UNIQUE,
          stream_id       text        NOT NULL,
          stream_revision bigint      NOT NULL,
          type            text        NOT NULL,
          data            jsonb       NOT NULL,
          metadata        jsonb       NOT NULL,
          recorded_at     timestamptz NOT NULL,
          UNIQUE (stream_id, stream_revision)
        )`);
      await client.query(appendFunctionSql(this.schema, this.t.channel));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  /** One LISTEN connection per store wakes live subscriptions; polling covers the time it is down. */
  private listen(): void {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.options.connectionString, types });
    const retry = () => {
      client.removeAllListeners();
      client.end().catch(() => undefined);
      if (this.listener === client) this.listener = undefined;
      if (!this.closed) this.listenerRetry = setTimeout(() => this.listen(), 1000);
    };
    client.on('notification', () => this.signal.notify());
    client.on('error', retry);
    client
      .connect()
      .then(() => client.query(`LISTEN "${this.t.channel}"`))
      .then(() => {
        if (this.closed) return client.end();
        this.listener = client;
        this.signal.notify();
      })
      .catch(retry);
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
      this.writing ??= this.drain();
    });
  }

  private get maxEventBytes(): number {
    return this.options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_REQUESTS_PER_COMMIT);
        await this.commit(batch);
      }
    } finally {
      this.writing = undefined;
    }
  }

  /** One call of append_batch (one round trip, one transaction) for a batch of appends; each succeeds or fails alone. */
  private async commit(batch: PendingAppend[]): Promise<void> {
    const req = { group: [] as number[], stream: [] as string[], expected: [] as number[], count: [] as number[] };
    const ev = { id: [] as string[], type: [] as string[], data: [] as string[], meta: [] as string[] };
    batch.forEach((request, g) => {
      for (const w of request.writes) {
        req.group.push(g);
        req.stream.push(w.streamId);
        req.expected.push(encodeExpected(w.expected));
        req.count.push(w.events.length);
        for (const e of w.events) {
          ev.id.push(e.eventId);
          ev.type.push(e.type);
          ev.data.push(e.data);
          ev.meta.push(e.metadata);
        }
      }
    });
    let rows: OutcomeRow[];
    const call = (careful: boolean) =>
      this.pool.query(
        `SELECT * FROM "${this.schema}".append_batch($1::int[], $2::text[], $3::bigint[], $4::int[], $5::uuid[], $6::text[], $7::jsonb[], $8::jsonb[], $9)`,
        [req.group, req.stream, req.expected, req.count, ev.id, ev.type, ev.data, ev.meta, careful],
      );
    try {
      try {
        rows = (await call(false)).rows;
      } catch (error) {
        // A reused event id (a retry, or a mistake) aborted the fast pass; the careful pass sorts it out.
        if ((error as { code?: string }).code !== '23505') throw error;
        rows = (await call(true)).rows;
      }
    } catch (error) {
      const failure = new StoreUnavailableError(`append failed, nothing was acknowledged: ${messageOf(error)}`, error);
      for (const r of batch) r.reject(failure);
      return;
    }
    let wrote = false;
    let i = 0;
    for (const request of batch) {
      const own = rows.slice(i, i + request.writes.length);
      i += request.writes.length;
      const failed = own.findIndex((row) => row.outcome !== 'ok' && row.outcome !== 'retry' && row.outcome !== 'aborted');
      if (failed < 0) {
        wrote ||= own.some((row) => row.outcome === 'ok');
        request.resolve(
          own.map((row) => ({ nextExpectedRevision: row.last_revision, position: row.last_position, firstPosition: row.first_position })),
        );
        continue;
      }
      const w = request.writes[failed];
      request.reject(
        own[failed].outcome === 'conflict'
          ? revisionMismatch(w.streamId, w.expected, own[failed].actual ?? undefined)
          : new DuplicateEventIdError(
              `some event ids of this append to '${w.streamId}' are already in the log, but not as this same append`,
            ),
      );
    }
    if (wrote) this.signal.notify();
  }

  async readStream(streamId: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    checkStreamId(streamId);
    const result = await this.query(
      `SELECT position, event_id, stream_id, stream_revision, type, data, metadata, recorded_at FROM ${this.t.events}
       WHERE stream_id = $1 AND stream_revision >= $2 ORDER BY stream_revision LIMIT $3`,
      [streamId, options.fromRevision ?? 0, options.limit ?? null],
    );
    return result.rows.map(toRecorded);
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.assertOpen();
    // Without metadata: the column is neither sent nor parsed.
    const withMetadata = options.withMetadata !== false;
    const result = await this.query(
      `SELECT position, event_id, stream_id, stream_revision, type, data, ${withMetadata ? 'metadata' : 'NULL AS metadata'}, recorded_at
       FROM ${this.t.events} WHERE position > $1 ORDER BY position LIMIT $2`,
      [options.after ?? 0, options.limit ?? 1000],
    );
    return withMetadata ? result.rows.map(toRecorded) : result.rows.map((row) => ({ ...toRecorded(row), metadata: NO_METADATA }));
  }

  subscribeToAll(options: SubscribeOptions = {}): Subscription {
    this.assertOpen();
    // A read that fails because the server is down (stopped, restarting, unreachable) reads as "nothing new yet":
    // the subscription waits its poll interval and reads again from where it was, so projections and watches go on
    // once the server is back instead of ending for good.
    const readAfterOutage = (o: ReadAllOptions) =>
      this.readAll(o).catch((error: unknown) => {
        if (error instanceof StoreUnavailableError) return [];
        throw error;
      });
    return new PollingSubscription(
      {
        readAll: (o) => (this.closed ? Promise.resolve([]) : readAfterOutage(o)),
        signal: this.signal,
        pollIntervalMs: this.options.pollIntervalMs ?? 1000,
      },
      options.after ?? 0,
      options.batchSize ?? 512,
    );
  }

  async headPosition(): Promise<number> {
    this.assertOpen();
    const result = await this.query(`SELECT coalesce(max(position), 0) AS position FROM ${this.t.events}`, []);
    return result.rows[0].position;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    while (this.writing) await this.writing;
    this.closed = true;
    clearTimeout(this.listenerRetry);
    this.signal.notify();
    await this.listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  private async query(text: string, values: unknown[]): Promise<pg.QueryResult> {
    try {
      return await this.pool.query(text, values);
    } catch (error) {
      throw new StoreUnavailableError(`PostgreSQL read failed: ${messageOf(error)}`, error);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreClosedError();
  }
}

interface OutcomeRow {
  outcome: 'ok' | 'retry' | 'conflict' | 'duplicate' | 'aborted';
  first_position: number;
  last_position: number;
  last_revision: number;
  actual: number | null;
}

function encodeExpected(expected: ExpectedRevision): number {
  switch (expected) {
    case 'any':
      return -1;
    case 'no_stream':
      return -2;
    case 'stream_exists':
      return -3;
    default:
      return expected;
  }
}

function toRecorded(r: {
  position: number;
  event_id: string;
  stream_id: string;
  stream_revision: number;
  type: string;
  data: RecordedEvent['data'];
  metadata: RecordedEvent['metadata'];
  recorded_at: Date;
}): RecordedEvent {
  return {
    globalPosition: r.position,
    eventId: r.event_id,
    streamId: r.stream_id,
    streamRevision: r.stream_revision,
    type: r.type,
    data: r.data,
    metadata: r.metadata,
    recordedAt: r.recorded_at.toISOString(),
  };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
