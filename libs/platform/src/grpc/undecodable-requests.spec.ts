import { Client, credentials, status as GrpcStatus, type ServerDuplexStream, type ServiceError } from '@grpc/grpc-js';
import { agentProto, HealthService, ServingStatus } from '#libs/proto';
import { GrpcServer } from './grpc-server.js';
import { healthService } from './health-service.js';
import { HealthStatusBoard, WHOLE_SERVER } from './health-status-board.js';

/** Field 1 with wire type 7, which protobuf does not have: no message decodes from it. */
const NOT_PROTOBUF = Buffer.from([0x0f, 0x01]);
const asIs = (bytes: Buffer): Buffer => bytes;

describe('a request that is not the method’s protobuf message', () => {
  let server: GrpcServer;
  let client: Client;
  /** What the bidirectional handler was handed. */
  const received: unknown[] = [];

  beforeAll(async () => {
    server = new GrpcServer();
    const board = new HealthStatusBoard();
    board.set(WHOLE_SERVER, ServingStatus.SERVING);
    server.addService(HealthService, healthService(board));
    server.addService(agentProto.AgentServiceService, {
      session: (call: ServerDuplexStream<agentProto.AgentMessage, agentProto.ControlMessage>) => {
        call.on('data', (message: agentProto.AgentMessage) => {
          received.push(message);
          call.write(agentProto.ControlMessage.fromPartial({}));
        });
        call.on('end', () => call.end());
      },
    });
    const port = await server.listen('127.0.0.1', 0);
    client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
  });

  afterAll(async () => {
    client.close();
    await server.shutdown(0);
  });

  it('unary: INVALID_ARGUMENT naming the method and the decoding error, not INTERNAL', async () => {
    const error = await new Promise<ServiceError>((resolve) =>
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', asIs, asIs, NOT_PROTOBUF, (e) => resolve(e!)),
    );
    expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error.details).toMatch(/^the request message of \/grpc\.health\.v1\.Health\/Check is not valid protobuf: .*wire type/);
  });

  it('unary: a good request is answered as before', async () => {
    const answer = await new Promise<Buffer>((resolve, reject) =>
      client.makeUnaryRequest('/grpc.health.v1.Health/Check', asIs, asIs, Buffer.alloc(0), (e, value) => (e ? reject(e) : resolve(value!))),
    );
    expect(answer.length).toBeGreaterThan(0);
  });

  it('server streaming: INVALID_ARGUMENT as the call’s status', async () => {
    const stream = client.makeServerStreamRequest('/grpc.health.v1.Health/Watch', asIs, asIs, NOT_PROTOBUF);
    const error = await new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
  });

  it('bidirectional: good messages reach the handler; the first bad one ends the call with INVALID_ARGUMENT and never reaches it', async () => {
    const stream = client.makeBidiStreamRequest('/contrail.control.v1.AgentService/Session', asIs, asIs);
    const replies: Buffer[] = [];
    stream.on('data', (reply: Buffer) => replies.push(reply));
    const good = Buffer.from(agentProto.AgentMessage.encode(agentProto.AgentMessage.fromPartial({ body: { $case: 'ack', value: { version: 7 } } })).finish());
    stream.write(good);
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => replies.length > 0 && (clearInterval(poll), resolve()), 5);
    });
    stream.write(NOT_PROTOBUF);
    stream.write(good);
    const error = await new Promise<ServiceError>((resolve) => stream.on('error', resolve));
    expect(error.code).toBe(GrpcStatus.INVALID_ARGUMENT);
    expect(error.details).toContain('/contrail.control.v1.AgentService/Session is not valid protobuf');
    expect(received).toEqual([expect.objectContaining({ body: { $case: 'ack', value: { version: 7 } } })]);
  });
});
