/** What the pacer says of a new agent session. */
export type PaceDecision =
  /** A token was free (or the agent came back for the slot it was given): go on. */
  | { kind: 'admit' }
  /** The slot is `waitMs` away, within what the caller can hold the connection: hold it, then go on. */
  | { kind: 'hold'; waitMs: number }
  /**
   * Come back in `retryAfterMs`: with a key, the slot is kept for it until then (and a grace time after); without
   * one, nothing is kept and the newcomer will compete for a token again.
   */
  | { kind: 'retry'; retryAfterMs: number };

export interface ConnectPacerOptions {
  /** New sessions per second, on average (AGENT_CONNECT_RATE). */
  ratePerSecond: number;
  /** Sessions that may start at once after a quiet time (AGENT_CONNECT_BURST). */
  burst: number;
  /** How long past its slot an agent told to retry keeps it. Default 30 s. */
  reservationGraceMs?: number;
}

/** A returning agent a little early (timer slop) still takes its slot. */
const EARLY_TOLERANCE_MS = 50;

/**
 * A token bucket for new agent sessions, so that a connect storm (every agent of a restarted control node, or of a
 * healed network) is paced rather than served all at once. Tokens come at `ratePerSecond` up to `burst`; a session
 * takes one. When none is left, the session is given a slot in the future — the time at which the bucket will have
 * refilled for it and for every session given a slot before it — and the token is taken now (the bucket goes
 * negative: those slots are promised). The caller either holds the connection until the slot (XMPP, whose dialect
 * cannot say "retry later") or tells the agent to come back then (gRPC): the slot is kept under the agent's key, so
 * that it is admitted on return without taking another token, and successive agents get successive slots instead of
 * all coming back together. Pure: the clock is an argument.
 */
export class ConnectPacer {
  private tokens: number;
  private updatedAt: number;
  /** Slots promised to agents told to retry, by key, in the order (and so by the time) they are due. */
  private readonly reservations = new Map<string, number>();
  private readonly graceMs: number;

  constructor(
    private readonly options: ConnectPacerOptions,
    now: number,
  ) {
    if (!(options.ratePerSecond > 0)) throw new RangeError(`ratePerSecond must be positive, got ${options.ratePerSecond}`);
    if (!(options.burst >= 1)) throw new RangeError(`burst must be at least 1, got ${options.burst}`);
    this.tokens = options.burst;
    this.updatedAt = now;
    this.graceMs = options.reservationGraceMs ?? 30_000;
  }

  /** Tokens now; below 0, that many sessions were given a slot still to come. */
  available(now: number): number {
    this.refill(now);
    return this.tokens;
  }

  /** Agents told to retry whose slot is still kept. */
  get reserved(): number {
    return this.reservations.size;
  }

  /**
   * A new session of `key` (the agent's name; undefined when not known yet) at `now`. `holdUpToMs`: the longest the
   * caller can hold the connection itself (0: it cannot, the agent is told to retry).
   */
  request(key: string | undefined, now: number, holdUpToMs = 0): PaceDecision {
    this.refill(now);
    this.expire(now);
    const due = key === undefined ? undefined : this.reservations.get(key);
    if (key !== undefined && due !== undefined) {
      if (now >= due - EARLY_TOLERANCE_MS) {
        this.reservations.delete(key);
        return { kind: 'admit' };
      }
      return { kind: 'retry', retryAfterMs: Math.ceil(due - now) };
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { kind: 'admit' };
    }
    const waitMs = Math.ceil(((1 - this.tokens) * 1000) / this.options.ratePerSecond);
    if (waitMs <= holdUpToMs) {
      this.tokens -= 1;
      return { kind: 'hold', waitMs };
    }
    if (key !== undefined) {
      this.tokens -= 1;
      this.reservations.set(key, now + waitMs);
    }
    return { kind: 'retry', retryAfterMs: waitMs };
  }

  private refill(now: number): void {
    const elapsed = Math.max(0, now - this.updatedAt);
    this.tokens = Math.min(this.options.burst, this.tokens + (elapsed * this.options.ratePerSecond) / 1000);
    this.updatedAt = Math.max(this.updatedAt, now);
  }

  /** Forgets slots whose agent did not come back within the grace time (their token stays spent). */
  private expire(now: number): void {
    for (const [key, due] of this.reservations) {
      if (due + this.graceMs > now) return;
      this.reservations.delete(key);
    }
  }
}
