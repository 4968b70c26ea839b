import { createPublicKey, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { AuthRefusal } from './auth-refusal.js';
import { keyPair, signJwt, type SigningKey } from './jwt-signer.test.js';
import type { JwtKeys } from './jwt-keys.js';
import { looksLikeJwt, verifyJwt, type JwtPolicy } from './jwt.js';

const NOW_MS = Date.UTC(2026, 10, 26, 10, 0, 0);
const NOW = NOW_MS / 1000;
const POLICY: JwtPolicy = { leewaySeconds: 30 };
const SECRET = randomBytes(32);
const rsa = keyPair('RS256');
const ec = keyPair('ES256');
const ed = keyPair('EdDSA');
const otherRsa = keyPair('RS256');
const KEYS: JwtKeys = {
  publicKeys: [
    { alg: 'RS256', key: rsa.publicKey },
    { alg: 'ES256', key: ec.publicKey },
    { alg: 'EdDSA', key: ed.publicKey },
  ],
  secret: SECRET,
};
const HS: SigningKey = { alg: 'HS256', secret: SECRET };

const claims = (extra: Record<string, unknown> = {}) => ({ sub: 'alice', roles: ['operator'], exp: NOW + 600, iat: NOW - 10, ...extra });

function refusalOf(token: string, keys: JwtKeys = KEYS, policy: JwtPolicy = POLICY): AuthRefusal {
  try {
    verifyJwt(token, keys, policy, NOW_MS);
  } catch (error) {
    if (error instanceof AuthRefusal) return error;
    throw error;
  }
  throw new Error('expected the token to be refused');
}

describe('verifyJwt', () => {
  it.each([
    ['HS256', HS],
    ['RS256', rsa.signing],
    ['ES256', ec.signing],
    ['EdDSA', ed.signing],
  ] as const)('accepts a good %s token: sub is the actor, roles the roles', (alg, key) => {
    expect(verifyJwt(signJwt(claims({ roles: ['operator', 'reader'] }), key), KEYS, POLICY, NOW_MS)).toEqual({ actor: 'alice', roles: ['operator', 'reader'], alg });
  });

  it('tries every key of the algorithm: a second RSA key verifies after the first fails', () => {
    const keys: JwtKeys = { publicKeys: [{ alg: 'RS256', key: rsa.publicKey }, { alg: 'RS256', key: otherRsa.publicKey }] };
    expect(verifyJwt(signJwt(claims(), otherRsa.signing), keys, POLICY, NOW_MS).actor).toBe('alice');
  });

  it('drops role names it does not know, and takes a token without roles (it may do nothing)', () => {
    expect(verifyJwt(signJwt(claims({ roles: ['reader', 'superuser'] }), HS), KEYS, POLICY, NOW_MS).roles).toEqual(['reader']);
    expect(verifyJwt(signJwt(claims({ roles: undefined }), HS), KEYS, POLICY, NOW_MS).roles).toEqual([]);
  });

  describe('times (30 s leeway)', () => {
    it('refuses an expired token, saying when it expired', () => {
      const refusal = refusalOf(signJwt(claims({ exp: NOW - 31 }), HS));
      expect([refusal.status, refusal.reason]).toEqual([401, 'expired']);
      expect(refusal.message).toMatch(/expired at 2026-11-26T09:59:29.000Z \(now 2026-11-26T10:00:00.000Z, 30 s leeway\)/);
    });

    it('accepts a token expired within the leeway', () => {
      expect(verifyJwt(signJwt(claims({ exp: NOW - 29 }), HS), KEYS, POLICY, NOW_MS).actor).toBe('alice');
    });

    it('refuses a token without exp: tokens must expire', () => {
      expect(refusalOf(signJwt(claims({ exp: undefined }), HS))).toMatchObject({ reason: 'malformed', message: expect.stringMatching(/no exp claim/) });
    });

    it('refuses exp that is not a number', () => {
      expect(refusalOf(signJwt(claims({ exp: '2030-01-01' }), HS))).toMatchObject({ reason: 'malformed', message: expect.stringMatching(/exp must be a NumericDate/) });
    });

    it('refuses a token not valid yet (nbf), and accepts one within the leeway', () => {
      expect(refusalOf(signJwt(claims({ nbf: NOW + 31 }), HS))).toMatchObject({ reason: 'not-yet-valid', message: expect.stringMatching(/not valid before/) });
      expect(verifyJwt(signJwt(claims({ nbf: NOW + 29 }), HS), KEYS, POLICY, NOW_MS).actor).toBe('alice');
    });

    it('refuses a token issued in the future (iat)', () => {
      expect(refusalOf(signJwt(claims({ iat: NOW + 120 }), HS))).toMatchObject({ reason: 'not-yet-valid', message: expect.stringMatching(/issued in the future/) });
    });
  });

  describe('signatures and algorithms', () => {
    it('refuses a token whose payload was changed after signing', () => {
      const [head, , signature] = signJwt(claims(), rsa.signing).split('.');
      const forged = Buffer.from(JSON.stringify(claims({ roles: ['admin'] }))).toString('base64url');
      expect(refusalOf(`${head}.${forged}.${signature}`)).toMatchObject({ status: 401, reason: 'bad-signature' });
    });

    it.each([
      ['RS256', otherRsa.signing, /1 configured RS256 key/],
      ['HS256', { alg: 'HS256', secret: randomBytes(32) } as SigningKey, /the HS256 secret/],
      ['EdDSA', keyPair('EdDSA').signing, /EdDSA key/],
      ['ES256', keyPair('ES256').signing, /ES256 key/],
    ] as const)('refuses a %s token signed with another key: bad signature', (_alg, key, message) => {
      expect(refusalOf(signJwt(claims(), key))).toMatchObject({ reason: 'bad-signature', message: expect.stringMatching(message) });
    });

    it('refuses alg none, in any case, with or without a signature', () => {
      const head = (alg: string) => Buffer.from(JSON.stringify({ alg, typ: 'JWT' })).toString('base64url');
      const body = Buffer.from(JSON.stringify(claims())).toString('base64url');
      for (const token of [`${head('none')}.${body}.`, `${head('None')}.${body}.`, `${head('NONE')}.${body}.c2ln`]) {
        expect(refusalOf(token)).toMatchObject({ status: 401, reason: 'unsupported-alg', message: expect.stringMatching(/alg none is refused: a token must be signed/) });
      }
    });

    it('refuses an algorithm it does not verify', () => {
      const token = signJwt(claims(), HS, { alg: 'HS512' });
      expect(refusalOf(token)).toMatchObject({ reason: 'unsupported-alg', message: expect.stringMatching(/alg HS512 is not accepted/) });
    });

    it('refuses a token whose algorithm no configured key serves: unknown key', () => {
      expect(refusalOf(signJwt(claims(), rsa.signing), { publicKeys: [{ alg: 'ES256', key: ec.publicKey }] })).toMatchObject({
        reason: 'unknown-key',
        message: expect.stringMatching(/no configured key verifies RS256/),
      });
      expect(refusalOf(signJwt(claims(), HS), { publicKeys: [{ alg: 'RS256', key: rsa.publicKey }] })).toMatchObject({
        reason: 'unknown-key',
        message: expect.stringMatching(/no HS256 secret is configured/),
      });
    });

    it('never takes a public key for an HMAC secret (the RS256 → HS256 confusion)', () => {
      const pem = rsa.pem;
      const token = signJwt(claims({ roles: ['admin'] }), { alg: 'HS256', secret: Buffer.from(pem) });
      expect(refusalOf(token, { publicKeys: [{ alg: 'RS256', key: rsa.publicKey }] }).reason).toBe('unknown-key');
      expect(refusalOf(token).reason).toBe('bad-signature');
    });

    it('refuses an ES256 token signed with a DER signature (JWS wants R || S)', () => {
      const head = Buffer.from(JSON.stringify({ alg: 'ES256' })).toString('base64url');
      const body = Buffer.from(JSON.stringify(claims())).toString('base64url');
      const der = sign('sha256', Buffer.from(`${head}.${body}`), (ec.signing as { privateKey: import('node:crypto').KeyObject }).privateKey);
      expect(refusalOf(`${head}.${body}.${der.toString('base64url')}`)).toMatchObject({ reason: 'bad-signature', message: expect.stringMatching(/64 bytes/) });
    });

    it('checks a key of the right type but the wrong algorithm family as a bad signature, not a crash', () => {
      const p384 = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
      const keys: JwtKeys = { publicKeys: [{ alg: 'ES256', key: createPublicKey(p384.publicKey.export({ type: 'spki', format: 'pem' })) }] };
      expect(refusalOf(signJwt(claims(), ec.signing), keys).reason).toBe('bad-signature');
    });
  });

  describe('issuer and audience', () => {
    const policy: JwtPolicy = { ...POLICY, issuer: 'https://idp.example', audience: 'contrail' };

    it('accepts the configured issuer and an audience given alone or in a list', () => {
      for (const aud of ['contrail', ['other', 'contrail']]) {
        expect(verifyJwt(signJwt(claims({ iss: 'https://idp.example', aud }), HS), KEYS, policy, NOW_MS).actor).toBe('alice');
      }
    });

    it('refuses another issuer, or none', () => {
      expect(refusalOf(signJwt(claims({ iss: 'https://evil.example', aud: 'contrail' }), HS), KEYS, policy)).toMatchObject({
        reason: 'wrong-issuer',
        message: expect.stringMatching(/issuer "https:\/\/evil.example" is not "https:\/\/idp.example"/),
      });
      expect(refusalOf(signJwt(claims({ aud: 'contrail' }), HS), KEYS, policy).reason).toBe('wrong-issuer');
    });

    it('refuses an audience that does not hold the configured one', () => {
      for (const aud of ['other', ['a', 'b'], undefined]) {
        expect(refusalOf(signJwt(claims({ iss: 'https://idp.example', aud }), HS), KEYS, policy).reason).toBe('wrong-audience');
      }
    });
  });

  describe('malformed tokens', () => {
    it.each([
      ['two parts', 'abc.def', /three base64url parts/],
      ['a header that is not JSON', `${Buffer.from('nope').toString('base64url')}.e30.sig`, /header is not base64url-encoded JSON/],
      ['a header that is a list', `${Buffer.from('[1]').toString('base64url')}.e30.sig`, /header is not a JSON object/],
      ['no alg', `${Buffer.from('{"typ":"JWT"}').toString('base64url')}.e30.sig`, /header has no alg/],
      ['padding in a segment', `${Buffer.from('{"alg":"HS256"}').toString('base64url')}=.e30.sig`, /header is not base64url/],
      ['the base64 alphabet', `${Buffer.from('{"alg":"HS256"}').toString('base64url')}.e30.a+b/`, /signature is not base64url/],
    ])('refuses %s', (_what, token, message) => {
      expect(refusalOf(token)).toMatchObject({ status: 401, reason: 'malformed', message: expect.stringMatching(message) });
    });

    it('refuses a critical header extension', () => {
      expect(refusalOf(signJwt(claims(), HS, { crit: ['exp'] }))).toMatchObject({ reason: 'malformed', message: expect.stringMatching(/crit/) });
    });

    it('refuses a payload without sub, with a reserved sub, or with roles that are not a list of strings', () => {
      expect(refusalOf(signJwt(claims({ sub: undefined }), HS)).message).toMatch(/no sub claim/);
      expect(refusalOf(signJwt(claims({ sub: 'anonymous' }), HS)).message).toMatch(/reserved/);
      expect(refusalOf(signJwt(claims({ roles: 'admin' }), HS)).message).toMatch(/roles claim must be a list of strings/);
    });

    it('refuses a kubemanager role whose subject is not that kubemanager, or combined with another role', () => {
      expect(refusalOf(signJwt(claims({ sub: 'bob', roles: ['kubemanager:east'] }), HS)).message).toMatch(/must be kubemanager:east, not "bob"/);
      expect(refusalOf(signJwt(claims({ sub: 'kubemanager:east', roles: ['kubemanager:east', 'admin'] }), HS)).message).toMatch(/cannot be combined/);
      expect(verifyJwt(signJwt(claims({ sub: 'kubemanager:east', roles: ['kubemanager:east'] }), HS), KEYS, POLICY, NOW_MS).roles).toEqual(['kubemanager:east']);
    });

    it('checks the signature before any claim: a forged token says bad signature, not expired', () => {
      const token = signJwt(claims({ exp: NOW - 3600 }), { alg: 'HS256', secret: randomBytes(32) });
      expect(refusalOf(token).reason).toBe('bad-signature');
    });
  });
});

describe('looksLikeJwt', () => {
  it('tells a compact JWS from an API token', () => {
    expect(looksLikeJwt(signJwt(claims(), HS))).toBe(true);
    expect(looksLikeJwt('aaaaaaaaaaaaaaaaaaaa')).toBe(false);
    expect(looksLikeJwt('a.b')).toBe(false);
    expect(looksLikeJwt('a.b.c.d')).toBe(false);
    expect(looksLikeJwt('a b.c.d')).toBe(false);
  });
});
