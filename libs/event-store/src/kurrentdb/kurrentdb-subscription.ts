import type { DuplexOptions, ReadableOptions } from 'node:stream';
import type { AllStreamResolvedEvent } from '@kurrent/kurrentdb-client';
import { StoreUnavailableError } from '../errors.js';
import type { RecordedEvent, Subscription } from '../event-store.port.js';
import { translateError } from './kurrentdb-mapping.js';

/**
 * What the wrapper needs of the client's AllStreamSubscription: an async-iterable object stream of resolved events
 * that can be cancelled. (The client's is a Transform that the gRPC call is piped into.)
 */
export interface SubscriptionSource extends AsyncIterable<AllStreamResolvedEvent> {
  readonly readableLength: number;
  on(event: 'error', listener: (error: Error) => void): unknown;
  destroy(): unknown;
  unsubscribe(): Promise<void>;
}

/**
 * Stream options for the client's subscription. Its Transform buffers at most `readableHighWaterMark` converted
 * events plus `writableHighWaterMark` incoming messages; past that it stops taking messages from the gRPC call,
 * the call stops reading, and HTTP/2 flow control holds the server back. So at most `batchSize` events wait in
 * the subscription however slow the consumer is. (The gRPC call keeps its own small buffer of raw messages.)
 */
export function subscriptionStreamOptions(
  batchSize: number,
): ReadableOptions & Pick<DuplexOptions, 'readableHighWaterMark' | 'writableHighWaterMark'> {
  return { objectMode: true, readableHighWaterMark: Math.max(1, Math.floor(batchSize) - 1), writableHighWaterMark: 1 };
}

type Stop = { stop: 'closed' } | { stop: 'failed'; error: unknown };
type Step = IteratorResult<AllStreamResolvedEvent> | Stop;

/**
 * Our Subscription over KurrentDB's catch-up subscription to $all. The server delivers catch-up then live in log
 * order with no gap; this wrapper pulls one event at a time through the stream's own async iterator (so the
 * stream's backpressure applies and nothing is collected here), skips events at or below the start position and
 * records that are not ours (system records, other namespaces), and turns failures into StoreUnavailableError.
 * A failed or ended subscription is closed; the consumer resumes with `subscribeToAll({ after: sub.position })`.
 */
export class KurrentDbSubscription implements Subscription {
  private last: number;
  private closed = false;
  private readonly events: AsyncIterator<AllStreamResolvedEvent>;
  private readonly stopped: Promise<Stop>;
  private stop!: (reason: Stop) => void;

  constructor(
    private readonly source: SubscriptionSource,
    after: number,
    private readonly decode: (resolved: AllStreamResolvedEvent) => RecordedEvent | undefined,
    private readonly onClose: () => void = () => undefined,
  ) {
    this.last = after;
    this.stopped = new Promise<Stop>((resolve) => {
      this.stop = resolve;
    });
    // The client emits 'error' on the stream itself, possibly before anyone iterates (or after close): this keeps
    // it from going unhandled and hands it to a waiting next().
    source.on('error', (error: unknown) => this.stop({ stop: 'failed', error }));
    this.events = source[Symbol.asyncIterator]();
  }

  get position(): number {
    return this.last;
  }

  get buffered(): number {
    if (this.closed) return 0;
    const writable = (this.source as unknown as { writableLength?: number }).writableLength ?? 0;
    return this.source.readableLength + writable;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.stop({ stop: 'closed' });
    this.source.destroy();
    this.source.unsubscribe().catch(() => undefined);
    this.onClose();
  }

  [Symbol.asyncIterator](): AsyncIterator<RecordedEvent> {
    return {
      next: () => this.next(),
      return: async () => {
        this.close();
        return { done: true, value: undefined };
      },
    };
  }

  private async pull(): Promise<Step> {
    try {
      return await Promise.race([this.events.next(), this.stopped]);
    } catch (error) {
      return { stop: 'failed', error };
    }
  }

  private async next(): Promise<IteratorResult<RecordedEvent>> {
    while (!this.closed) {
      const step = await this.pull();
      if (this.closed) break;
      if ('stop' in step) {
        this.close();
        if (step.stop === 'closed') break;
        throw translateError(step.error, 'the KurrentDB subscription to $all failed');
      }
      if (step.done) {
        this.close();
        throw new StoreUnavailableError(
          `the KurrentDB subscription to $all ended unexpectedly after position ${this.last}; subscribe again from there`,
        );
      }
      let event: RecordedEvent | undefined;
      try {
        event = this.decode(step.value);
      } catch (error) {
        this.close();
        throw translateError(error, 'the KurrentDB subscription to $all delivered an unreadable event');
      }
      if (event === undefined || event.globalPosition <= this.last) continue;
      this.last = event.globalPosition;
      return { done: false, value: event };
    }
    return { done: true, value: undefined };
  }
}
