import { describe, expect, it } from '@jest/globals';
import { ServingStatus } from '#libs/proto';
import { GrpcServerHost } from './grpc.module.js';
import { WHOLE_SERVER } from './health-status-board.js';

describe('GrpcServerHost.onShutdown', () => {
  it('tells each listener once, when shutdown begins, after health has gone NOT_SERVING', async () => {
    const host = new GrpcServerHost({ bindAddress: '127.0.0.1', port: 0, shutdownTimeoutMs: 1000 });
    await host.listen();
    const heard: Array<ServingStatus | undefined> = [];
    host.onShutdown(() => heard.push(host.health.get(WHOLE_SERVER)));
    host.onShutdown(() => heard.push(host.health.get(WHOLE_SERVER)));

    const first = host.shutdown();
    const second = host.shutdown();
    expect(heard).toEqual([ServingStatus.NOT_SERVING, ServingStatus.NOT_SERVING]);
    expect(await first).toBe('graceful');
    expect(await second).toBe('graceful');
    expect(heard).toHaveLength(2);
  });
});
