import type { EventStore, RecordedEvent, Subscription } from '#libs/event-store';
import { ConfigState, resourceEventKind } from '#libs/domain';
import { CommandRecords, commandRecordOf, type CommandRecord, type IdempotencyWindow } from './command-record.js';
import { CheckpointWriter, type CheckpointTaking } from './checkpoint/checkpoint-writer.js';
import type { CheckpointStore } from './checkpoint/checkpoint-store.port.js';
import { restoreCheckpoint } from './checkpoint/restore-checkpoint.js';
import { foldRange } from './fold-range.js';
import { ObserverList, type ProjectionObserver } from './projection-observers.js';
import { ProjectionLag } from './projection-lag.js';

export type { CommandRecord } from './command-record.js';

export type ProjectionLogLevel = 'debug' | 'info' | 'warn' | 'error';
/** Where a projection reports what it does (resumed, checkpoint saved or ignored, an observer failed). */
export type ProjectionLog = (level: ProjectionLogLevel, msg: string, fields: Record<string, unknown>) => void;

export interface ConfigProjectionOptions {
  /** Where checkpoints are loaded from at start and saved to. Without it the projection folds from 0 every start. */
  checkpoints?: CheckpointStore;
  /** Events folded between two checkpoints; 0 saves only on stop. Default 10,000. */
  checkpointEvery?: number;
  /** The checkpoint's name and the metrics label. Default 'config'. */
  name?: string;
  log?: ProjectionLog;
  /** How long and how many Idempotency-Keys are remembered (default one hour, at most 100,000). */
  idempotency?: IdempotencyWindow;
}

const DEFAULT_CHECKPOINT_EVERY = 10_000;

/** Events per read of the subscription, and so the longest run between two `settled` calls while catching up. */
const BATCH = 1000;

/**
 * The config state kept current from the log (DESIGN §4): catch-up, then live. Readers wait for a position with
 * `waitFor` (read-your-writes); writers read `state` and its stream revisions to decide; observers follow it event
 * by event and run by run.
 *
 * With a checkpoint store it starts from the newest checkpoint it can trust (same log, same digest) and folds only
 * the tail; it saves a checkpoint every `checkpointEvery` events, off the fold's path, and on stop.
 */
export class ConfigProjection {
  readonly name: string;
  private current = new ConfigState();
  private started = false;
  private subscription: Subscription | undefined;
  private running: Promise<void> | undefined;
  private waiters: Array<{ position: number; resolve: () => void }> = [];
  private readonly commands: CommandRecords;
  private failure: unknown;
  private readonly observers: ObserverList;
  private touched = new Set<string>();
  private readonly progress = new ProjectionLag();
  private lastEventId: string | undefined;
  private readonly checkpoints: CheckpointStore | undefined;
  private readonly writer: CheckpointWriter | undefined;
  private readonly checkpointEvery: number;
  private sinceCheckpoint = 0;
  private readonly log: ProjectionLog;

  constructor(
    private readonly store: EventStore,
    options: ConfigProjectionOptions = {},
  ) {
    this.name = options.name ?? 'config';
    this.log = options.log ?? (() => undefined);
    this.checkpointEvery = options.checkpointEvery ?? DEFAULT_CHECKPOINT_EVERY;
    this.commands = new CommandRecords(options.idempotency);
    if (!Number.isSafeInteger(this.checkpointEvery) || this.checkpointEvery < 0) {
      throw new RangeError(`checkpointEvery must be an integer >= 0, not ${this.checkpointEvery}`);
    }
    this.observers = new ObserverList((error, hook) =>
      this.log('error', 'projection observer failed', { projection: this.name, hook, err: error }),
    );
    this.checkpoints = options.checkpoints;
    if (options.checkpoints) {
      this.writer = new CheckpointWriter(
        options.checkpoints,
        this.name,
        (checkpoint, ms) =>
          this.log('debug', 'checkpoint saved', { projection: this.name, position: checkpoint.position, objects: checkpoint.state.objects.length, ms }),
        (error, position) => this.log('warn', 'checkpoint not saved', { projection: this.name, position, err: error }),
      );
    }
  }

  /** The folded state. Replaced only by `start` (when it resumes from a checkpoint): read it after start. */
  get state(): ConfigState {
    return this.current;
  }

  /**
   * Starts following the log, from the checkpoint when there is one to trust; resolves once everything already in
   * the log has been folded.
   */
  async start(): Promise<void> {
    if (this.started) throw new Error(`the ${this.name} projection was already started`);
    this.started = true;
    const head = await this.store.headPosition();
    if (this.checkpoints) await this.resume(this.checkpoints, head);
    const subscription = this.store.subscribeToAll({ after: this.current.position, batchSize: BATCH });
    this.subscription = subscription;
    this.running = (async () => {
      try {
        for await (const event of subscription) {
          this.apply(event);
          if (subscription.buffered === 0) this.settle();
        }
      } catch (error) {
        this.failure = error;
        this.log('error', 'projection stopped', { projection: this.name, position: this.position, err: error });
        for (const w of this.waiters) w.resolve();
        this.waiters = [];
      }
    })();
    await this.waitFor(head, Number.MAX_SAFE_INTEGER);
  }

  get position(): number {
    return this.current.position;
  }

  /** ISO time the newest folded event was recorded (for the lag metric). */
  get lastRecordedAt(): string | undefined {
    return this.progress.lastRecordedAt;
  }

  /** Where the projection stands in the log; `lag.sample(head)` says how far behind it is. */
  get lag(): ProjectionLag {
    return this.progress;
  }

