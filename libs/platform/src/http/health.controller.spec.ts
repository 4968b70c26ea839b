import type { EventStore } from '#libs/event-store';
import { HealthController } from './health.controller.js';

function storeWithHead(headPosition: () => Promise<number>): EventStore {
  return { kind: 'sqlite', headPosition } as unknown as EventStore;
}

function response() {
  const res = { code: 200, status: (c: number) => (res.code = c) };
  return res;
}

describe('HealthController', () => {
  it('answers ok with the store kind and head position', async () => {
    const res = response();
    const body = await new HealthController(storeWithHead(async () => 42)).health(res);
    expect(body).toEqual({ status: 'ok', store: { kind: 'sqlite', headPosition: 42 }, uptimeSeconds: expect.any(Number) });
    expect(res.code).toBe(200);
  });

  it('answers 503 with the reason when the store read fails', async () => {
    const res = response();
    const body = await new HealthController(storeWithHead(() => Promise.reject(new Error('disk I/O error')))).health(res);
    expect(res.code).toBe(503);
    expect(body).toEqual({
      status: 'unavailable',
      reason: 'cannot read the sqlite event store: disk I/O error',
      store: { kind: 'sqlite' },
      uptimeSeconds: expect.any(Number),
    });
  });

  it('answers ok without a store section in an app that has no store', async () => {
    expect(await new HealthController().health(response())).toEqual({ status: 'ok', uptimeSeconds: expect.any(Number) });
  });
});
