import { WrongExpectedRevisionError } from './errors.js';
import type { ExpectedRevision } from './event-store.port.js';

/** Does a stream whose last revision is `current` (undefined: no stream) satisfy `expected`? */
export function checkExpectedRevision(expected: ExpectedRevision, current: number | undefined): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current === undefined;
    case 'stream_exists':
      return current !== undefined;
    default:
      return current === expected;
  }
}

export function revisionMismatch(streamId: string, expected: ExpectedRevision, current: number | undefined) {
  return new WrongExpectedRevisionError(streamId, expected, current ?? 'no_stream');
}
