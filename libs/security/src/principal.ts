import { clusterOfRole, roleHasRight, type Right, type Role } from './roles.js';

/** How a caller proved who it is. `internal`: a token the process minted for its own clients (in-process kubemanagers). */
export type Authentication = 'token' | 'jwt' | 'internal' | 'anonymous';

/** Who is calling, once authenticated: the actor recorded in event metadata and the roles that decide what it may do. */
export interface Principal {
  /** The token file's actor, the JWT's `sub`, `kubemanager:<cluster>` for a minted token, or `anonymous`. */
  readonly actor: string;
  readonly roles: readonly Role[];
  readonly authentication: Authentication;
}

/** The actor of a caller without credentials, when anonymous access is on. */
export const ANONYMOUS_ACTOR = 'anonymous';
/** The actor a refusal is recorded under when the caller could not be authenticated. */
export const UNAUTHENTICATED_ACTOR = 'unauthenticated';

/** What an unauthenticated caller gets: no access, or one role (AUTH_ANONYMOUS). */
export type AnonymousAccess = 'off' | 'admin' | 'operator' | 'reader';
export const ANONYMOUS_ACCESS = ['off', 'reader', 'operator', 'admin'] as const;

export function anonymousPrincipal(role: Exclude<AnonymousAccess, 'off'>): Principal {
  return { actor: ANONYMOUS_ACTOR, roles: [role], authentication: 'anonymous' };
}

/** Whether any of the principal's roles carries `right` (a kubemanager's write right stays scoped). */
export function hasRight(principal: Principal, right: Right): boolean {
  return principal.roles.some((role) => roleHasRight(role, right));
}

/** Whether the principal writes without a scope: an operator or an admin. */
export function writesAnything(principal: Principal): boolean {
  return principal.roles.some((role) => clusterOfRole(role) === undefined && roleHasRight(role, 'write'));
}

/** The clusters whose objects a kubemanager principal may write. */
export function kubemanagerClusters(principal: Principal): string[] {
  return principal.roles.map(clusterOfRole).filter((c): c is string => c !== undefined);
}

/** "alice (operator)" for messages. */
export function describePrincipal(principal: Principal): string {
  if (principal.authentication === 'anonymous') return `an anonymous caller (${principal.roles.join(', ')})`;
  return `${principal.actor} (${principal.roles.length > 0 ? principal.roles.join(', ') : 'no role'})`;
}
