// Bearer tokens in front of the control service's /control/* views (DESIGN §8), on the built processes over real
// HTTP: the control service on its own (`npm run control`) and the all-in-one controller, which serves the same views
// behind the config API's guard, are put through the same table, so both modes answer alike. No token or a bad one:
// 401 with WWW-Authenticate; a read role (reader, operator, admin, and a kubemanager, whose read right covers every
// view of the config already): 200; a principal without a read role: 403 with the reason; /health and /metrics
// open. Then what only the control service on its own has to show: its start-up lines and the loopback default, a
// rotated token file, a bad one.
import { jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CONTROL_MAIN, CONTROLLER_MAIN, ControllerProcess, type LogLine } from './controller-process.js';
import { AuthFixture, Rest, TOKENS } from './support/auth-fixtures.js';

jest.setTimeout(60_000);

const VIEWS = ['/control/agents', '/control/clusters', '/control/clusters/default', '/control/desired-state/verify'];
const READERS = ['admin', 'operator', 'reader', 'east'] as const;

let fixture: AuthFixture;
let dir: string;
const running: ControllerProcess[] = [];

beforeAll(() => {
  fixture = new AuthFixture();
  dir = mkdtempSync(join(tmpdir(), 'contrail-control-auth-e2e-'));
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.ensureStopped()));
  fixture?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/**
 * The fixture's credentials without its HS256 secret: 32 random bytes are refused one time in 256 (a last byte of
 * 0x0a is read as the file's newline), and the public keys cover every JWT here.
 */
function tokenEnv(): Record<string, string> {
  const { AUTH_JWT_SECRET_FILE: _, ...env } = fixture.env();
  return env;
}

/** Starts `main` on a DATA_DIR of its own, with `env`; answers the process and its REST port. */
async function start(name: string, main: string, env: Record<string, string>): Promise<{ process: ControllerProcess; rest: Rest }> {
  const process = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', SHUTDOWN_TIMEOUT_MS: '3000', DATA_DIR: join(dir, name), ...env }, main);
  running.push(process);
  const listening = await process.waitForLine((l) => l.msg === 'listening', 20_000);
  return { process, rest: new Rest(listening.rest as string) };
}

async function stop(process: ControllerProcess): Promise<void> {
  process.kill('SIGTERM');
  expect(await process.exited).toEqual({ code: 0, signal: null });
}

const anonymousWarnings = (process: ControllerProcess) => process.lines.filter((l: LogLine) => l.level === 'warn' && /anonymous access/.test(l.msg)).map((l) => l.msg);

describe.each([
  ['the control service on its own', 'control', CONTROL_MAIN],
  ['the all-in-one controller', 'controller', CONTROLLER_MAIN],
])('/control/* with a token file: %s', (_, name, main) => {
  let process: ControllerProcess;
  let rest: Rest;

  beforeAll(async () => {
    ({ process, rest } = await start(name, main, tokenEnv()));
  });

  afterAll(async () => {
    if (process) await stop(process);
  });

  it('says which credentials are in force, and that anonymous access is off', async () => {
    const line = await process.waitForLine((l) => l.msg === 'authentication');
    expect(line).toMatchObject({ level: 'info', context: 'Auth', tokens: 5, jwtKeys: '1 RS256, 1 ES256', anonymous: 'off' });
    expect(anonymousWarnings(process)).toEqual([]);
  });

  it('keeps /health and /metrics open', async () => {
    for (const path of ['/health', '/metrics']) expect([path, (await rest.call('GET', path)).status]).toEqual([path, 200]);
  });

  it('answers a call without a token 401 with WWW-Authenticate: Bearer, in the JSON error body', async () => {
    for (const path of [...VIEWS, '/control/vrfs/nope/routes']) {
      const answer = await rest.call('GET', path);
      expect([path, answer.status, answer.headers.get('www-authenticate')]).toEqual([path, 401, 'Bearer realm="contrail"']);
      expect(answer.body).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: `authentication required: send Authorization: Bearer <token> (an API token or a JWT)`,
        path,
      });
    }
  });

  it('answers a bad token 401 with error="invalid_token" and why', async () => {
    const unknown = await rest.call('GET', '/control/agents', 'not-a-token-we-know-1234');
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer realm="contrail", error="invalid_token", error_description="bearer token refused: it is not a known API token"');
    const expired = await rest.call('GET', '/control/agents', fixture.jwt({ sub: 'dave', roles: ['reader'], exp: Math.floor(Date.now() / 1000) - 3600 }));
    expect([expired.status, expired.body.message]).toEqual([401, expect.stringMatching(/expired/)]);
    const basic = await rest.call('GET', '/control/agents', undefined, undefined, { authorization: 'Basic YWxpY2U6cHc=' });
    expect([basic.status, basic.body.message]).toEqual([401, expect.stringMatching(/the "Basic" scheme is not accepted, only Bearer/)]);
  });

  it.each(READERS)('lets %s read every view', async (role) => {
    for (const path of VIEWS) expect([path, (await rest.call('GET', path, TOKENS[role])).status]).toEqual([path, 200]);
    expect((await rest.call('GET', '/control/agents', TOKENS[role])).body).toEqual({ position: expect.any(Number), agents: [] });
    // Past the guard, the view's own answers: no such VRF.
    expect((await rest.call('GET', '/control/vrfs/nope/routes', TOKENS[role])).status).toBe(404);
  });

  it('lets a JWT with a read role in', async () => {
    expect((await rest.call('GET', '/control/clusters', fixture.jwt({ sub: 'dave', roles: ['reader'] }))).body).toEqual({ position: expect.any(Number), clusters: ['default'] });
  });

  it('answers 403 with the reason, and no challenge, to a caller authenticated without a read role', async () => {
    const answer = await rest.call('GET', '/control/agents', fixture.jwt({ sub: 'erin', roles: ['auditor'] }));
    expect(answer.status).toBe(403);
    expect(answer.headers.get('www-authenticate')).toBeNull();
    expect(answer.body).toEqual({
      statusCode: 403,
      error: 'Forbidden',
      message: 'erin (no role) may not GET /control/agents: it needs the role reader, operator, admin or kubemanager:<cluster>',
      path: '/control/agents',
    });
  });

  it('counts the refusals on /metrics', async () => {
    const metrics = (await rest.call('GET', '/metrics')).body as string;
    expect(metrics).toMatch(/^contrail_auth_refusals_total\{status="401",reason="missing-credentials"\} [1-9]\d*$/m);
    expect(metrics).toMatch(/^contrail_auth_refusals_total\{status="403",reason="role"\} [1-9]\d*$/m);
  });
});

