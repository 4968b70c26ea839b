import { setLogger } from '@grpc/grpc-js';
import { format } from 'node:util';
import type { Logger } from 'pino';

/**
 * @grpc/grpc-js writes its own diagnostics (e.g. "No address added out of total 1 resolved") with console.error;
 * this sends them through pino instead, so stdout stays JSON lines and stderr stays empty. grpc-js keeps one
 * logger per process, so call this once, at start-up.
 */
export function routeGrpcJsLogs(logger: Logger): void {
  const child = logger.child({ component: 'grpc-js' });
  setLogger({
    error: (...args: unknown[]) => child.error(format(...args)),
    info: (...args: unknown[]) => child.info(format(...args)),
    debug: (...args: unknown[]) => child.debug(format(...args)),
  });
}
