import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnvReader, type Environment } from '#libs/config';
import { readAuthSettings, type AuthSettings } from './auth-settings.js';
import { authenticatorFor, startAuthentication, type AuthLog } from './auth-runtime.js';

const ALICE = 'alice-token-0123456789';

/** A log that keeps its lines. */
function recordingLog(): AuthLog & { lines: Array<[string, string, Record<string, unknown>]> } {
  const lines: Array<[string, string, Record<string, unknown>]> = [];
  return {
    lines,
    info: (fields, message) => lines.push(['info', message, fields]),
    warn: (fields, message) => lines.push(['warn', message, fields]),
    error: (fields, message) => lines.push(['error', message, fields]),
  };
}

describe('authentication at run time', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'auth-runtime-'));
    writeFileSync(join(dir, 'tokens'), `${ALICE} alice reader\n`);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  function settings(env: Environment, bindAddress = '127.0.0.1'): AuthSettings {
    const reader = new EnvReader(env);
    return reader.finish(readAuthSettings(reader, { cwd: dir, bindAddress }));
  }

  it('authenticates with the credentials read at start and the anonymous access of the settings', () => {
    const withTokens = authenticatorFor(settings({ AUTH_TOKENS_FILE: 'tokens' }));
    expect(withTokens.authenticate(`Bearer ${ALICE}`)).toMatchObject({ actor: 'alice', roles: ['reader'] });
    expect(() => withTokens.authenticate(undefined)).toThrow(/authentication required/);
    expect(authenticatorFor(settings({})).authenticate(undefined)).toMatchObject({ actor: 'anonymous', roles: ['admin'] });
  });

  it('logs the loopback default as the config API does: the authentication line, then the warning', () => {
    const log = recordingLog();
    const stop = startAuthentication(settings({}), authenticatorFor(settings({})), log);
    stop();
    expect(log.lines.map(([level, message]) => [level, message])).toEqual([
      ['info', 'authentication'],
      ['warn', 'anonymous access as admin: loopback only, no credentials configured'],
    ]);
    expect(log.lines[1]![2]).toEqual({ bindAddress: '127.0.0.1' });
  });

  it('says nothing when quiet', () => {
    const log = recordingLog();
    startAuthentication(settings({}), authenticatorFor(settings({})), log, { quiet: true })();
    expect(log.lines).toEqual([]);
  });

  it('re-reads the credential files until stopped: a rotated token takes effect without a restart', async () => {
    const configured = settings({ AUTH_TOKENS_FILE: 'tokens', AUTH_RELOAD_INTERVAL_MS: '100' });
    const authenticator = authenticatorFor(configured);
    const log = recordingLog();
    const stop = startAuthentication(configured, authenticator, log);
    try {
      writeFileSync(join(dir, 'tokens'), `${ALICE} alice operator\n`);
      for (const until = Date.now() + 5000; !log.lines.some(([, m]) => m === 'credentials reloaded') && Date.now() < until; ) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(authenticator.authenticate(`Bearer ${ALICE}`).roles).toEqual(['operator']);
    } finally {
      stop();
    }
  });
});
