/** Errors of the event log. Each carries a `code` the edges map to a protocol status once. */

export abstract class EventStoreError extends Error {
  abstract readonly code: string;
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The stream's revision did not match the append's expectation (optimistic concurrency). */
export class WrongExpectedRevisionError extends EventStoreError {
  readonly code = 'WRONG_EXPECTED_REVISION';
  constructor(
    readonly streamId: string,
    readonly expected: string | number,
    readonly actual: number | 'no_stream',
  ) {
    super(`append to stream '${streamId}' expected revision ${String(expected)} but the stream is at ${String(actual)}`);
  }
}

/** The input was rejected before anything was written. */
export class InvalidAppendError extends EventStoreError {
  readonly code = 'INVALID_APPEND';
}

/** Some of the event ids were written before, but not as this same append: a retry that does not match. */
export class DuplicateEventIdError extends EventStoreError {
  readonly code = 'DUPLICATE_EVENT_ID';
}

/** The backing store cannot be reached or failed; nothing was acknowledged. */
export class StoreUnavailableError extends EventStoreError {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(message: string, override readonly cause?: unknown) {
    super(message);
  }
}

/** The store was closed. */
export class StoreClosedError extends EventStoreError {
  readonly code = 'STORE_CLOSED';
  constructor() {
    super('the event store is closed');
  }
}
