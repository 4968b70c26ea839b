import type { AppendResult, ExpectedRevision } from './event-store.port.js';
import type { PreparedEvent } from './validation.js';

/** One stream's events in a pending append, checked and serialised. */
export interface PendingWrite {
  streamId: string;
  events: PreparedEvent[];
  expected: ExpectedRevision;
}

/** An append (one or several streams, all or nothing) waiting in an adapter's group-commit queue. */
export interface PendingAppend {
  writes: PendingWrite[];
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
}
