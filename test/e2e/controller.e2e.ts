// The all-in-one controller as a user runs it: the built entry point in its own process, on ports the system
// picks (0), a temp DATA_DIR and the default SQLite store; checked over real HTTP and a real grpc-js client.
import { credentials, status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HealthClient, ServingStatus, type HealthCheckResponse } from '#libs/proto';
import { ControllerProcess, type LogLine } from './controller-process.js';

const isListening = (line: LogLine) => line.msg === 'listening';

function check(client: HealthClient, service: string): Promise<HealthCheckResponse> {
  return new Promise((resolve, reject) => client.check({ service }, (error, response) => (error ? reject(error) : resolve(response))));
}

/** POSTs `size` bytes of JSON with node:http, which (unlike fetch) reads an answer sent before the body was read. */
function postJson(url: string, size: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': size } }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(`"${'a'.repeat(size - 2)}"`);
  });
}

describe('controller (all-in-one, built, SQLite)', () => {
  let dataDir: string;
  let controller: ControllerProcess;
  let listening: LogLine;
  let rest: string;
  let grpcAddress: string;
  let health: HealthClient;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'contrail-controller-e2e-'));
    controller = new ControllerProcess({
      REST_PORT: '0',
      GRPC_PORT: '0',
      XMPP_PORT: '0',
      DATA_DIR: dataDir,
      SHUTDOWN_TIMEOUT_MS: '5000',
    });
    listening = await controller.waitForLine(isListening);
    rest = listening.rest as string;
    grpcAddress = listening.grpc as string;
    health = new HealthClient(grpcAddress, credentials.createInsecure());
  });

  afterAll(async () => {
    health?.close();
    await controller?.ensureStopped();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('logs one listening line with the store, its file and the real bound addresses', () => {
    expect(listening).toMatchObject({
      level: 'info',
      store: 'sqlite',
      data: join(dataDir, 'events.db'),
      rest: expect.stringMatching(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/),
      grpc: expect.stringMatching(/^127\.0\.0\.1:[1-9]\d*$/),
      xmpp: expect.stringMatching(/^127\.0\.0\.1:[1-9]\d*$/),
    });
    expect(controller.lines.filter(isListening)).toHaveLength(1);
    expect(existsSync(join(dataDir, 'events.db'))).toBe(true);
  });

  it('writes only JSON lines to stdout', () => {
    expect(controller.nonJsonStdout).toEqual([]);
  });

  it('GET /health answers 200 with the store and its head position', async () => {
    const res = await fetch(`${rest}/health`);
    expect(res.status).toBe(200);
    const body = await res.json();
    // 8 events: the four default objects, each with its fq_name reservation.
    expect(body).toEqual({ status: 'ok', store: { kind: 'sqlite', headPosition: 8 }, uptimeSeconds: expect.any(Number) });
  });

  it('GET /metrics answers Prometheus text with process, store and HTTP metrics', async () => {
    await fetch(`${rest}/health`);
    const res = await fetch(`${rest}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    expect(text).toContain('process_cpu_user_seconds_total');
    // The defaults (global-system-config, domain, project, IPAM) were written at first start.
    expect(text).toMatch(/contrail_event_store_head_position\{store="sqlite"\} [1-9]\d*/);
    expect(text).toMatch(/contrail_http_requests_total\{method="GET",route="\/health",status="200"\} [1-9]/);
    expect(text).toContain('contrail_http_request_duration_seconds_bucket{le="0.005",method="GET",route="/health",status="200"}');
  });

  it('answers an unknown route with a JSON 404 that names the path', async () => {
    const res = await fetch(`${rest}/no/such/thing?x=1`);
    expect(res.status).toBe(404);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: 'no route for GET /no/such/thing',
      path: '/no/such/thing',
    });
  });

  it('refuses a JSON body over 1 MiB with a JSON 413', async () => {
    const res = await postJson(`${rest}/health`, 2 * 1024 * 1024);
    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toMatchObject({ statusCode: 413, message: expect.stringContaining('1048576 bytes') });
  });

  it('serves grpc.health.v1.Health: Check of the whole server is SERVING', async () => {
    expect(await check(health, '')).toEqual({ status: ServingStatus.SERVING });
  });

  it('answers Check of an unknown service with NOT_FOUND', async () => {
    await expect(check(health, 'no.such.Service')).rejects.toMatchObject({ code: GrpcStatus.NOT_FOUND } satisfies Partial<ServiceError>);
  });

  it('on SIGTERM tells watchers NOT_SERVING, closes listeners and store, and exits 0 with a stopped line', async () => {
    const watch = health.watch({ service: '' });
    const seen: ServingStatus[] = [];
    const watchEnded = new Promise<void>((resolve) => {
      watch.on('data', (response: HealthCheckResponse) => seen.push(response.status));
      watch.on('error', () => resolve());
      watch.on('end', () => resolve());
    });
    await new Promise<void>((resolve) => watch.once('data', () => resolve()));

    controller.kill('SIGTERM');
    const exit = await controller.exited;
    await watchEnded;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(seen).toEqual([ServingStatus.SERVING, ServingStatus.NOT_SERVING]);
    const stopped = controller.lines.find((l) => l.msg === 'stopped');
    expect(stopped).toMatchObject({ http: 'graceful', grpc: 'graceful' });
    const messages = controller.lines.map((l) => l.msg);
    expect(messages.indexOf('stopping')).toBeLessThan(messages.indexOf('stopped'));
    expect(controller.stderr).toBe('');
    // SQLite removes its write-ahead log when the last connection closes cleanly: the store was closed.
    expect(existsSync(join(dataDir, 'events.db'))).toBe(true);
    expect(existsSync(join(dataDir, 'events.db-wal'))).toBe(false);
  });
});

describe('controller start-up with a bad environment', () => {
  it('exits 2 and names the variable, the bad value and what is allowed', async () => {
    const controller = new ControllerProcess({ REST_PORT: 'abc', GRPC_PORT: '0', DATA_DIR: join(tmpdir(), 'contrail-never-created') });
    try {
      const exit = await controller.exited;
      expect(exit.code).toBe(2);
      expect(controller.stderr).toContain('REST_PORT="abc" is not allowed: expected an integer from 0 to 65535');
      const fatal = controller.lines.find((l) => l.msg === 'invalid configuration');
      expect(fatal).toMatchObject({ level: 'fatal', problems: [{ variable: 'REST_PORT', value: 'abc' }] });
      expect(controller.lines.some(isListening)).toBe(false);
    } finally {
      await controller.ensureStopped();
    }
  });

  it('lists every bad variable, not just the first', async () => {
    const controller = new ControllerProcess({ REST_PORT: '70000', STORE: 'postgres', LOG_LEVEL: 'loud' });
    try {
      expect((await controller.exited).code).toBe(2);
      for (const variable of ['REST_PORT', 'DATABASE_URL', 'LOG_LEVEL']) expect(controller.stderr).toContain(variable);
    } finally {
      await controller.ensureStopped();
    }
  });
});

describe('controller start-up failures', () => {
  it('exits 1 with a fatal JSON line when REST_PORT is taken', async () => {
    const occupant = createServer();
    await new Promise<void>((resolve) => occupant.listen(0, '127.0.0.1', resolve));
    const port = (occupant.address() as AddressInfo).port;
    const dataDir = mkdtempSync(join(tmpdir(), 'contrail-controller-e2e-'));
    const controller = new ControllerProcess({ REST_PORT: String(port), GRPC_PORT: '0', XMPP_PORT: '0', DATA_DIR: dataDir });
    try {
      expect((await controller.exited).code).toBe(1);
      expect(controller.lines.find((l) => l.msg === 'start failed')).toMatchObject({ level: 'fatal', err: { code: 'EADDRINUSE' } });
      expect(controller.stderr).toBe('');
    } finally {
      await controller.ensureStopped();
      occupant.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

const pgUrl = process.env.PG_TEST_URL;
const describeWithPostgres = pgUrl ? describe : describe.skip;
if (!pgUrl) process.stderr.write(`controller e2e on PostgreSQL skipped: ${process.env.PG_TEST_UNAVAILABLE ?? 'PG_TEST_URL is not set'}\n`);

describeWithPostgres('controller on PostgreSQL (STORE=postgres)', () => {
  it('opens the store, reports it healthy and stops with exit 0', async () => {
    const controller = new ControllerProcess({ STORE: 'postgres', DATABASE_URL: pgUrl!, REST_PORT: '0', GRPC_PORT: '0', XMPP_PORT: '0' });
    try {
      const listening = await controller.waitForLine(isListening);
      expect(listening).toMatchObject({ store: 'postgres', data: expect.stringMatching(/^postgres(ql)?:\/\//) });
      const res = await fetch(`${listening.rest as string}/health`);
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'ok', store: { kind: 'postgres', headPosition: expect.any(Number) } });
      controller.kill('SIGTERM');
      expect(await controller.exited).toEqual({ code: 0, signal: null });
      expect(controller.lines.some((l) => l.msg === 'stopped')).toBe(true);
    } finally {
      await controller.ensureStopped();
    }
  });
});
