import { status as GrpcStatus, type ServerWritableStream } from '@grpc/grpc-js';
import { ConfigError, type ResourceSchema } from '#libs/domain';
import type { EventStore, RecordedEvent, Subscription } from '#libs/event-store';
import type { ConfigProjection } from '#libs/projections';
import { WatchEventKind, type WatchEvent, type WatchRequest } from '#libs/proto';
import { INTERNAL_FAILURE, grpcFailureOf, statusOf, type GrpcFailure } from './grpc-errors.js';
import { objectJsonOf } from './object-json.js';
import { ObjectsAtEvent, resourceChangeOf } from './watch-events.js';

/** Events read from the log per page: with the flow-controlled stream, about the most one watch holds. */
export const WATCH_PAGE_SIZE = 128;
/** How long a watch waits for the config state to reach an event it is about to render. */
export const WATCH_STATE_WAIT_MS = 10_000;

/** What a watch reports to the service's metrics. */
export interface WatchObserver {
  sent(): void;
  blocked(isBlocked: boolean): void;
}

export interface WatchDeps {
  store: EventStore;
  projection: ConfigProjection;
  schema: ResourceSchema;
  observer: WatchObserver;
  /** Called for an error that is not the config plane's own (logged; the client gets INTERNAL). */
  onUnexpected(error: unknown): void;
}

type Ending = { reason: 'cancelled' } | { reason: 'shutdown' } | { reason: 'failed'; failure: GrpcFailure };

/**
 * One ConfigService.Watch stream (DESIGN §6, watch-from-position). The events come from a pull-based log
 * subscription after `from_position`, so there is no gap and no duplicate, and nothing is read ahead of the client:
 * when `call.write` says the stream's buffer is full (the client reads slowly and HTTP/2 flow control holds the
 * data), the loop waits for 'drain' before it pulls the next event. It ends when the client cancels, when the
 * server shuts down (UNAVAILABLE naming the position to resume from), or on an error.
 */
export class WatchSession {
  private readonly subscription: Subscription;
  private readonly objects: ObjectsAtEvent;
  private readonly types: ReadonlySet<string> | undefined;
  private ending: Ending | undefined;
  private wakeFromDrain: (() => void) | undefined;
  /** Position of the last event handed to the stream: where a client resumes. */
  private lastSent: number;

  constructor(
    private readonly call: ServerWritableStream<WatchRequest, WatchEvent>,
    private readonly deps: WatchDeps,
    request: { fromPosition: number; types: readonly string[] },
  ) {
    this.lastSent = request.fromPosition;
    this.types = request.types.length > 0 ? new Set(request.types) : undefined;
    this.subscription = deps.store.subscribeToAll({ after: request.fromPosition, batchSize: WATCH_PAGE_SIZE });
    this.objects = new ObjectsAtEvent(deps.store, deps.projection.state);
    if (call.cancelled) this.stop({ reason: 'cancelled' });
    call.once('cancelled', () => this.stop({ reason: 'cancelled' }));
    // The stream is gone without a cancel (e.g. grpc-js failed a write and ended the call): nothing more to send.
    call.once('close', () => this.stop({ reason: 'cancelled' }));
  }

  /** Streams until the watch ends; never rejects. */
  async run(): Promise<void> {
    try {
      for await (const event of this.subscription) {
        const message = await this.messageFor(event);
        if (this.ending) break;
        if (!message) continue;
        const more = this.call.write(message);
        this.lastSent = event.globalPosition;
        this.deps.observer.sent();
        if (!more) await this.drained();
      }
    } catch (error) {
      const failure = grpcFailureOf(error);
      if (!failure) this.deps.onUnexpected(error);
      this.stop({ reason: 'failed', failure: failure ?? INTERNAL_FAILURE });
    } finally {
      this.subscription.close();
    }
    this.finish();
  }

  /** The server is going down: end the stream with UNAVAILABLE, so the client reconnects and resumes elsewhere. */
  shutdown(): void {
    this.stop({ reason: 'shutdown' });
  }

  private async messageFor(event: RecordedEvent): Promise<WatchEvent | undefined> {
    const change = resourceChangeOf(event);
    if (!change || (this.types && !this.types.has(change.type))) return undefined;
    // Refs name their targets by fq_name: render once the state holds everything up to this event.
    await this.deps.projection.waitFor(event.globalPosition, WATCH_STATE_WAIT_MS).catch((error: unknown) => {
      if (grpcFailureOf(error)) throw error;
      throw new ConfigError(503, `the config state did not reach log position ${event.globalPosition}: ${(error as Error).message}`);
    });
    const object = change.kind === WatchEventKind.DELETED ? undefined : await this.objects.after(event, change.uuid);
    return {
      position: event.globalPosition,
      kind: change.kind,
      type: change.type,
      uuid: change.uuid,
      fqName: object?.fq_name ?? change.fq_name ?? [],
      objectJson: object ? objectJsonOf(object, this.deps.projection.state, this.deps.schema, { excludeBackRefs: true, excludeChildren: true }) : '',
      revision: object?.revision ?? 0,
      recordedAt: event.recordedAt,
    };
  }

  private drained(): Promise<void> {
    if (this.ending) return Promise.resolve();
    this.deps.observer.blocked(true);
    return new Promise((resolve) => {
      const done = () => {
        this.call.off('drain', done);
        this.wakeFromDrain = undefined;
        this.deps.observer.blocked(false);
        resolve();
      };
      this.wakeFromDrain = done;
      this.call.on('drain', done);
    });
  }

  private stop(ending: Ending): void {
    if (this.ending) return;
    this.ending = ending;
    this.subscription.close();
    this.wakeFromDrain?.();
  }

  private finish(): void {
    const ending = this.ending;
    if (ending?.reason === 'cancelled') return;
    const unavailable = (why: string): GrpcFailure => ({
      code: GrpcStatus.UNAVAILABLE,
      details: `${why}; watch again with from_position ${this.lastSent} to resume`,
      httpStatus: 503,
    });
    // A log subscription never ends by itself; should one do so, the client resumes as after a shutdown.
    const failure = !ending
      ? unavailable('the log subscription ended')
      : ending.reason === 'shutdown'
        ? unavailable('the server is shutting down')
        : ending.failure;
    // A server-streaming call sends an error status through its 'error' event (grpc-js ServerWritableStreamImpl).
    this.call.emit('error', statusOf(failure));
  }
}
