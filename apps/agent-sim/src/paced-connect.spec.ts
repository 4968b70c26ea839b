import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { pacedRetryDelay, retryAfterOf } from './paced-connect.js';

const trailer = (value: string): Metadata => {
  const metadata = new Metadata();
  metadata.set('retry-after-ms', value);
  return metadata;
};

describe('retryAfterOf', () => {
  it('reads the wait of a paced refusal', () => {
    expect(retryAfterOf({ code: GrpcStatus.UNAVAILABLE, metadata: trailer('250') })).toBe(250);
  });

  it.each([
    ['another code', { code: GrpcStatus.RESOURCE_EXHAUSTED, metadata: trailer('250') }],
    ['no trailer', { code: GrpcStatus.UNAVAILABLE, metadata: new Metadata() }],
    ['a wait that is no number of ms', { code: GrpcStatus.UNAVAILABLE, metadata: trailer('soon') }],
    ['a negative wait', { code: GrpcStatus.UNAVAILABLE, metadata: trailer('-5') }],
  ])('is undefined for %s', (_what, status) => {
    expect(retryAfterOf(status)).toBeUndefined();
  });
});

describe('pacedRetryDelay', () => {
  it('is never less than the wait control gave, and at most a quarter more', () => {
    expect(pacedRetryDelay(400, 0)).toBe(400);
    expect(pacedRetryDelay(400, 0.5)).toBe(450);
    expect(pacedRetryDelay(400, 0.999)).toBe(500);
  });

  it('waits at least a millisecond', () => {
    expect(pacedRetryDelay(0, 0)).toBe(1);
  });
});
