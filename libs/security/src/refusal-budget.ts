/**
 * Bounds what a flood of refused calls costs the log: at most `perAddress` refusals recorded per source address in
 * each one-second window, and `total` from all addresses together; the rest are only counted (the caller keeps a
 * metric). Memory is bounded too: one window's addresses, at most `maxAddresses` of them.
 */
export class RefusalBudget {
  private window = -1;
  private readonly taken = new Map<string, number>();
  private total = 0;

  constructor(
    private readonly limits: { perAddress: number; total: number; maxAddresses: number } = DEFAULT_REFUSAL_LIMITS,
    private readonly clock: () => number = Date.now,
  ) {}

  /** Whether a refusal from `address` may be recorded now (and counts it when it may). */
  take(address: string): boolean {
    const window = Math.floor(this.clock() / 1000);
    if (window !== this.window) {
      this.window = window;
      this.taken.clear();
      this.total = 0;
    }
    if (this.total >= this.limits.total) return false;
    const used = this.taken.get(address);
    if (used === undefined && this.taken.size >= this.limits.maxAddresses) return false;
    if ((used ?? 0) >= this.limits.perAddress) return false;
    this.taken.set(address, (used ?? 0) + 1);
    this.total++;
    return true;
  }
}

/** 10 per address and 200 in all per second: enough to see an attack's shape, too few to fill the log. */
export const DEFAULT_REFUSAL_LIMITS = { perAddress: 10, total: 200, maxAddresses: 10_000 } as const;
