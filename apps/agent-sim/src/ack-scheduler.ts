/** How an agent acknowledges: at once, late (a slow agent) and/or every n messages. */
export interface AckPolicy {
  /** A message becomes ackable this long after it arrived: 0 acks at once. */
  delayMs: number;
  /** Ack once this many ackable messages wait; capped by the session's window so control never stalls. */
  every: number;
  /** With every > 1: an ackable message waits at most this long for the others. */
  flushMs: number;
}

/**
 * Sends cumulative Acks: an Ack always names the latest ackable version, which covers every earlier one. Delays are
 * latencies, not a rate: message v is ackable at receivedAt(v) + delayMs whatever came before it.
 */
export class AckScheduler {
  /** Versions waiting for their delay, in arrival order (so in version order). */
  private delayed: Array<{ version: number; due: number }> = [];
  private ready = 0;
  private sent = 0;
  private window = 0;
  private delayTimer: NodeJS.Timeout | undefined;
  private flushTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly policy: AckPolicy,
    private readonly send: (version: number) => void,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** A new stream: nothing waits, `acked` is what control holds as acked. */
  reset(acked: number, window: number): void {
    this.stop();
    this.ready = acked;
    this.sent = acked;
    this.window = window;
  }

  /** Message `version` has been applied. */
  received(version: number): void {
    if (this.policy.delayMs <= 0) {
      this.markReady(version);
      return;
    }
    this.delayed.push({ version, due: this.now() + this.policy.delayMs });
    if (!this.delayTimer) this.armDelay();
  }

  /** The highest version acked on this stream. */
  get lastSent(): number {
    return this.sent;
  }

  /** Drops what waits (the stream is gone: control resends whatever was not acked). */
  stop(): void {
    clearTimeout(this.delayTimer);
    clearTimeout(this.flushTimer);
    this.delayTimer = undefined;
    this.flushTimer = undefined;
    this.delayed = [];
  }

  private get every(): number {
    const every = Math.max(1, this.policy.every);
    return this.window > 0 ? Math.min(every, this.window) : every;
  }

  private markReady(version: number): void {
    if (version <= this.ready) return;
    this.ready = version;
    if (this.ready - this.sent >= this.every) this.flush();
    else if (!this.flushTimer) this.flushTimer = setTimeout(() => this.flush(), this.policy.flushMs);
  }

  private flush(): void {
    clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    if (this.ready <= this.sent) return;
    this.sent = this.ready;
    this.send(this.sent);
  }

  private armDelay(): void {
    const head = this.delayed[0];
    if (!head) {
      this.delayTimer = undefined;
      return;
    }
    this.delayTimer = setTimeout(() => this.releaseDue(), Math.max(0, head.due - this.now()));
  }

  private releaseDue(): void {
    const now = this.now();
    let latest = 0;
    while (this.delayed.length > 0 && this.delayed[0]!.due <= now) latest = this.delayed.shift()!.version;
    if (latest > 0) this.markReady(latest);
    this.armDelay();
  }
}
