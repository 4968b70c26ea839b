import { credentials, status as GrpcStatus } from '@grpc/grpc-js';
import { Writable } from 'node:stream';
import { HealthClient, HealthService, ServingStatus, type HealthCheckResponse, type HealthListResponse } from '#libs/proto';
import { createLogger } from '../logging/create-logger.js';
import { routeGrpcJsLogs } from '../logging/grpc-js-logs.js';
import { GrpcServer } from './grpc-server.js';
import { healthService } from './health-service.js';
import { HealthStatusBoard, WHOLE_SERVER } from './health-status-board.js';

// grpc-js's own diagnostics, as the apps route them: into pino, not onto the console.
const grpcJsLines: Array<Record<string, unknown>> = [];
routeGrpcJsLogs(
  createLogger({
    name: 'test',
    level: 'info',
    destination: new Writable({
      write(chunk: Buffer, _encoding, done) {
        grpcJsLines.push(JSON.parse(chunk.toString('utf8')));
        done();
      },
    }),
  }),
);

describe('GrpcServer with the health service', () => {
  let server: GrpcServer;
  let board: HealthStatusBoard;
  let client: HealthClient;

  beforeEach(async () => {
    board = new HealthStatusBoard();
    server = new GrpcServer();
    server.addService(HealthService, healthService(board));
    const port = await server.listen('127.0.0.1', 0);
    client = new HealthClient(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterEach(async () => {
    client.close();
    await server.shutdown(0);
  });

  it('binds port 0 to a real port', async () => {
    const other = new GrpcServer();
    const port = await other.listen('127.0.0.1', 0);
    expect(port).toBeGreaterThan(0);
    await other.shutdown(0);
  });

  it('fails to listen on a port that is taken, naming the address; grpc-js says why in a JSON log line', async () => {
    const holder = new GrpcServer();
    const taken = await holder.listen('127.0.0.1', 0);
    const second = new GrpcServer();
    await expect(second.listen('127.0.0.1', taken)).rejects.toThrow(`gRPC cannot listen on 127.0.0.1:${taken}`);
    await Promise.all([holder.shutdown(0), second.shutdown(0)]);
    expect(grpcJsLines).toContainEqual(expect.objectContaining({ level: 'error', component: 'grpc-js', msg: expect.stringContaining('No address added') }));
  });

  it('Check answers the status, or NOT_FOUND for an unknown service', async () => {
    board.set(WHOLE_SERVER, ServingStatus.SERVING);
    const check = (service: string) =>
      new Promise<HealthCheckResponse>((resolve, reject) => client.check({ service }, (e, r) => (e ? reject(e) : resolve(r))));
    expect(await check('')).toEqual({ status: ServingStatus.SERVING });
    await expect(check('x.Y')).rejects.toMatchObject({ code: GrpcStatus.NOT_FOUND });
  });

  it('List answers every known status', async () => {
    board.set(WHOLE_SERVER, ServingStatus.SERVING);
    board.set('a.B', ServingStatus.NOT_SERVING);
    const listed = await new Promise<HealthListResponse>((resolve, reject) => client.list({}, (e, r) => (e ? reject(e) : resolve(r))));
    expect(listed).toEqual({ statuses: { '': { status: ServingStatus.SERVING }, 'a.B': { status: ServingStatus.NOT_SERVING } } });
  });

  it('shuts down gracefully when no call is open', async () => {
    expect(await server.shutdown(5000)).toBe('graceful');
  });

  it('cuts a call still open at the deadline (forceShutdown), and every caller gets the same outcome', async () => {
    board.set(WHOLE_SERVER, ServingStatus.SERVING);
    const watch = client.watch({ service: '' });
    const ended = new Promise<unknown>((resolve) => watch.on('error', resolve));
    await new Promise((resolve) => watch.once('data', resolve));
    const started = Date.now();
    const [first, second] = await Promise.all([server.shutdown(200), server.shutdown(10_000)]);
    expect([first, second]).toEqual(['forced', 'forced']);
    expect(Date.now() - started).toBeLessThan(5000);
    expect(await ended).toMatchObject({ code: expect.any(Number) });
  });
});
