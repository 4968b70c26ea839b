import { credentials, makeGenericClientConstructor, status as GrpcStatus, type Client, type ServiceError, type ServiceDefinition } from '@grpc/grpc-js';
import { Metrics } from '../http/metrics.js';
import { GrpcServerHost } from './grpc.module.js';

// A service of raw bytes: the request is what the client wrote, the answer its length.
const identity = (bytes: Buffer): Buffer => bytes;
const ECHO_SERVICE = {
  length: {
    path: '/test.Echo/Length',
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
} satisfies ServiceDefinition;

type EchoClient = Client & { length(request: Buffer, callback: (error: ServiceError | null, answer?: Buffer) => void): void };
const EchoClient = makeGenericClientConstructor(ECHO_SERVICE, 'Echo') as unknown as new (...args: ConstructorParameters<typeof Client>) => EchoClient;

const LIMIT = 1024;

describe('GrpcServerHost: the request message size limit (GRPC_MAX_MESSAGE_BYTES)', () => {
  let host: GrpcServerHost;
  let metrics: Metrics;
  let client: EchoClient;
  let served: number;

  const call = (size: number): Promise<{ code: number; details: string; length?: number }> =>
    new Promise((resolve) =>
      client.length(Buffer.alloc(size, 7), (error, answer) =>
        resolve(error ? { code: error.code, details: error.details } : { code: GrpcStatus.OK, details: '', length: answer!.readUInt32BE(0) }),
      ),
    );
  const hits = async (): Promise<string | undefined> =>
    (await metrics.scrape()).body.split('\n').find((line) => line.startsWith('contrail_limit_hits_total{limit="grpc_message_bytes"}'));

  beforeEach(async () => {
    metrics = new Metrics();
    host = new GrpcServerHost({ bindAddress: '127.0.0.1', port: 0, shutdownTimeoutMs: 0, maxMessageBytes: LIMIT }, metrics);
    served = 0;
    host.addService(ECHO_SERVICE, {
      length: (unary: { request: Buffer }, callback: (error: null, answer: Buffer) => void) => {
        served += 1;
        const answer = Buffer.alloc(4);
        answer.writeUInt32BE(unary.request.length);
        callback(null, answer);
      },
    });
    const port = await host.listen();
    client = new EchoClient(`127.0.0.1:${port}`, credentials.createInsecure(), { 'grpc.max_send_message_length': -1 });
  });

  afterEach(async () => {
    client.close();
    await host.shutdown();
  });

  it('shows the limit at 0 before any hit', async () => {
    expect(await hits()).toBe('contrail_limit_hits_total{limit="grpc_message_bytes"} 0');
  });

  it('serves a message of exactly the limit', async () => {
    expect(await call(LIMIT)).toEqual({ code: GrpcStatus.OK, details: '', length: LIMIT });
    expect(await hits()).toBe('contrail_limit_hits_total{limit="grpc_message_bytes"} 0');
  });

  it('refuses a larger one with RESOURCE_EXHAUSTED naming the size, the limit and the setting, before the handler runs', async () => {
    expect(await call(LIMIT + 1)).toEqual({
      code: GrpcStatus.RESOURCE_EXHAUSTED,
      details: `the request message of ${LIMIT + 1} bytes is larger than the limit of ${LIMIT} bytes (GRPC_MAX_MESSAGE_BYTES)`,
    });
    expect(served).toBe(0);
    expect(await hits()).toBe('contrail_limit_hits_total{limit="grpc_message_bytes"} 1');
  });

  it('counts each refusal, and the channel goes on serving calls within the limit', async () => {
    const answers = await Promise.all([call(5 * LIMIT), call(10), call(64 * LIMIT), call(LIMIT - 1)]);
    expect(answers.map((a) => a.code)).toEqual([GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.OK, GrpcStatus.RESOURCE_EXHAUSTED, GrpcStatus.OK]);
    expect(served).toBe(2);
    expect(await hits()).toBe('contrail_limit_hits_total{limit="grpc_message_bytes"} 2');
  });

  it('leaves other RESOURCE_EXHAUSTED statuses as the service words them, uncounted', async () => {
    host.addService(
      {
        full: { ...ECHO_SERVICE.length, path: '/test.Full/Full' },
      } satisfies ServiceDefinition,
      { full: (_unary: unknown, callback: (error: { code: number; details: string }) => void) => callback({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'the pool is exhausted' }) },
    );
    const FullClient = makeGenericClientConstructor({ full: { ...ECHO_SERVICE.length, path: '/test.Full/Full' } }, 'Full') as unknown as new (
      ...args: ConstructorParameters<typeof Client>
    ) => Client & { full(request: Buffer, callback: (error: ServiceError | null) => void): void };
    const port = await host.boundPort;
    const full = new FullClient(`127.0.0.1:${port}`, credentials.createInsecure());
    const error = await new Promise<ServiceError | null>((resolve) => full.full(Buffer.alloc(1), resolve));
    full.close();
    expect(error).toMatchObject({ code: GrpcStatus.RESOURCE_EXHAUSTED, details: 'the pool is exhausted' });
    expect(await hits()).toBe('contrail_limit_hits_total{limit="grpc_message_bytes"} 0');
  });
});
