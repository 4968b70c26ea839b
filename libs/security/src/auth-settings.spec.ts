import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvReader, InvalidConfigError, type Environment } from '#libs/config';
import { authStartupNotes, isLoopbackAddress, readAuthSettings, type AuthSettings } from './auth-settings.js';
import { keyPair } from './jwt-signer.test.js';

describe('auth settings', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'auth-settings-'));
    writeFileSync(join(dir, 'tokens'), '# ops\naaaaaaaaaaaaaaaa-alice alice admin\n');
    writeFileSync(join(dir, 'bad-tokens'), 'aaaaaaaaaaaaaaaa-alice alice admin\naaaaaaaaaaaaaaaa-alice bob reader\nshort carol reader\n');
    writeFileSync(join(dir, 'keys.pem'), keyPair('RS256').pem);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function read(env: Environment, bindAddress = '127.0.0.1'): AuthSettings {
    const reader = new EnvReader(env);
    const settings = readAuthSettings(reader, { cwd: dir, bindAddress });
    return reader.finish(settings);
  }

  function problems(env: Environment, bindAddress = '127.0.0.1'): string[] {
    try {
      read(env, bindAddress);
    } catch (error) {
      if (error instanceof InvalidConfigError) return error.problems.map((p) => p.message);
      throw error;
    }
    throw new Error('expected a refusal');
  }

  it('defaults to anonymous admin on loopback without credentials, and off elsewhere', () => {
    for (const address of ['127.0.0.1', '::1', 'localhost', '127.0.0.2']) expect(read({}, address)).toMatchObject({ anonymous: 'admin', anonymousSource: 'default' });
    for (const address of ['0.0.0.0', '::', '10.1.2.3', 'controller.example']) expect(read({}, address).anonymous).toBe('off');
  });

  it('turns the default off on loopback as soon as a credential file is set', () => {
    expect(read({ AUTH_TOKENS_FILE: 'tokens' }).anonymous).toBe('off');
    expect(read({ AUTH_JWT_KEYS_FILE: 'keys.pem' }).anonymous).toBe('off');
  });

  it('takes AUTH_ANONYMOUS as it is given, on any address', () => {
    expect(read({ AUTH_ANONYMOUS: 'off' })).toMatchObject({ anonymous: 'off', anonymousSource: 'AUTH_ANONYMOUS' });
    expect(read({ AUTH_ANONYMOUS: 'reader', AUTH_TOKENS_FILE: 'tokens' }, '0.0.0.0').anonymous).toBe('reader');
  });

  it('reads the files relative to the working directory, with the JWT policy', () => {
    const settings = read({ AUTH_TOKENS_FILE: 'tokens', AUTH_JWT_KEYS_FILE: join(dir, 'keys.pem'), AUTH_JWT_ISSUER: 'https://idp', AUTH_JWT_AUDIENCE: 'contrail', AUTH_RELOAD_INTERVAL_MS: '250' });
    expect(settings.files).toEqual({ tokens: join(dir, 'tokens'), jwtKeys: join(dir, 'keys.pem') });
    expect(settings.jwt).toEqual({ leewaySeconds: 30, issuer: 'https://idp', audience: 'contrail' });
    expect(settings.reloadMs).toBe(250);
    expect(settings.initial.credentials.tokens.size).toBe(1);
    expect(settings.initial.credentials.jwt.publicKeys).toHaveLength(1);
  });

  it('reports a bad token file as a bad value naming every bad line, never the token', () => {
    const [message, ...rest] = problems({ AUTH_TOKENS_FILE: 'bad-tokens' });
    expect(rest).toEqual([]);
    expect(message).toContain(`AUTH_TOKENS_FILE="${join(dir, 'bad-tokens')}" is not allowed: expected a usable file;`);
    expect(message).toMatch(/line 2: the same token as line 1: every token must be different; line 3: the token is shorter than 16 characters/);
    expect(message).not.toContain('aaaaaaaaaaaaaaaa-alice');
  });

  it('reports a missing file, a bad AUTH_ANONYMOUS and a JWT issuer without a key, all at once', () => {
    expect(problems({ AUTH_JWT_SECRET_FILE: 'absent', AUTH_ANONYMOUS: 'guest', AUTH_JWT_AUDIENCE: 'x', AUTH_TOKENS_FILE: 'tokens', AUTH_RELOAD_INTERVAL_MS: '5' })).toEqual([
      expect.stringMatching(/AUTH_ANONYMOUS="guest" is not allowed: expected one of off, reader, operator, admin/),
      expect.stringMatching(/AUTH_RELOAD_INTERVAL_MS="5"/),
      expect.stringMatching(/AUTH_JWT_SECRET_FILE=".*absent" is not allowed: expected a usable file; cannot be read/),
    ]);
    expect(problems({ AUTH_JWT_ISSUER: 'https://idp' })).toEqual([expect.stringMatching(/AUTH_JWT_ISSUER="https:\/\/idp" is not allowed: expected to be set only with AUTH_JWT_KEYS_FILE or AUTH_JWT_SECRET_FILE/)]);
  });

  describe('start-up notes', () => {
    const messages = (settings: AuthSettings) => authStartupNotes(settings).map((n) => `${n.level} ${n.message}`);

    it('warns that the default anonymous admin is for loopback without credentials', () => {
      expect(messages(read({}))).toEqual(['info authentication', 'warn anonymous access as admin: loopback only, no credentials configured']);
    });

    it('warns of anonymous access set on an address that is not loopback; says nothing more when it is off', () => {
      expect(messages(read({ AUTH_ANONYMOUS: 'reader', AUTH_TOKENS_FILE: 'tokens' }, '0.0.0.0'))).toEqual([
        'info authentication',
        'warn anonymous access as reader on 0.0.0.0, which is not loopback: any caller that reaches the ports without a token gets it',
      ]);
      expect(messages(read({ AUTH_ANONYMOUS: 'reader' }))).toEqual(['info authentication']);
      expect(messages(read({ AUTH_TOKENS_FILE: 'tokens' }, '0.0.0.0'))).toEqual(['info authentication']);
      expect(authStartupNotes(read({ AUTH_TOKENS_FILE: 'tokens' }))[0]!.fields).toEqual({ tokens: 1, jwtKeys: 'none', anonymous: 'off' });
    });
  });

  it('knows loopback addresses', () => {
    expect(['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'LOCALHOST'].every(isLoopbackAddress)).toBe(true);
    expect(['0.0.0.0', '::', '128.0.0.1', '10.0.0.1', 'localhost.example', '::ffff:127.0.0.1x'].some(isLoopbackAddress)).toBe(false);
  });
});
