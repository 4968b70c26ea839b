/*
 * Why a call was refused. 401: the caller is not authenticated (no credentials where they are needed, or credentials
 * that do not hold); 403: it is, and its roles do not allow what it asked. The reason is a short code for metrics
 * and the audit trail; the message says it in words, and names the role that is needed or why a token was refused.
 */

export type RefusalReason =
  /** No credentials, and anonymous access is off or does not carry the right asked for. */
  | 'missing-credentials'
  /** The Authorization header or the token itself cannot be read. */
  | 'malformed'
  /** Not one of the configured API tokens (nor a JWT this server accepts). */
  | 'unknown-token'
  | 'expired'
  /** `nbf` (or `iat`) lies in the future. */
  | 'not-yet-valid'
  | 'bad-signature'
  /** No configured key is of the kind the token's `alg` needs. */
  | 'unknown-key'
  /** `alg` is none, or one this server does not verify. */
  | 'unsupported-alg'
  | 'wrong-issuer'
  | 'wrong-audience'
  /** Authenticated, but no role of the caller carries the right asked for. */
  | 'role'
  /** A kubemanager writing outside its own cluster's objects. */
  | 'scope';

export type RefusalStatus = 401 | 403;

/** A refused call, thrown by the checks and mapped once per edge: HTTP 401/403, gRPC UNAUTHENTICATED/PERMISSION_DENIED. */
export class AuthRefusal extends Error {
  constructor(
    readonly status: RefusalStatus,
    readonly reason: RefusalReason,
    message: string,
  ) {
    super(message);
    this.name = 'AuthRefusal';
  }
}

export const unauthenticated = (reason: RefusalReason, message: string) => new AuthRefusal(401, reason, message);
export const forbidden = (reason: 'role' | 'scope', message: string) => new AuthRefusal(403, reason, message);
