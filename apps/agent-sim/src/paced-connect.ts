import { status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';

/**
 * The trailer of control's UNAVAILABLE when it paces new sessions (AGENT_CONNECT_RATE, agent.proto): the
 * milliseconds after which the agent is to say Hello again; control keeps that slot for it.
 */
export const RETRY_AFTER_TRAILER = 'retry-after-ms';

/** How long a paced agent keeps coming back before connect() gives up. */
export const DEFAULT_PACED_TIMEOUT_MS = 120_000;

/** The wait control asked for, when a status is a paced refusal; undefined otherwise. */
export function retryAfterOf(status: Pick<StatusObject, 'code' | 'metadata'>): number | undefined {
  if (status.code !== GrpcStatus.UNAVAILABLE) return undefined;
  const value = status.metadata?.get(RETRY_AFTER_TRAILER)[0];
  const ms = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/**
 * The wait before coming back: the time control gave, plus up to a quarter more drawn from `random` (0 ≤ r < 1).
 * Never less: control keeps the slot for the agent, so coming early only earns another refusal, while coming a
 * little late spreads the agents paced in the same instant. Pure: `random` is an argument.
 */
export function pacedRetryDelay(retryAfterMs: number, random: number): number {
  return Math.max(1, Math.round(retryAfterMs * (1 + 0.25 * random)));
}
