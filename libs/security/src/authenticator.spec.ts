import { randomBytes } from 'node:crypto';
import { AuthRefusal } from './auth-refusal.js';
import { Authenticator, noCredentials, type Credentials } from './authenticator.js';
import { signJwt } from './jwt-signer.test.js';
import { parseTokenFile } from './token-file.js';
import { TokenTable } from './token-table.js';

const ALICE = 'alice-token-0123456789';
const SECRET = randomBytes(32);

function credentials(lines: string[], secret?: Buffer): Credentials {
  const parsed = parseTokenFile(lines.join('\n'));
  if (!parsed.ok) throw new Error('bad fixture');
  return { tokens: TokenTable.of(parsed.entries), jwt: { publicKeys: [], ...(secret ? { secret } : {}) } };
}

function refusalOf(run: () => unknown): AuthRefusal {
  try {
    run();
  } catch (error) {
    if (error instanceof AuthRefusal) return error;
    throw error;
  }
  throw new Error('expected a refusal');
}

describe('Authenticator', () => {
  const jwt = { leewaySeconds: 30 };

  it('refuses a call without credentials when anonymous access is off, and says how to authenticate', () => {
    const auth = new Authenticator(noCredentials(), { anonymous: 'off', jwt });
    for (const header of [undefined, '', '   ']) {
      expect(refusalOf(() => auth.authenticate(header))).toMatchObject({ status: 401, reason: 'missing-credentials', message: expect.stringMatching(/Authorization: Bearer/) });
    }
  });

  it('gives a caller without credentials the anonymous role when it is on', () => {
    const auth = new Authenticator(noCredentials(), { anonymous: 'reader', jwt });
    expect(auth.authenticate(undefined)).toEqual({ actor: 'anonymous', roles: ['reader'], authentication: 'anonymous' });
  });

  it('knows an API token, in any case of the scheme, and refuses one it does not know even with anonymous on', () => {
    const auth = new Authenticator(credentials([`${ALICE} alice operator`]), { anonymous: 'admin', jwt });
    expect(auth.authenticate(`Bearer ${ALICE}`)).toEqual({ actor: 'alice', roles: ['operator'], authentication: 'token' });
    expect(auth.authenticate(`bearer   ${ALICE} `).actor).toBe('alice');
    expect(refusalOf(() => auth.authenticate(`Bearer ${ALICE}x`))).toMatchObject({ status: 401, reason: 'unknown-token', message: 'bearer token refused: it is not a known API token' });
  });

  it.each([
    [`Basic ${Buffer.from('a:b').toString('base64')}`, /the "Basic" scheme is not accepted, only Bearer/],
    ['Bearer', /expected "Bearer <token>"/],
    [`Bearer ${ALICE} more`, /expected "Bearer <token>"/],
    [ALICE, /expected "Bearer <token>"/],
  ])('refuses the header %j as malformed', (header, message) => {
    const auth = new Authenticator(credentials([`${ALICE} alice operator`]), { anonymous: 'off', jwt });
    expect(refusalOf(() => auth.authenticate(header))).toMatchObject({ status: 401, reason: 'malformed', message: expect.stringMatching(message) });
  });

  it('verifies a JWT when a key is configured, and says JWTs are not accepted when none is', () => {
    const token = signJwt({ sub: 'carol', roles: ['reader'], exp: Math.floor(Date.now() / 1000) + 60 }, { alg: 'HS256', secret: SECRET });
    expect(new Authenticator(credentials([], SECRET), { anonymous: 'off', jwt }).authenticate(`Bearer ${token}`)).toEqual({ actor: 'carol', roles: ['reader'], authentication: 'jwt' });
    expect(refusalOf(() => new Authenticator(noCredentials(), { anonymous: 'off', jwt }).authenticate(`Bearer ${token}`)).message).toMatch(/JWTs are not accepted here/);
  });

  it('takes new credentials at once: a rotated-out token is refused, the new one known', () => {
    const auth = new Authenticator(credentials([`${ALICE} alice operator`]), { anonymous: 'off', jwt });
    auth.replace(credentials(['bob-token-0123456789ab bob reader']));
    expect(refusalOf(() => auth.authenticate(`Bearer ${ALICE}`)).reason).toBe('unknown-token');
    expect(auth.authenticate('Bearer bob-token-0123456789ab').actor).toBe('bob');
  });

  it('mints tokens for in-process clients that hold until revoked, whatever the credential files say', () => {
    const auth = new Authenticator(noCredentials(), { anonymous: 'off', jwt });
    const minted = auth.mint('kubemanager:east', ['kubemanager:east']);
    expect(minted.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    auth.replace(credentials([`${ALICE} alice operator`]));
    expect(auth.authenticate(`Bearer ${minted.token}`)).toEqual({ actor: 'kubemanager:east', roles: ['kubemanager:east'], authentication: 'internal' });
    minted.revoke();
    expect(refusalOf(() => auth.authenticate(`Bearer ${minted.token}`)).reason).toBe('unknown-token');
  });
});
