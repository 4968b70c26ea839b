import { createHmac, timingSafeEqual, verify } from 'node:crypto';
import { unauthenticated, type AuthRefusal } from './auth-refusal.js';
import { JWT_ALGORITHMS, type JwtAlgorithm, type JwtKeys } from './jwt-keys.js';
import { ANONYMOUS_ACTOR, UNAUTHENTICATED_ACTOR } from './principal.js';
import { parseRole, type Role } from './roles.js';
import { kubemanagerProblem } from './token-file.js';

/*
 * JSON Web Tokens (RFC 7519) in the JWS compact serialization (RFC 7515 §7.1), verified with the configured keys
 * (jwt-keys.ts). The signature is checked before any claim is read. Claims: `exp` is required, `exp`, `nbf` and
 * `iat` are checked with a leeway for clock skew; `iss` and `aud` when the server names an issuer or audience;
 * `sub` is the actor; `roles`, a list of strings, gives the roles (names this server does not know grant nothing
 * and are dropped). A refusal says why in its message and in its reason code.
 */

export interface JwtPolicy {
  /** AUTH_JWT_ISSUER: `iss` must be exactly this. */
  issuer?: string;
  /** AUTH_JWT_AUDIENCE: `aud` (a string or a list) must hold this. */
  audience?: string;
  /** Clock skew allowed on exp, nbf and iat. */
  leewaySeconds: number;
}

export const DEFAULT_LEEWAY_SECONDS = 30;

export interface VerifiedJwt {
  actor: string;
  roles: Role[];
  alg: JwtAlgorithm;
}

const SEGMENT = /^[A-Za-z0-9_-]*$/;

/** Three base64url segments separated by dots: what a compact JWS looks like (an API token from the file does not). */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts.every((p) => SEGMENT.test(p)) && parts[0]!.length > 0 && parts[1]!.length > 0;
}

/** The token's actor and roles; throws an AuthRefusal (401) saying why it is refused. `nowMs`: the clock. */
export function verifyJwt(token: string, keys: JwtKeys, policy: JwtPolicy, nowMs: number): VerifiedJwt {
  const parts = token.split('.');
  if (parts.length !== 3) throw malformed(`a JWT has three base64url parts separated by dots (RFC 7515 §7.1), this one has ${parts.length}`);
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = jsonSegment(headerPart, 'header');
  const alg = algorithm(header.alg);
  if (header.crit !== undefined) throw malformed('the header has crit: no extension is understood here (RFC 7515 §4.1.11)');
  checkSignature(alg, `${headerPart}.${payloadPart}`, bytesOf(signaturePart, 'signature'), keys);
  const claims = jsonSegment(payloadPart, 'payload');
  checkTimes(claims, policy.leewaySeconds, nowMs / 1000);
  if (policy.issuer !== undefined && claims.iss !== policy.issuer) {
    throw refusal('wrong-issuer', `the token's issuer ${describe(claims.iss)} is not ${JSON.stringify(policy.issuer)}`);
  }
  if (policy.audience !== undefined && !audienceHolds(claims.aud, policy.audience)) {
    throw refusal('wrong-audience', `the token's audience ${describe(claims.aud)} does not include ${JSON.stringify(policy.audience)}`);
  }
  const actor = claims.sub;
  if (typeof actor !== 'string' || actor.trim() === '') throw malformed('the token has no sub claim: the actor is its subject');
  if (actor === ANONYMOUS_ACTOR || actor === UNAUTHENTICATED_ACTOR) throw malformed(`the subject ${JSON.stringify(actor)} is reserved`);
  const roles = rolesOf(claims.roles);
  const scoped = kubemanagerProblem(actor, roles);
  if (scoped) throw malformed(scoped);
  return { actor, roles, alg };
}

function algorithm(value: unknown): JwtAlgorithm {
  if (typeof value !== 'string') throw malformed('the header has no alg');
  if (value.toLowerCase() === 'none') throw refusal('unsupported-alg', 'alg none is refused: a token must be signed');
  if (!(JWT_ALGORITHMS as readonly string[]).includes(value)) {
    throw refusal('unsupported-alg', `alg ${value} is not accepted: ${JWT_ALGORITHMS.join(', ')}`);
  }
  return value as JwtAlgorithm;
}

