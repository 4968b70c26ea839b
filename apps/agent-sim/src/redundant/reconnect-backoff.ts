/** How a session to a control replica that went away is retried. */
export interface ReconnectBackoff {
  /** The wait before the first retry. Default 100 ms. */
  initialMs: number;
  /** The longest wait between two retries. Default 2000 ms. */
  maxMs: number;
}

export const DEFAULT_RECONNECT_BACKOFF: ReconnectBackoff = { initialMs: 100, maxMs: 2000 };

/**
 * The wait before retry number `attempt` (0 for the first): doubling from initialMs up to maxMs, less up to a fifth
 * drawn from `random` (0 ≤ r < 1) so that many agents cut off by one replica do not all come back in the same
 * instant. Pure: `random` is an argument.
 */
export function reconnectDelay(attempt: number, backoff: ReconnectBackoff, random: number): number {
  const doubled = backoff.initialMs * 2 ** Math.min(attempt, 30);
  const capped = Math.min(backoff.maxMs, doubled);
  return Math.round(capped * (1 - 0.2 * random));
}
