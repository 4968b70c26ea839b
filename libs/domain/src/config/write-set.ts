import type { JsonValue, NewEvent, StreamWrite } from '#libs/event-store';
import type { ConfigView } from './config-state.js';

/**
 * The streams one command writes, collected while deciding: events per stream, each stream appended with the
 * revision the decision read (or no_stream), all in one atomic appendMany.
 */
export class WriteSet {
  private readonly byStream = new Map<string, NewEvent[]>();
  private readonly expectations = new Map<string, StreamWrite['expectedRevision']>();

  constructor(private readonly state: ConfigView) {}

  /** Adds an event to a stream whose current revision (as the state knows it) must still hold at append time. */
  add(streamId: string, type: string, data: JsonValue): this {
    let events = this.byStream.get(streamId);
    if (!events) {
      this.byStream.set(streamId, (events = []));
      this.expectations.set(streamId, this.state.revision(streamId) ?? 'no_stream');
    }
    events.push({ type, data });
    return this;
  }

  /** Overrides the expectation of a stream already added (If-Match on the resource stream). */
  expect(streamId: string, revision: number): this {
    this.expectations.set(streamId, revision);
    return this;
  }

  toWrites(): StreamWrite[] {
    return [...this.byStream].map(([streamId, events]) => ({ streamId, events, expectedRevision: this.expectations.get(streamId) }));
  }
}
