import { createPublicKey, type KeyObject } from 'node:crypto';
import type { FileProblem } from './token-file.js';

/*
 * The keys JWTs are verified with. AUTH_JWT_KEYS_FILE holds one or more PEM public keys (`-----BEGIN PUBLIC
 * KEY-----` SPKI, or `-----BEGIN RSA PUBLIC KEY-----`), any text between blocks ignored; each key's type fixes the
 * one algorithm it verifies (RFC 7518 §3.1): RSA (2048 bits or more, §3.3) → RS256, EC on P-256 → ES256,
 * Ed25519 / Ed448 → EdDSA (RFC 8037). AUTH_JWT_SECRET_FILE holds the HS256 secret: the file's bytes less a final
 * newline, at least 32 of them (§3.2: a key at least as long as the hash). A key is only ever used for its own
 * algorithm, so a token cannot have an RSA public key taken for an HMAC secret.
 */

export type PublicKeyAlgorithm = 'RS256' | 'ES256' | 'EdDSA';
export type JwtAlgorithm = 'HS256' | PublicKeyAlgorithm;
export const JWT_ALGORITHMS: readonly JwtAlgorithm[] = ['HS256', 'RS256', 'ES256', 'EdDSA'];

export interface JwtPublicKey {
  alg: PublicKeyAlgorithm;
  key: KeyObject;
}

export interface JwtKeys {
  publicKeys: JwtPublicKey[];
  /** The HS256 secret. */
  secret?: Buffer;
}

export const MIN_RSA_BITS = 2048;
export const MIN_SECRET_BYTES = 32;

export type KeysParse = { ok: true; keys: JwtPublicKey[] } | { ok: false; problems: FileProblem[] };

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/g;
const PUBLIC_LABELS = new Set(['PUBLIC KEY', 'RSA PUBLIC KEY']);

/** The public keys of a keys file; a problem names the block (1-based) and the line it starts on. */
export function parsePublicKeys(text: string): KeysParse {
  const keys: JwtPublicKey[] = [];
  const problems: FileProblem[] = [];
  let blocks = 0;
  for (const match of text.matchAll(PEM_BLOCK)) {
    blocks++;
    const label = match[1]!;
    const line = text.slice(0, match.index).split('\n').length;
    const problem = (message: string) => problems.push({ line, message: `key ${blocks}: ${message}` });
    if (!PUBLIC_LABELS.has(label)) {
      problem(/PRIVATE/.test(label) ? `a ${label}: give the public key only` : `a ${label} block is not a public key`);
      continue;
    }
    let key: KeyObject;
    try {
      key = createPublicKey({ key: match[0], format: 'pem' });
    } catch (error) {
      problem(`not a readable public key (${(error as Error).message})`);
      continue;
    }
    const alg = algorithmOf(key);
    if (typeof alg === 'object') problem(alg.problem);
    else keys.push({ alg, key });
  }
  if (blocks === 0) problems.push({ message: 'no PEM public key in the file (-----BEGIN PUBLIC KEY----- … -----END PUBLIC KEY-----)' });
  return problems.length > 0 ? { ok: false, problems } : { ok: true, keys };
}

/** The one algorithm a public key verifies, or why it verifies none this server accepts. */
export function algorithmOf(key: KeyObject): PublicKeyAlgorithm | { problem: string } {
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'rsa': {
      const bits = details.modulusLength ?? 0;
      return bits >= MIN_RSA_BITS ? 'RS256' : { problem: `an RSA key of ${bits} bits: RS256 needs ${MIN_RSA_BITS} bits or more` };
    }
    case 'ec':
      return details.namedCurve === 'prime256v1' ? 'ES256' : { problem: `an EC key on ${details.namedCurve}: ES256 needs P-256 (prime256v1)` };
    case 'ed25519':
    case 'ed448':
      return 'EdDSA';
    default:
      return { problem: `a ${key.asymmetricKeyType} key: expected RSA (RS256), EC P-256 (ES256) or Ed25519 (EdDSA)` };
  }
}

export type SecretParse = { ok: true; secret: Buffer } | { ok: false; problems: FileProblem[] };

/** The HS256 secret: the file's bytes without one final newline. */
export function parseHmacSecret(bytes: Buffer): SecretParse {
  let end = bytes.length;
  if (end > 0 && bytes[end - 1] === 0x0a) end--;
  if (end > 0 && bytes[end - 1] === 0x0d) end--;
  const secret = bytes.subarray(0, end);
  if (secret.length < MIN_SECRET_BYTES) {
    return { ok: false, problems: [{ message: `the HS256 secret is ${secret.length} bytes: it must be at least ${MIN_SECRET_BYTES} (RFC 7518 §3.2)` }] };
  }
  return { ok: true, secret: Buffer.from(secret) };
}

/** "2 RS256, 1 EdDSA, HS256" for the log. */
export function describeJwtKeys(keys: JwtKeys): string {
  const counts = new Map<string, number>();
  for (const { alg } of keys.publicKeys) counts.set(alg, (counts.get(alg) ?? 0) + 1);
  const parts = [...counts].map(([alg, n]) => `${n} ${alg}`);
  if (keys.secret) parts.push('HS256');
  return parts.length > 0 ? parts.join(', ') : 'none';
}
