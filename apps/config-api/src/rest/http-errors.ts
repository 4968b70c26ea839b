import { HttpException } from '@nestjs/common';
import { ConfigError } from '#libs/domain';
import { InvalidAppendError, StoreClosedError, StoreUnavailableError } from '#libs/event-store';
import { AuthRefusal } from '#libs/security';

/** Maps the config plane's errors to HTTP once: ConfigError keeps its status, a store outage is a 503. */
export function toHttpError(error: unknown): unknown {
  if (error instanceof ConfigError) {
    return new HttpException({ message: error.message, ...(error.field ? { field: error.field } : {}) }, error.status);
  }
  if (error instanceof StoreUnavailableError || error instanceof StoreClosedError) {
    return new HttpException({ message: `the event log is unavailable: ${error.message}` }, 503);
  }
  if (error instanceof InvalidAppendError) return new HttpException({ message: error.message }, 400);
  // A command the caller's role does not allow (a kubemanager outside its cluster): 403, as the guard answers.
  if (error instanceof AuthRefusal) return new HttpException({ message: error.message }, error.status);
  return error;
}

/** Runs a handler and rethrows its error in HTTP form. */
export async function http<T>(work: () => Promise<T> | T): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw toHttpError(error);
  }
}