  /** Position of the newest checkpoint saved or loaded (0: none yet); undefined without a checkpoint store. */
  get checkpointPosition(): number | undefined {
    return this.writer?.position;
  }

  /** The error that stopped the projection, if any. */
  get error(): unknown {
    return this.failure;
  }

  /** How many observer calls threw, and the last error (they are logged too; the fold goes on). */
  get observerFailures(): { count: number; last: unknown } {
    return this.observers.failures;
  }

  /** Follows the fold synchronously (see ProjectionObserver). Returns the unsubscribe. */
  observe(observer: ProjectionObserver): () => void {
    return this.observers.add(observer);
  }

  commandRecord(commandId: string): CommandRecord | undefined {
    return this.commands.get(commandId);
  }

  /** Resolves once the state includes `position` (or at once if it does). Rejects after `timeoutMs`. */
  waitFor(position: number, timeoutMs = 10_000): Promise<void> {
    if (this.current.position >= position) return Promise.resolve();
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<void>((resolve, reject) => {
      // setTimeout caps its delay at 2^31 - 1 ms; longer means "no limit".
      const timer =
        timeoutMs < 2 ** 31
          ? setTimeout(() => {
              this.waiters = this.waiters.filter((w) => w !== waiter);
              reject(new Error(`the config state did not reach position ${position} within ${timeoutMs} ms (at ${this.current.position})`));
            }, timeoutMs)
          : undefined;
      const waiter = {
        position,
        resolve: () => {
          clearTimeout(timer);
          if (this.failure) reject(this.failure);
          else resolve();
        },
      };
      this.waiters.push(waiter);
    });
  }

  /** Stops following, then saves a checkpoint of what was folded since the last one. */
  async stop(): Promise<void> {
    this.subscription?.close();
    await this.running;
    if (!this.writer) return;
    await this.writer.flush();
    // A fold that failed may have stopped half-way through an event: nothing to save from it.
    if (this.failure || this.lastEventId === undefined || this.position <= this.writer.position) return;
    if (await this.writer.saveNow(this.taking())) this.log('info', 'checkpoint saved on stop', { projection: this.name, position: this.writer.position });
  }

  /**
   * Folds a fresh state from position 0 up to the live position and compares digests with the live state
   * (DESIGN §4: a rebuild and the live state agree byte for byte).
   */
  async rebuildDigest(): Promise<{ position: number; live: string; rebuilt: string; equal: boolean }> {
    // Both taken now, synchronously: the live state moves on while the log is read.
    const position = this.current.position;
    const live = this.current.digest();
    const fresh = new ConfigState();
    await foldRange(this.store, fresh, 0, position);
    const rebuilt = fresh.digest();
    return { position, live, rebuilt, equal: live === rebuilt && fresh.position === position };
  }

  private async resume(checkpoints: CheckpointStore, head: number): Promise<void> {
    const outcome = await restoreCheckpoint(this.store, checkpoints, this.name);
    if (outcome.kind === 'restored') {
      const { state, commands, checkpoint, event } = outcome;
      this.current = state;
      this.commands.restore(commands, Date.parse(event.recordedAt));
      this.lastEventId = event.eventId;
      this.progress.advance(event.globalPosition, event.recordedAt);
      this.writer!.loaded(checkpoint.position);
      this.log('info', 'resumed from checkpoint', {
        projection: this.name,
        position: checkpoint.position,
        head,
        tail: Math.max(0, head - checkpoint.position),
        savedAt: checkpoint.savedAt,
        objects: state.size,
      });
      // Observers that came before start learn of everything the checkpoint brought, as one run.
      if (this.observers.size > 0) for (const object of state.all()) this.touched.add(object.uuid);
      this.settle();
      return;
    }
    if (outcome.kind === 'ignored') {
      this.log('warn', 'checkpoint ignored', { projection: this.name, reason: outcome.reason, checkpointPosition: outcome.position });
    }
    this.log('info', 'folding from position 0', { projection: this.name, head });
  }

  private apply(event: RecordedEvent): void {
    this.current.apply(event);
    this.lastEventId = event.eventId;
    this.progress.advance(event.globalPosition, event.recordedAt);
    this.sinceCheckpoint++;
    const record = commandRecordOf(event);
    if (record) this.commands.add(record);
    if (resourceEventKind(event.type) !== undefined) {
      const uuid = (event.data as { uuid?: unknown } | null)?.uuid;
      if (typeof uuid === 'string') this.touched.add(uuid);
    }
    this.observers.applied(event);
    if (this.waiters.length > 0) {
      const due = this.waiters.filter((w) => w.position <= event.globalPosition);
      if (due.length > 0) {
        this.waiters = this.waiters.filter((w) => w.position > event.globalPosition);
        for (const w of due) w.resolve();
      }
    }
  }

  /** The end of a run: observers see what it touched; a checkpoint is taken if one is due. */
  private settle(): void {
    const touched = this.touched;
    this.touched = new Set();
    this.observers.settled(this.current.position, touched);
    if (this.writer && this.checkpointEvery > 0 && this.sinceCheckpoint >= this.checkpointEvery && !this.writer.saving) {
      try {
        this.writer.saveInBackground(() => this.taking());
        this.sinceCheckpoint = 0;
      } catch (error) {
        this.log('warn', 'checkpoint not taken', { projection: this.name, position: this.position, err: error });
      }
    }
  }

  /** The checkpoint's content, now. The snapshot shares the state's objects (the fold copies before changing). */
  private taking(): CheckpointTaking {
    return {
      position: this.current.position,
      eventId: this.lastEventId!,
      state: this.current.shareSnapshot(),
      commands: this.commands.all(),
    };
  }
}
