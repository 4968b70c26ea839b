import { Controller, Get, HttpStatus, Inject, Optional, Res } from '@nestjs/common';
import type { EventStore } from '#libs/event-store';
import { EVENT_STORE } from '../event-store/event-store.token.js';

/** A health answer slower than this counts as a failure: probes must not hang on a store that hangs. */
export const HEALTH_STORE_TIMEOUT_MS = 2000;

export type HealthBody =
  | { status: 'ok'; store?: { kind: string; headPosition: number }; uptimeSeconds: number }
  | { status: 'unavailable'; reason: string; store: { kind: string }; uptimeSeconds: number };

/** The part of an Express response the controller uses. */
interface StatusResponse {
  status(code: number): unknown;
}

/**
 * GET /health: 200 when the process can read its event log, 503 with the reason when it cannot. Fit for a
 * Kubernetes readiness probe; a liveness probe should prefer the gRPC health service, which does not touch the
 * store (a store outage should take the pod out of service, not restart it).
 */
@Controller()
export class HealthController {
  constructor(@Optional() @Inject(EVENT_STORE) private readonly store?: EventStore) {}

  @Get('health')
  async health(@Res({ passthrough: true }) res: StatusResponse): Promise<HealthBody> {
    const uptimeSeconds = Math.floor(process.uptime());
    if (!this.store) return { status: 'ok', uptimeSeconds };
    const kind = this.store.kind;
    try {
      const headPosition = await withTimeout(this.store.headPosition(), HEALTH_STORE_TIMEOUT_MS);
      return { status: 'ok', store: { kind, headPosition }, uptimeSeconds };
    } catch (error) {
      res.status(HttpStatus.SERVICE_UNAVAILABLE);
      const reason = `cannot read the ${kind} event store: ${error instanceof Error ? error.message : String(error)}`;
      return { status: 'unavailable', reason, store: { kind }, uptimeSeconds };
    }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
