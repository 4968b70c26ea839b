import type { AppendResult, ExpectedRevision } from './event-store.port.js';
import type { PreparedEvent } from './validation.js';

/** An append waiting in an adapter's group-commit queue. */
export interface PendingAppend {
  streamId: string;
  events: PreparedEvent[];
  expected: ExpectedRevision;
  resolve: (result: AppendResult) => void;
  reject: (error: unknown) => void;
}
