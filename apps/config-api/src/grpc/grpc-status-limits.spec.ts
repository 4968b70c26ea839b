import { Client, credentials, Server, ServerCredentials, status as GrpcStatus, type ServiceError, type ServerUnaryCall, type sendUnaryData } from '@grpc/grpc-js';
import { MAX_STATUS_DETAILS, statusOf } from './grpc-errors.js';

// Found by the fuzzer (test/fuzz): refusals that quote the input were sent whole, and three kinds of input broke
// the status on its way out: a field name with a character metadata may not carry (grpc-js threw; the unhandled
// rejection stopped the controller), details with a lone surrogate (encodeURI throws the same way), and details of
// hundreds of kilobytes (a trailer the client never accepts: the call hung until its deadline).

describe('statusOf with what an input can put in a refusal', () => {
  it('escapes a field name metadata cannot carry', () => {
    const status = statusOf({ code: GrpcStatus.INVALID_ARGUMENT, details: 'bad', httpStatus: 400, field: 'parent_type\u0000é' });
    expect(status.metadata!.get('x-error-field')).toEqual(['parent_type\\u0000\\u00e9']);
  });

  it('cuts details to MAX_STATUS_DETAILS characters, saying how many more there were', () => {
    const status = statusOf({ code: GrpcStatus.NOT_FOUND, details: `virtual-machine ${'x'.repeat(340_000)} does not exist`, httpStatus: 404 });
    expect(status.details!.length).toBeLessThan(MAX_STATUS_DETAILS + 50);
    expect(status.details).toMatch(/… \(\d+ more characters\)$/);
  });

  it('replaces lone surrogates, which encodeURI refuses', () => {
    const status = statusOf({ code: GrpcStatus.ALREADY_EXISTS, details: 'tag a\ud800b already exists', httpStatus: 409 });
    expect(status.details).toBe('tag a\ufffdb already exists');
    expect(() => encodeURI(status.details!)).not.toThrow();
  });
});

describe('a refusal quoting a 340 KB input, over a real gRPC call', () => {
  it('reaches the client at once with the cut details', async () => {
    const server = new Server();
    const identity = (b: Buffer): Buffer => b;
    server.addService(
      { fail: { path: '/test.Limits/Fail', requestStream: false, responseStream: false, requestSerialize: identity, requestDeserialize: identity, responseSerialize: identity, responseDeserialize: identity } },
      {
        fail: (_call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) =>
          callback(statusOf({ code: GrpcStatus.NOT_FOUND, details: `no ${'y'.repeat(340_000)}`, httpStatus: 404, field: 'ref\u0000' })),
      },
    );
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))));
    const client = new Client(`127.0.0.1:${port}`, credentials.createInsecure());
    try {
      const error = await new Promise<ServiceError>((resolve) =>
        client.makeUnaryRequest('/test.Limits/Fail', identity, identity, Buffer.alloc(0), { deadline: Date.now() + 5000 }, (e) => resolve(e!)),
      );
      expect(error.code).toBe(GrpcStatus.NOT_FOUND);
      expect(error.details.length).toBeLessThan(MAX_STATUS_DETAILS + 50);
    } finally {
      client.close();
      server.forceShutdown();
    }
  });
});
