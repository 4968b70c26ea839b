// Anonymous access and bad credential files at start-up, with the built controller: the loopback default (admin,
// said in a warning), AUTH_ANONYMOUS=off refusing every unauthenticated call over REST and gRPC, anonymous readers
// on an address that is not loopback (a warning too), and a token or key file that stops the start with exit 2.
import { status as GrpcStatus } from '@grpc/grpc-js';
import { jest } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetRequest, type GetResponse } from '#libs/proto';
import { ControllerProcess, type LogLine } from './controller-process.js';
import { Grpc, Rest, TOKENS, bearer, grpcRefusal, tokenFileText, unary } from './support/auth-fixtures.js';

jest.setTimeout(60_000);

let dir: string;
const running: ControllerProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'contrail-anonymous-e2e-'));
  writeFileSync(join(dir, 'tokens'), tokenFileText());
});

afterAll(async () => {
  await Promise.all(running.map((c) => c.ensureStopped()));
  rmSync(dir, { recursive: true, force: true });
});

/** Starts a controller on its own DATA_DIR with `env`; answers it and its REST and gRPC addresses on loopback. */
async function start(name: string, env: Record<string, string>): Promise<{ controller: ControllerProcess; rest: Rest; grpc: Grpc }> {
  const controller = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: join(dir, name), SHUTDOWN_TIMEOUT_MS: '3000', ...env });
  running.push(controller);
  const listening = await controller.waitForLine((l) => l.msg === 'listening');
  const port = (address: string) => address.slice(address.lastIndexOf(':') + 1).replace(/\/$/, '');
  return { controller, rest: new Rest(`http://127.0.0.1:${port(listening.rest as string)}`), grpc: new Grpc(`127.0.0.1:${port(listening.grpc as string)}`) };
}

const warnings = (controller: ControllerProcess) => controller.lines.filter((l: LogLine) => l.level === 'warn' && /anonymous access/.test(l.msg)).map((l) => l.msg);

describe('the loopback default: no credentials configured', () => {
  it('lets callers in as admin, says so in a warning, and keeps the actor they name', async () => {
    const { controller, rest, grpc } = await start('default', {});
    try {
      await controller.waitForLine((l) => l.msg === 'authentication');
      expect(warnings(controller)).toEqual(['anonymous access as admin: loopback only, no credentials configured']);
      const before = await rest.head();
      const created = await rest.call('POST', '/projects', undefined, { project: { fq_name: ['default-domain', 'open'] } }, { 'x-user-name': 'alice' });
      expect(created.status).toBe(200);
      const events = (await rest.call('GET', `/audit/events?after=${before}&type=ProjectCreated`)).body.events;
      expect(events[0].metadata).toMatchObject({ actor: 'alice', authentication: 'anonymous' });
      expect((await grpcRefusal(unary<GetResponse>((cb) => grpc.config.get(GetRequest.fromPartial({ type: 'project', uuid: 'x' }), bearer(), cb)))).code).toBe(GrpcStatus.NOT_FOUND);
    } finally {
      grpc.close();
      controller.kill('SIGTERM');
      await controller.exited;
    }
  });
});

describe('AUTH_ANONYMOUS=off without credentials', () => {
  it('refuses every unauthenticated call over REST and gRPC, and keeps /health open', async () => {
    const { controller, rest, grpc } = await start('off', { AUTH_ANONYMOUS: 'off' });
    try {
      expect((await controller.waitForLine((l) => l.msg === 'authentication')).anonymous).toBe('off');
      expect(warnings(controller)).toEqual([]);
      expect((await rest.call('GET', '/health')).status).toBe(200);
      const read = await rest.call('GET', '/projects');
      expect([read.status, read.headers.get('www-authenticate')]).toEqual([401, 'Bearer realm="contrail"']);
      const write = await rest.call('POST', '/projects', undefined, { project: { fq_name: ['default-domain', 'nope'] } }, { 'x-user-name': 'alice' });
      expect(write.status).toBe(401);
      const refusal = await grpcRefusal(unary<GetResponse>((cb) => grpc.config.get(GetRequest.fromPartial({ type: 'project', uuid: 'x' }), bearer(), cb)));
      expect([refusal.code, refusal.details]).toEqual([GrpcStatus.UNAUTHENTICATED, expect.stringMatching(/^authentication required/)]);
      // With no credential configured, nobody gets in: the refusal is recorded all the same, readable by nobody here.
      expect((await rest.call('GET', '/audit/refusals')).status).toBe(401);
    } finally {
      grpc.close();
      controller.kill('SIGTERM');
      await controller.exited;
    }
  });
});

