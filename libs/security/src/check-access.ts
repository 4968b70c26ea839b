import { AuthRefusal, forbidden, unauthenticated } from './auth-refusal.js';
import { describePrincipal, hasRight, type Principal } from './principal.js';
import { rolesWithRight, type Right } from './roles.js';

/**
 * The coarse check every edge makes before it runs a call: does the principal's role carry the right (read, write,
 * audit) the call needs? `what` names the call for the message ("POST /virtual-networks"). An anonymous caller
 * without the right gets a 401 (credentials would help), an authenticated one a 403. Undefined when allowed.
 */
export function checkAccess(principal: Principal, right: Right, what: string): AuthRefusal | undefined {
  if (hasRight(principal, right)) return undefined;
  const needed = `it needs the role ${rolesWithRight(right)}`;
  if (principal.authentication === 'anonymous') {
    return unauthenticated('missing-credentials', `authentication required: ${what} needs a bearer token; ${needed}, and anonymous callers are ${principal.roles.join(', ')}`);
  }
  return forbidden('role', `${describePrincipal(principal)} may not ${what}: ${needed}`);
}
