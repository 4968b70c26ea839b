import { status as GrpcStatus, type ServerWritableStream } from '@grpc/grpc-js';
import { ServingStatus, type HealthCheckRequest, type HealthCheckResponse, type HealthServer } from '#libs/proto';
import type { HealthStatusBoard } from './health-status-board.js';

/** The protocol's cap on List: a server with more services answers RESOURCE_EXHAUSTED. */
export const MAX_LISTED_SERVICES = 100;

/** grpc.health.v1.Health over a HealthStatusBoard (grpc/grpc doc/health-checking.md). */
export function healthService(board: HealthStatusBoard): HealthServer {
  return {
    check(call, callback) {
      const status = board.get(call.request.service);
      if (status === undefined) {
        callback({ code: GrpcStatus.NOT_FOUND, details: `unknown service ${JSON.stringify(call.request.service)}` });
      } else {
        callback(null, { status });
      }
    },

    list(_call, callback) {
      const all = board.all();
      if (all.size > MAX_LISTED_SERVICES) {
        callback({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: `more than ${MAX_LISTED_SERVICES} services` });
        return;
      }
      const statuses: Record<string, HealthCheckResponse> = {};
      for (const [service, status] of all) statuses[service] = { status };
      callback(null, { statuses });
    },

    watch(call) {
      const stop = board.watch(call.request.service, latestOnlyWriter(call));
      call.once('cancelled', stop);
      call.once('close', stop);
    },
  };
}

/**
 * Writes statuses to a Watch stream; when the client reads slowly, only the newest pending status is kept (the
 * protocol lets a server skip intermediate states, and a status is only worth its latest value).
 */
function latestOnlyWriter(call: ServerWritableStream<HealthCheckRequest, HealthCheckResponse>) {
  let waitingForDrain = false;
  let pending: ServingStatus | undefined;
  const write = (status: ServingStatus): void => {
    if (waitingForDrain) {
      pending = status;
      return;
    }
    if (!call.write({ status })) {
      waitingForDrain = true;
      call.once('drain', () => {
        waitingForDrain = false;
        const next = pending;
        pending = undefined;
        if (next !== undefined) write(next);
      });
    }
  };
  return {
    update: write,
    end: () => call.end(),
  };
}