describe('AUTH_ANONYMOUS=reader on an address that is not loopback', () => {
  it('warns, lets anonymous callers read, and refuses their writes with 401 (a token would help)', async () => {
    const { controller, rest, grpc } = await start('reader', { AUTH_ANONYMOUS: 'reader', BIND_ADDRESS: '0.0.0.0', AUTH_TOKENS_FILE: join(dir, 'tokens') });
    try {
      await controller.waitForLine((l) => l.msg === 'authentication');
      expect(warnings(controller)).toEqual([
        'anonymous access as reader on 0.0.0.0, which is not loopback: any caller that reaches the ports without a token gets it',
      ]);
      expect((await rest.call('GET', '/projects')).status).toBe(200);
      const before = await rest.head();
      const write = await rest.call('POST', '/projects', undefined, { project: { fq_name: ['default-domain', 'anon'] } });
      expect([write.status, write.body.message]).toEqual([
        401,
        'authentication required: POST /projects needs a bearer token; it needs the role operator or admin, and anonymous callers are reader',
      ]);
      const refusals = (await rest.call('GET', `/audit/refusals?after=${before}`)).body.refusals;
      expect(refusals).toEqual([expect.objectContaining({ actor: 'unauthenticated', status: 401, reason: 'missing-credentials', operation: 'create' })]);
      expect((await rest.call('POST', '/projects', TOKENS.operator, { project: { fq_name: ['default-domain', 'alices'] } })).status).toBe(200);
    } finally {
      grpc.close();
      controller.kill('SIGTERM');
      await controller.exited;
    }
  });
});

describe('a bad credential file at start-up', () => {
  it.each([
    ['AUTH_TOKENS_FILE', 'tokens-bad', `${TOKENS.admin} root admin\n${TOKENS.admin} bob reader\nshort carol reader\n`, /AUTH_TOKENS_FILE=".*tokens-bad" is not allowed: expected a usable file; line 2: the same token as line 1: every token must be different; line 3: the token is shorter than 16 characters \(5\)/],
    ['AUTH_JWT_KEYS_FILE', 'keys-bad.pem', '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n', /AUTH_JWT_KEYS_FILE=".*keys-bad.pem" is not allowed: expected a usable file; line 1: key 1: not a readable public key/],
    ['AUTH_JWT_SECRET_FILE', 'secret-bad', 'short\n', /AUTH_JWT_SECRET_FILE=".*secret-bad" is not allowed: expected a usable file; the HS256 secret is 5 bytes/],
  ])('%s: exit 2, naming the file and the line, never a token', async (variable, name, text, message) => {
    writeFileSync(join(dir, name), text);
    const controller = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: join(dir, `bad-${name}`), [variable]: join(dir, name) });
    running.push(controller);
    expect((await controller.exited).code).toBe(2);
    expect(controller.stderr).toMatch(message);
    expect(controller.transcript()).not.toContain(TOKENS.admin);
  });

  it('a file that does not exist: exit 2', async () => {
    const controller = new ControllerProcess({ REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: join(dir, 'missing'), AUTH_TOKENS_FILE: join(dir, 'absent') });
    running.push(controller);
    expect((await controller.exited).code).toBe(2);
    expect(controller.stderr).toMatch(/AUTH_TOKENS_FILE=".*absent" is not allowed: expected a usable file; cannot be read: ENOENT/);
  });
});
