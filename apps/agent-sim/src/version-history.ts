/**
 * When each version arrived and when it was acked (performance.now() ms), for the last `limit` versions: enough to
 * measure convergence without a fleet of long-lived agents growing without bound.
 */
export class VersionHistory {
  private readonly received = new Map<number, number>();
  /** Acks sent, in increasing version order: [version, time]. An ack of v covers every version up to v. */
  private acks: Array<[number, number]> = [];

  constructor(private readonly limit = 10_000) {}

  noteReceived(version: number, at: number): void {
    this.received.set(version, at);
    if (this.received.size > this.limit) this.received.delete(this.received.keys().next().value!);
  }

  noteAcked(version: number, at: number): void {
    // After a resume control may hold an older ack than ours: the first ack covering a version stands.
    if (version <= (this.acks.at(-1)?.[0] ?? 0)) return;
    this.acks.push([version, at]);
    if (this.acks.length > this.limit * 2) this.acks = this.acks.slice(-this.limit);
  }

  receivedAt(version: number): number | undefined {
    return this.received.get(version);
  }

  /** When the first ack covering `version` went out. */
  ackedAt(version: number): number | undefined {
    let lo = 0;
    let hi = this.acks.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.acks[mid]![0] < version) lo = mid + 1;
      else hi = mid;
    }
    return this.acks[lo]?.[1];
  }

  /** A new session numbers from 1 again: the old times mean nothing. */
  clear(): void {
    this.received.clear();
    this.acks = [];
  }
}
