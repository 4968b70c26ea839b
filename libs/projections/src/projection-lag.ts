/** How far a projection is behind the log, at one moment. */
export interface LagSample {
  /** Position the projection has folded to. */
  position: number;
  /** The log's head position. */
  head: number;
  /** head - position (0 when caught up). On a store with gaps in its positions this is an upper bound. */
  events: number;
  /** now - recordedAt of the newest event folded, while behind; 0 when caught up (or nothing folded yet). */
  ms: number;
}

/**
 * A projection's progress through the log, for its lag metrics (DESIGN §4): the position folded to and when the
 * newest folded event was recorded. Pure: the head and the time are given when a sample is taken.
 */
export class ProjectionLag {
  private folded = 0;
  private recordedAt: string | undefined;

  get position(): number {
    return this.folded;
  }

  /** ISO time the newest folded event was recorded; undefined before the first. */
  get lastRecordedAt(): string | undefined {
    return this.recordedAt;
  }

  /** Records that the event at `position`, recorded at `recordedAt`, was folded. */
  advance(position: number, recordedAt: string | undefined): void {
    this.folded = position;
    this.recordedAt = recordedAt;
  }

  sample(head: number, now: number = Date.now()): LagSample {
    return measureLag(this.folded, this.recordedAt, head, now);
  }
}

/** The lag of a projection at `position` (newest event recorded at `lastRecordedAt`) when the log's head is `head`. */
export function measureLag(position: number, lastRecordedAt: string | undefined, head: number, now: number): LagSample {
  const events = Math.max(0, head - position);
  const recorded = lastRecordedAt === undefined ? Number.NaN : Date.parse(lastRecordedAt);
  const ms = events === 0 || Number.isNaN(recorded) ? 0 : Math.max(0, now - recorded);
  return { position, head, events, ms };
}
