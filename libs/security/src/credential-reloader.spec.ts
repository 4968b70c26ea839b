import { mkdtempSync, rmSync, writeFileSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Authenticator, noCredentials } from './authenticator.js';
import { loadCredentials } from './credential-files.js';
import { CredentialReloader } from './credential-reloader.js';
import { keyPair } from './jwt-signer.test.js';

describe('credential files', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'credentials-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('loads a token file, a keys file and a secret together', () => {
    const load = loadCredentials({
      tokens: file('tokens', 'aaaaaaaaaaaaaaaa-alice alice operator\n'),
      jwtKeys: file('keys.pem', keyPair('ES256').pem),
      jwtSecret: file('secret', `${'x'.repeat(40)}\n`),
    });
    expect(load.ok).toBe(true);
    if (!load.ok) return;
    expect(load.credentials.tokens.size).toBe(1);
    expect(load.credentials.jwt.publicKeys.map((k) => k.alg)).toEqual(['ES256']);
    expect(load.credentials.jwt.secret?.length).toBe(40);
  });

  it('names the variable, the file and every bad line; a missing file is a problem too', () => {
    const tokens = file('tokens', 'short alice admin\naaaaaaaaaaaaaaaa-bob bob root\n');
    const load = loadCredentials({ tokens, jwtKeys: join(dir, 'absent.pem') });
    expect(load.ok).toBe(false);
    if (load.ok) return;
    expect(load.problems).toEqual([
      { variable: 'AUTH_TOKENS_FILE', path: tokens, message: expect.stringMatching(/^line 1: the token is shorter than 16 characters \(5\); line 2: unknown role "root"/) },
      { variable: 'AUTH_JWT_KEYS_FILE', path: join(dir, 'absent.pem'), message: expect.stringMatching(/cannot be read: ENOENT/) },
    ]);
  });

  describe('CredentialReloader', () => {
    function harness() {
      const tokens = file('tokens', 'aaaaaaaaaaaaaaaa-alice alice operator\n');
      const jwtKeys = file('keys.pem', keyPair('EdDSA').pem);
      const first = loadCredentials({ tokens, jwtKeys });
      if (!first.ok) throw new Error('bad fixture');
      const auth = new Authenticator(first.credentials, { anonymous: 'off', jwt: { leewaySeconds: 30 } });
      const lines: string[] = [];
      const reloader = new CredentialReloader({ tokens, jwtKeys }, auth, first.fingerprints, {
        info: (_f, m) => lines.push(`info ${m}`),
        error: (f, m) => lines.push(`error ${m} ${JSON.stringify(f)}`),
      });
      const knows = (token: string) => {
        try {
          return auth.authenticate(`Bearer ${token}`).actor;
        } catch {
          return undefined;
        }
      };
      return { tokens, jwtKeys, auth, reloader, lines, knows };
    }

    it('changes nothing while the files stay the same', () => {
      const { reloader, lines } = harness();
      expect(reloader.check()).toBe('unchanged');
      expect(lines).toEqual([]);
    });

    it('takes a rotated file: the new token works, the removed one no longer does', () => {
      const { tokens, reloader, lines, knows } = harness();
      writeFileSync(tokens, 'bbbbbbbbbbbbbbbb-alice alice operator\n');
      expect(reloader.check()).toBe('reloaded');
      expect([knows('aaaaaaaaaaaaaaaa-alice'), knows('bbbbbbbbbbbbbbbb-alice')]).toEqual([undefined, 'alice']);
      expect(lines).toEqual(['info credentials reloaded']);
    });

    it('keeps the credentials in force when the new file is bad, says so once, and takes the next good one', () => {
      const { tokens, reloader, lines, knows } = harness();
      writeFileSync(tokens, 'aaaaaaaaaaaaaaaa-alice alice operator\nbroken line\n');
      expect(reloader.check()).toBe('rejected');
      expect(reloader.check()).toBe('unchanged');
      expect(knows('aaaaaaaaaaaaaaaa-alice')).toBe('alice');
      expect(lines).toEqual([expect.stringMatching(/^error credential file rejected: the previous credentials stay in force .*"variable":"AUTH_TOKENS_FILE".*line 2: expected <token> <actor>/)]);
      unlinkSync(tokens);
      expect(reloader.check()).toBe('rejected');
      expect(knows('aaaaaaaaaaaaaaaa-alice')).toBe('alice');
      writeFileSync(tokens, 'cccccccccccccccc-carol carol reader\n');
      expect(reloader.check()).toBe('reloaded');
      expect(knows('cccccccccccccccc-carol')).toBe('carol');
    });

    it('rotates a key while the token file is bad: each file stands on its own', () => {
      const { tokens, jwtKeys, auth, reloader, knows } = harness();
      writeFileSync(tokens, 'broken\n');
      const next = keyPair('ES256');
      writeFileSync(jwtKeys, next.pem);
      expect(reloader.check()).toBe('reloaded');
      expect(knows('aaaaaaaaaaaaaaaa-alice')).toBe('alice');
      expect(auth.credentials.jwt.publicKeys.map((k) => k.alg)).toEqual(['ES256']);
    });

    it('runs on a timer until stopped', async () => {
      const { tokens, reloader, knows } = harness();
      reloader.start(20);
      writeFileSync(tokens, 'dddddddddddddddd-dave dave reader\n');
      const deadline = Date.now() + 2000;
      while (knows('dddddddddddddddd-dave') === undefined && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      reloader.stop();
      expect(knows('dddddddddddddddd-dave')).toBe('dave');
    });
  });

  it('an authenticator without credentials knows no token', () => {
    expect(noCredentials().tokens.lookup('anything-at-all-0000')).toBeUndefined();
  });
});
