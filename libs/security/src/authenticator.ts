import { randomBytes } from 'node:crypto';
import { unauthenticated } from './auth-refusal.js';
import type { JwtKeys } from './jwt-keys.js';
import { looksLikeJwt, verifyJwt, type JwtPolicy } from './jwt.js';
import { anonymousPrincipal, type AnonymousAccess, type Principal } from './principal.js';
import type { Role } from './roles.js';
import { tokenDigest } from './token-file.js';
import { TokenTable } from './token-table.js';

/** What callers are checked against; replaced whole when a file changes (credential-reloader.ts). */
export interface Credentials {
  /** AUTH_TOKENS_FILE's API tokens. */
  tokens: TokenTable;
  /** AUTH_JWT_KEYS_FILE's public keys and AUTH_JWT_SECRET_FILE's secret. */
  jwt: JwtKeys;
}

/** No API token and no JWT key: only anonymous access (when on) and minted tokens. */
export function noCredentials(): Credentials {
  return { tokens: new TokenTable(), jwt: { publicKeys: [] } };
}

export interface AuthenticatorOptions {
  /** The role of a caller without credentials, or off (401). */
  anonymous: AnonymousAccess;
  jwt: JwtPolicy;
  /** ms since the epoch; Date.now by default. */
  clock?: () => number;
}

/**
 * Who a caller is, from the value of its `Authorization` header (REST) or `authorization` metadata (gRPC):
 * `Bearer <token>`, where the token is one the process minted for an in-process client, an API token of the token
 * file, or a JWT verified with the configured keys. No value: the anonymous principal when anonymous access is on,
 * else a 401. Credentials that are there but do not hold are a 401 even when anonymous access is on: a client that
 * sent a token meant to be someone.
 */
export class Authenticator {
  private current: Credentials;
  private readonly minted = new TokenTable();
  private readonly clock: () => number;

  constructor(
    credentials: Credentials,
    private readonly options: AuthenticatorOptions,
  ) {
    this.current = credentials;
    this.clock = options.clock ?? Date.now;
  }

  get anonymous(): AnonymousAccess {
    return this.options.anonymous;
  }

  get credentials(): Credentials {
    return this.current;
  }

  /** Takes new credentials (a rotated token file or key): calls from now on are checked against them. */
  replace(credentials: Credentials): void {
    this.current = credentials;
  }

  /** The principal; throws an AuthRefusal (401) saying why there is none. */
  authenticate(authorization: string | undefined): Principal {
    const value = authorization?.trim() ?? '';
    if (value === '') {
      if (this.options.anonymous === 'off') {
        throw unauthenticated('missing-credentials', 'authentication required: send Authorization: Bearer <token> (an API token or a JWT)');
      }
      return anonymousPrincipal(this.options.anonymous);
    }
    const token = bearerToken(value);
    const known = this.minted.lookup(token) ?? this.current.tokens.lookup(token);
    if (known) return known;
    const jwt = this.current.jwt;
    const acceptsJwt = jwt.publicKeys.length > 0 || jwt.secret !== undefined;
    if (acceptsJwt && looksLikeJwt(token)) {
      const verified = verifyJwt(token, jwt, this.options.jwt, this.clock());
      return { actor: verified.actor, roles: verified.roles, authentication: 'jwt' };
    }
    const hint = looksLikeJwt(token) ? ' (and JWTs are not accepted here: no JWT key or secret is configured)' : '';
    throw unauthenticated('unknown-token', `bearer token refused: it is not a known API token${hint}`);
  }

  /**
   * A token for an in-process client of this process (the all-in-one's kubemanagers): random, held in memory as a
   * digest only, valid until revoked.
   */
  mint(actor: string, roles: readonly Role[]): { token: string; revoke(): void } {
    const token = randomBytes(32).toString('base64url');
    const revoke = this.minted.add(tokenDigest(token), { actor, roles: [...roles], authentication: 'internal' });
    return { token, revoke };
  }
}

/** `Bearer <token>` (RFC 6750 §2.1; the scheme's case does not matter) → the token. */
export function bearerToken(value: string): string {
  const match = /^(\S+)\s+(\S+)$/.exec(value.trim());
  if (!match) {
    throw unauthenticated('malformed', 'malformed Authorization: expected "Bearer <token>"');
  }
  if (match[1]!.toLowerCase() !== 'bearer') {
    throw unauthenticated('malformed', `malformed Authorization: the ${JSON.stringify(match[1]!.slice(0, 20))} scheme is not accepted, only Bearer`);
  }
  return match[2]!;
}
