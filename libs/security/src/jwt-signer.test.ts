// Test support: signs JWTs as an identity provider would (RFC 7515 compact serialization), with keys the tests
// generate by node:crypto, so the verifier is checked against tokens it did not make itself.
import { createHmac, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';

export type SigningKey = { alg: 'HS256'; secret: Buffer } | { alg: 'RS256' | 'ES256' | 'EdDSA'; privateKey: KeyObject };

const b64 = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/** A compact JWS of `claims`, its header `{alg, typ: 'JWT', ...header}`. */
export function signJwt(claims: Record<string, unknown>, key: SigningKey, header: Record<string, unknown> = {}): string {
  const head = b64(JSON.stringify({ alg: key.alg, typ: 'JWT', ...header }));
  const body = b64(JSON.stringify(claims));
  const input = Buffer.from(`${head}.${body}`, 'ascii');
  let signature: Buffer;
  if (key.alg === 'HS256') signature = createHmac('sha256', key.secret).update(input).digest();
  else if (key.alg === 'ES256') signature = sign('sha256', input, { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  else signature = sign(key.alg === 'EdDSA' ? null : 'sha256', input, key.privateKey);
  return `${head}.${body}.${b64(signature)}`;
}

/** A key pair of the kind `alg` needs, and its public key as PEM (what AUTH_JWT_KEYS_FILE holds). */
export function keyPair(alg: 'RS256' | 'ES256' | 'EdDSA'): { signing: SigningKey; publicKey: KeyObject; pem: string } {
  const pair =
    alg === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : alg === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : generateKeyPairSync('ed25519');
  return { signing: { alg, privateKey: pair.privateKey }, publicKey: pair.publicKey, pem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString() };
}

/** Seconds since the epoch. */
export const nowSeconds = (ms = Date.now()) => Math.floor(ms / 1000);
