import { AuthRefusal } from './auth-refusal.js';
import type { Authenticator } from './authenticator.js';
import { checkAccess } from './check-access.js';
import type { Principal } from './principal.js';
import type { Right } from './roles.js';

/**
 * What an edge learns of a call before it runs it: who the caller is and, when the call is refused, why. A caller
 * that authenticated and lacks the right keeps its principal, so the refusal can be recorded under its name.
 */
export type Admission = { principal: Principal; refusal?: undefined } | { principal?: Principal; refusal: AuthRefusal };

/**
 * Every edge's first step (REST guards, the gRPC gate): the caller from its `Authorization` value (REST header or
 * gRPC metadata), then the coarse right the call needs. `what` names the call for the message ("GET /control/agents").
 * A refusal is answered rather than thrown, so each edge maps it once in its own terms; errors that are not
 * refusals (a bug) are thrown.
 */
export function admit(authenticator: Authenticator, authorization: string | undefined, right: Right, what: string): Admission {
  let principal: Principal;
  try {
    principal = authenticator.authenticate(authorization);
  } catch (error) {
    if (error instanceof AuthRefusal) return { refusal: error };
    throw error;
  }
  const refusal = checkAccess(principal, right, what);
  return refusal ? { principal, refusal } : { principal };
}