describe('the control service on its own', () => {
  it('lets anonymous callers in as admin on loopback without credentials, with the config API\'s warning', async () => {
    const { process, rest } = await start('loopback', CONTROL_MAIN, {});
    try {
      expect((await process.waitForLine((l) => l.msg === 'authentication')).anonymous).toBe('admin');
      expect(anonymousWarnings(process)).toEqual(['anonymous access as admin: loopback only, no credentials configured']);
      expect((await rest.call('GET', '/control/agents')).status).toBe(200);
    } finally {
      await stop(process);
    }
  });

  it('refuses anonymous callers with AUTH_ANONYMOUS=off, and keeps /health open', async () => {
    const { process, rest } = await start('off', CONTROL_MAIN, { AUTH_ANONYMOUS: 'off' });
    try {
      expect(anonymousWarnings(process)).toEqual([]);
      expect((await rest.call('GET', '/control/agents')).status).toBe(401);
      expect((await rest.call('GET', '/health')).status).toBe(200);
    } finally {
      await stop(process);
    }
  });

  it('takes a rotated token file without a restart', async () => {
    const tokens = join(dir, 'rotated-tokens');
    writeFileSync(tokens, `${TOKENS.reader} bob reader\n`);
    const { process, rest } = await start('rotated', CONTROL_MAIN, { AUTH_TOKENS_FILE: tokens, AUTH_RELOAD_INTERVAL_MS: '100' });
    try {
      expect((await rest.call('GET', '/control/agents', TOKENS.reader)).status).toBe(200);
      const fresh = 'fresh-reader-token-0123456789';
      writeFileSync(tokens, `${fresh} bob reader\n`);
      await process.waitForLine((l) => l.msg === 'credentials reloaded', 5_000);
      expect((await rest.call('GET', '/control/agents', fresh)).status).toBe(200);
      expect((await rest.call('GET', '/control/agents', TOKENS.reader)).status).toBe(401);
    } finally {
      await stop(process);
    }
  });

  it('stops with exit code 2 on a bad token file, naming the file and the line, never the token', async () => {
    const tokens = join(dir, 'bad-tokens');
    writeFileSync(tokens, `${TOKENS.admin} root superuser\n`);
    const process = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: join(dir, 'bad'), AUTH_TOKENS_FILE: tokens }, CONTROL_MAIN);
    running.push(process);
    expect((await process.exited).code).toBe(2);
    expect(process.stderr).toMatch(/AUTH_TOKENS_FILE=".*bad-tokens" is not allowed: expected a usable file; line 1: unknown role "superuser"/);
    expect(process.transcript()).not.toContain(TOKENS.admin);
  });
});
