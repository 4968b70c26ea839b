/** What a command left behind, found again by its command id (Idempotency-Key). */
export interface CommandRecord {
  commandId: string;
  type: string;
  uuid: string;
  position: number;
  /** When the log recorded it (ms since the epoch): the idempotency window is measured on the log's clock. */
  at: number;
}

/** The command record an event leaves, if it is a resource's own event carrying a command id. */
export function commandRecordOf(event: {
  streamId: string;
  globalPosition: number;
  recordedAt: string;
  data: unknown;
  metadata: { commandId?: unknown };
}): CommandRecord | undefined {
  const commandId = event.metadata.commandId;
  if (typeof commandId !== 'string' || typeof event.data !== 'object' || event.data === null || Array.isArray(event.data)) return undefined;
  const data = event.data as { type?: unknown; uuid?: unknown };
  if (typeof data.uuid !== 'string' || typeof data.type !== 'string' || event.streamId !== `${data.type}-${data.uuid}`) return undefined;
  return { commandId, type: data.type, uuid: data.uuid, position: event.globalPosition, at: Date.parse(event.recordedAt) };
}

/** Whether a value read back from a checkpoint is a command record. */
export function isCommandRecord(value: unknown): value is CommandRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r.commandId === 'string' &&
    typeof r.type === 'string' &&
    typeof r.uuid === 'string' &&
    Number.isSafeInteger(r.position) &&
    Number.isFinite(r.at)
  );
}

/** How long a command id is remembered, and how many are at most (IDEMPOTENCY_WINDOW_S, IDEMPOTENCY_MAX_KEYS). */
export interface IdempotencyWindow {
  /** A record older than this, on the log's clock (the newest event's time), is forgotten. */
  windowMs: number;
  /** Past this many records the oldest are forgotten, whatever their age. */
  maxRecords: number;
}

export const DEFAULT_IDEMPOTENCY_WINDOW: IdempotencyWindow = { windowMs: 3_600_000, maxRecords: 100_000 };

/**
 * The command records of the last `windowMs` of the log, at most `maxRecords` (oldest forgotten first): a retry
 * with the same Idempotency-Key inside the window returns the first outcome; after it, the command runs again (a
 * create of a named uuid or fq_name then answers 409). Without a bound every keyed command ever accepted would
 * stay in memory and in every checkpoint. Which records are kept depends only on the log, so a state folded from
 * a checkpoint keeps the same ones as one folded from 0.
 */
export class CommandRecords {
  /** By command id, in the order first recorded: the oldest first. */
  private readonly records = new Map<string, CommandRecord>();

  constructor(private readonly window: IdempotencyWindow = DEFAULT_IDEMPOTENCY_WINDOW) {
    if (!(window.windowMs >= 0) || !Number.isSafeInteger(window.maxRecords) || window.maxRecords < 0) {
      throw new RangeError(`an idempotency window needs windowMs >= 0 and an integer maxRecords >= 0, not ${JSON.stringify(window)}`);
    }
  }

  get size(): number {
    return this.records.size;
  }

  get(commandId: string): CommandRecord | undefined {
    return this.records.get(commandId);
  }

  /** Records a command's event, then forgets what the window no longer holds as of that event's time. */
  add(record: CommandRecord): void {
    const known = this.records.get(record.commandId);
    // A later event of the same command keeps the command's place in the order (its first record's time).
    if (known) this.records.set(record.commandId, { ...record, at: known.at });
    else this.records.set(record.commandId, record);
    this.forget(record.at);
  }

  /** Starts over from a checkpoint's records, as of the checkpoint's event time `now`. */
  restore(records: readonly CommandRecord[], now: number): void {
    this.records.clear();
    const oldest = now - this.window.windowMs;
    for (const r of records) if (r.at >= oldest) this.records.set(r.commandId, r);
    this.forget(now);
  }

  all(): CommandRecord[] {
    return [...this.records.values()];
  }

  private forget(now: number): void {
    const oldest = now - this.window.windowMs;
    for (const [commandId, record] of this.records) {
      if (record.at >= oldest && this.records.size <= this.window.maxRecords) break;
      this.records.delete(commandId);
    }
  }
}
