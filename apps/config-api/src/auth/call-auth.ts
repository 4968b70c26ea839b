import type { Principal } from '#libs/security';

/*
 * What an edge learnt about a call when it let it through: who the caller is and where it came from. The edges
 * keep it beside the request (REST) or the call (gRPC) for the command metadata and, when the command path refuses
 * the command, for the audit trail.
 */

/** Where a command came from. */
export interface CommandOrigin {
  /** The caller's IP address. */
  address: string;
  /** `POST /virtual-networks`, `ConfigService/Create`. */
  request: string;
  /** When it is not the command's own kind: `prop-collection-update` (an update). */
  operation?: string;
}

export interface CallAuth {
  principal: Principal;
  origin: CommandOrigin;
}

const byCall = new WeakMap<object, CallAuth>();

export function rememberAuth(call: object, auth: CallAuth): void {
  byCall.set(call, auth);
}

/** Undefined when no edge checked the call (a config API without authentication wiring, or a test). */
export function authOf(call: object): CallAuth | undefined {
  return byCall.get(call);
}

/**
 * The actor recorded in event metadata. Authenticated: the principal (a token's actor, a JWT's sub), except that an
 * admin may name the user it acts for with X-User-Name / X-Actor (a front end that authenticates its own users);
 * the metadata then names the admin as `principal` too. Anonymous (or no authentication wiring): the header, as
 * before authentication existed, else `anonymous`.
 */
export function actorFor(principal: Principal | undefined, named: string | undefined): string {
  if (!principal || principal.authentication === 'anonymous') return named ?? 'anonymous';
  if (named !== undefined && principal.roles.includes('admin')) return named;
  return principal.actor;
}

/** `::ffff:10.0.0.1` → `10.0.0.1`; undefined → `unknown`. */
export function addressOf(remote: string | undefined): string {
  if (!remote) return 'unknown';
  return remote.startsWith('::ffff:') && remote.includes('.') ? remote.slice(7) : remote;
}

/** grpc-js's peer `host:port` (`::1:5000` for IPv6, without brackets) → the host. */
export function grpcPeerAddress(peer: string): string {
  const bracketed = /^\[([^\]]+)\]:\d+$/.exec(peer);
  if (bracketed) return addressOf(bracketed[1]);
  const cut = peer.lastIndexOf(':');
  return addressOf(cut > 0 && /^\d+$/.test(peer.slice(cut + 1)) ? peer.slice(0, cut) : peer);
}