/** RFC 7515 §5.2: the signature over the ASCII of `<header>.<payload>`, with a key of the token's algorithm only. */
function checkSignature(alg: JwtAlgorithm, signingInput: string, signature: Buffer, keys: JwtKeys): void {
  const data = Buffer.from(signingInput, 'ascii');
  if (alg === 'HS256') {
    if (!keys.secret) throw refusal('unknown-key', 'no HS256 secret is configured (AUTH_JWT_SECRET_FILE): HS256 tokens are not accepted');
    const expected = createHmac('sha256', keys.secret).update(data).digest();
    if (signature.length !== expected.length || !timingSafeEqual(signature, expected)) throw badSignature('the HS256 secret');
    return;
  }
  const candidates = keys.publicKeys.filter((k) => k.alg === alg);
  if (candidates.length === 0) throw refusal('unknown-key', `no configured key verifies ${alg} (AUTH_JWT_KEYS_FILE)`);
  // RFC 7518 §3.4: an ES256 signature is R and S, 32 bytes each, not DER.
  if (alg === 'ES256' && signature.length !== 64) throw badSignature(`the ${candidates.length} ES256 key(s)`, 'an ES256 signature is 64 bytes');
  const digest = alg === 'EdDSA' ? null : 'sha256';
  for (const { key } of candidates) {
    try {
      if (verify(digest, data, alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key, signature)) return;
    } catch {
      // A signature the key type cannot even parse: not this key's.
    }
  }
  throw badSignature(`the ${candidates.length} configured ${alg} key${candidates.length === 1 ? '' : 's'}`);
}

/** RFC 7519 §4.1.4, 4.1.5, 4.1.6: NumericDate seconds, with `leeway` seconds of clock skew either way. */
function checkTimes(claims: Record<string, unknown>, leeway: number, now: number): void {
  const exp = numericDate(claims, 'exp');
  if (exp === undefined) throw malformed('the token has no exp claim: tokens must expire');
  if (now >= exp + leeway) throw refusal('expired', `the token expired at ${iso(exp)} (now ${iso(now)}, ${leeway} s leeway)`);
  const nbf = numericDate(claims, 'nbf');
  if (nbf !== undefined && now + leeway < nbf) throw refusal('not-yet-valid', `the token is not valid before ${iso(nbf)} (now ${iso(now)}, ${leeway} s leeway)`);
  const iat = numericDate(claims, 'iat');
  if (iat !== undefined && now + leeway < iat) throw refusal('not-yet-valid', `the token was issued in the future, at ${iso(iat)} (now ${iso(now)}, ${leeway} s leeway)`);
}

function numericDate(claims: Record<string, unknown>, name: string): number | undefined {
  const value = claims[name];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value)) throw malformed(`${name} must be a NumericDate (seconds since the epoch), not ${describe(value)}`);
  return value;
}

function audienceHolds(aud: unknown, audience: string): boolean {
  if (typeof aud === 'string') return aud === audience;
  return Array.isArray(aud) && aud.includes(audience);
}

function rolesOf(value: unknown): Role[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.some((r) => typeof r !== 'string')) throw malformed(`the roles claim must be a list of strings, not ${describe(value)}`);
  const roles: Role[] = [];
  for (const name of value as string[]) {
    const role = parseRole(name);
    if (role !== undefined && !roles.includes(role)) roles.push(role);
  }
  return roles;
}

function jsonSegment(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(bytesOf(segment, what).toString('utf8'));
  } catch {
    throw malformed(`the ${what} is not base64url-encoded JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw malformed(`the ${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

/** base64url without padding (RFC 7515 §2); Buffer would take other alphabets and padding silently. */
function bytesOf(segment: string, what: string): Buffer {
  if (!SEGMENT.test(segment) || segment.length % 4 === 1) throw malformed(`the ${what} is not base64url`);
  return Buffer.from(segment, 'base64url');
}

const refusal = (reason: Parameters<typeof unauthenticated>[0], message: string): AuthRefusal => unauthenticated(reason, `bearer token refused: ${message}`);
const malformed = (message: string) => refusal('malformed', `malformed JWT: ${message}`);
const badSignature = (what: string, detail?: string) => refusal('bad-signature', `bad signature: it does not verify with ${what}${detail ? ` (${detail})` : ''}`);

function iso(seconds: number): string {
  const ms = seconds * 1000;
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(seconds);
}

function describe(value: unknown): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
