/*
 * The log of a run of 503s. While the event store is down every write answers 503, hundreds a second under load; a
 * line each, with a stack, would bury everything else in the log and tell nothing more than the first. So an outage
 * is three kinds of line: one warning when it starts, with the cause; at most one summary per window while it
 * lasts; one info line when it is over.
 *
 * "Over" is a window without a 503, not the next request that succeeds: reads are served from memory while the
 * store is down, so a successful request says nothing about the store, while writes keep answering 503 until it is
 * back.
 */

/** Where the lines go: pino's (fields, message) form. */
export interface OutageLogSink {
  warn(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
}

export interface OutageLogOptions {
  /** ms since the epoch; Date.now by default. */
  now?: () => number;
  /** Calls `tick` every `ms` until cancelled: by default an unref'd setInterval, so an outage never holds a process up. */
  every?: (ms: number, tick: () => void) => () => void;
  /** The summary window; OUTAGE_WINDOW_MS by default. */
  windowMs?: number;
}

/** One summary line per this many ms at most while an outage lasts. */
export const OUTAGE_WINDOW_MS = 10_000;

/** The request that started an outage, for its first line. */
export interface FailedRequest {
  method: string | undefined;
  path: string;
}

interface Outage {
  since: number;
  /** When the last 503 was answered. */
  last: number;
  /** The message of the last 503: a cause can change during an outage (a refused connection, then a timeout). */
  cause: string;
  total: number;
  /** 503s since the last line. */
  unreported: number;
  stopTicks: () => void;
}

/**
 * Turns 503 answers into outage lines: `answering 503: <cause>` (warn) at the first, `N requests answered 503 in the
 * last 10 s: <cause>` (warn) at the end of each window that had more, and `available again after N s of 503s` (info)
 * at the end of the first window without one. The timer runs only during an outage.
 */
export class OutageLog {
  private outage: Outage | undefined;
  private readonly now: () => number;
  private readonly every: (ms: number, tick: () => void) => () => void;
  private readonly windowMs: number;

  constructor(
    private readonly log: OutageLogSink,
    options: OutageLogOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.every = options.every ?? everyUnref;
    this.windowMs = options.windowMs ?? OUTAGE_WINDOW_MS;
  }

  /** A request was answered 503 because of `cause` (the message of its answer). */
  unavailable(cause: string, request: FailedRequest): void {
    const now = this.now();
    const outage = this.outage;
    if (outage) {
      outage.last = now;
      outage.cause = cause;
      outage.total++;
      outage.unreported++;
      return;
    }
    this.log.warn({ cause, method: request.method, path: request.path }, `answering 503: ${cause}`);
    this.outage = { since: now, last: now, cause, total: 1, unreported: 0, stopTicks: this.every(this.windowMs, () => this.tick()) };
  }

  /**
   * The end of a window: the summary of its 503s, or, when it had none, the end of the outage. Called every window
   * while an outage lasts.
   */
  tick(): void {
    const outage = this.outage;
    if (!outage) return;
    const window = formatSeconds(this.windowMs);
    if (outage.unreported > 0) {
      const requests = outage.unreported === 1 ? '1 request' : `${outage.unreported} requests`;
      this.log.warn({ answered503: outage.unreported, cause: outage.cause }, `${requests} answered 503 in the last ${window} s: ${outage.cause}`);
      outage.unreported = 0;
      return;
    }
    outage.stopTicks();
    this.outage = undefined;
    const lasted = formatSeconds(outage.last - outage.since);
    this.log.info(
      { outageSeconds: Number(lasted), answered503: outage.total, cause: outage.cause },
      `available again after ${lasted} s of 503s: none answered in the last ${window} s`,
    );
  }
}

function everyUnref(ms: number, tick: () => void): () => void {
  const timer = setInterval(tick, ms);
  timer.unref();
  return () => clearInterval(timer);
}

/** 12.34 s → "12.3"; whole seconds without a decimal. */
function formatSeconds(ms: number): string {
  return String(Math.round(ms / 100) / 10);
}
