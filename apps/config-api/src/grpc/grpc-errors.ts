import { Metadata, status as GrpcStatus, type StatusObject } from '@grpc/grpc-js';
import { ConfigError, type ConfigErrorStatus } from '#libs/domain';
import { InvalidAppendError, StoreClosedError, StoreUnavailableError } from '#libs/event-store';
import { AuthRefusal } from '#libs/security';

/** A refusal in gRPC terms: the code, what was wrong, and the REST status and field it corresponds to. */
export interface GrpcFailure {
  code: GrpcStatus;
  details: string;
  /** The status REST answers for the same error (trailer `x-http-status`). */
  httpStatus: number;
  /** Where in the request the problem is (trailer `x-error-field`). */
  field?: string;
}

/**
 * Kinds of 409 the config plane raises, told apart by the words of their messages (ConfigError carries only the
 * status). Each pattern is checked against the deciders' real messages in grpc-errors.spec.ts.
 */
const CONFLICT_KINDS: ReadonlyArray<[RegExp, GrpcStatus]> = [
  // A number pool or a subnet has nothing left: `the vn-id pool is exhausted`, `no free address left`, `is full`,
  // `no vn-id is left`.
  [/\bexhausted\b|\bno free address\b|\bis full\b|\bno [\w-]+ is left\b/, GrpcStatus.RESOURCE_EXHAUSTED],
  // The command service gave up after repeated optimistic-concurrency losses: the client may simply retry.
  [/kept winning/, GrpcStatus.ABORTED],
  // The name, uuid, MAC, address or number asked for is held by another object.
  [/already exists|already used by|already allocated|already in use/, GrpcStatus.ALREADY_EXISTS],
];

/** REST status → gRPC code (DESIGN §6): mapped here once for every RPC. */
export function grpcCodeOf(status: ConfigErrorStatus, message: string): GrpcStatus {
  switch (status) {
    case 400:
      return GrpcStatus.INVALID_ARGUMENT;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 404:
      return GrpcStatus.NOT_FOUND;
    case 409:
      // Anything else is a refusal because of the state the object is in: children or back-refs remain, a subnet
      // still has addresses, an address is reserved.
      return CONFLICT_KINDS.find(([pattern]) => pattern.test(message))?.[1] ?? GrpcStatus.FAILED_PRECONDITION;
    case 412:
      return GrpcStatus.FAILED_PRECONDITION;
    case 413:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 503:
      return GrpcStatus.UNAVAILABLE;
  }
}

/**
 * The gRPC form of an error of the config plane, or undefined for an unexpected error (a bug: INTERNAL, logged,
 * its details kept from the client).
 */
export function grpcFailureOf(error: unknown): GrpcFailure | undefined {
  if (error instanceof AuthRefusal) {
    return { code: error.status === 401 ? GrpcStatus.UNAUTHENTICATED : GrpcStatus.PERMISSION_DENIED, details: error.message, httpStatus: error.status };
  }
  if (error instanceof ConfigError) {
    // A failed If-Match says so in REST words too: the gRPC field is if_match_revision.
    const details =
      error.status === 412 && !/If-Match/.test(error.message) ? `${error.message} (If-Match: if_match_revision did not match)` : error.message;
    return { code: grpcCodeOf(error.status, error.message), details, httpStatus: error.status, ...(error.field ? { field: error.field } : {}) };
  }
  if (error instanceof StoreUnavailableError || error instanceof StoreClosedError) {
    return { code: GrpcStatus.UNAVAILABLE, details: `the event log is unavailable: ${error.message}`, httpStatus: 503 };
  }
  if (error instanceof InvalidAppendError) return { code: GrpcStatus.INVALID_ARGUMENT, details: error.message, httpStatus: 400 };
  return undefined;
}

/**
 * The longest status details sent. Details travel in a trailer: one far longer (a message quoting a huge input) is
 * more than an HTTP/2 client takes, and the call would never end for it. REST answers the whole message.
 */
export const MAX_STATUS_DETAILS = 2000;

/** What grpc-js sends for a failure: code, details, and the REST status and field as trailing metadata. */
export function statusOf(failure: GrpcFailure): Partial<StatusObject> {
  const metadata = new Metadata();
  metadata.set('x-http-status', String(failure.httpStatus));
  if (failure.field) metadata.set('x-error-field', metadataText(failure.field));
  return { code: failure.code, details: wellFormed(shortened(failure.details, MAX_STATUS_DETAILS, '…')), metadata };
}

/** grpc-js sends details through encodeURI, which throws on a lone surrogate (one an input can carry, "\ud800"). */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}

/** A metadata value must be printable ASCII (grpc-js throws otherwise): other characters as \uXXXX, 200 at most. */
function metadataText(text: string): string {
  return shortened(text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`), 200, '...');
}

function shortened(text: string, max: number, ellipsis: string): string {
  return text.length <= max ? text : `${text.slice(0, max)}${ellipsis} (${text.length - max} more characters)`;
}

/** The answer to an unexpected error: no internals leak to the client. */
export const INTERNAL_FAILURE: GrpcFailure = { code: GrpcStatus.INTERNAL, details: 'internal error', httpStatus: 500 };
