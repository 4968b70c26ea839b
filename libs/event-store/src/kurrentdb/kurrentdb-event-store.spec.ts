/**
 * The adapter with the real client against an address where nothing listens: what must hold without a server.
 * (The behaviour with a server is the contract suite in libs/event-store/test/kurrentdb.spec.ts.)
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createServer } from 'node:net';
import { InvalidAppendError, StoreClosedError, StoreUnavailableError } from '../errors.js';
import { KurrentDbEventStore } from './kurrentdb-event-store.js';

let connectionString: string;
let store: KurrentDbEventStore;

beforeAll(async () => {
  // A port that was free a moment ago: connections to it are refused at once.
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  connectionString = `kurrentdb://127.0.0.1:${port}?tls=false`;
  store = await KurrentDbEventStore.open({ connectionString, checkConnection: false });
});

afterAll(async () => {
  await store.close();
});

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('KurrentDbEventStore without a reachable server', () => {
  it('open() fails with StoreUnavailableError', async () => {
    const error = await failure(KurrentDbEventStore.open({ connectionString }));
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toMatch(/cannot open the KurrentDB event log/);
  });

  it('open() rejects a malformed connection string and a reserved prefix', async () => {
    await expect(KurrentDbEventStore.open({ connectionString: 'localhost:2113' })).rejects.toThrow(/connection string is not valid/);
    await expect(KurrentDbEventStore.open({ connectionString, streamPrefix: '$x-', checkConnection: false })).rejects.toThrow(
      /must not start with '\$'/,
    );
  });

  it('is a kurrentdb store', () => {
    expect(store.kind).toBe('kurrentdb');
  });

  it('every operation fails with StoreUnavailableError', async () => {
    for (const op of [
      () => store.append('s', [{ type: 'A', data: {} }]),
      () => store.append('s', [{ type: 'A', data: {} }], { expectedRevision: 3 }),
      () => store.appendMany([{ streamId: 's', events: [{ type: 'A', data: {} }] }]),
      () =>
        store.appendMany([
          { streamId: 's', events: [{ type: 'A', data: {} }], expectedRevision: 'no_stream' },
          { streamId: 't', events: [{ type: 'B', data: {} }] },
        ]),
      () => store.readStream('s'),
      () => store.readAll(),
      () => store.readAll({ after: 4096, limit: 10 }),
      () => store.headPosition(),
    ]) {
      expect(await failure(op())).toBeInstanceOf(StoreUnavailableError);
    }
  });

  it('a subscription fails with StoreUnavailableError and closes itself', async () => {
    const sub = store.subscribeToAll({ after: 4096 });
    const iterator = sub[Symbol.asyncIterator]();
    expect(await failure(iterator.next())).toBeInstanceOf(StoreUnavailableError);
    expect(sub.position).toBe(4096);
    await expect(iterator.next()).resolves.toEqual({ done: true, value: undefined });
  });

  it('bad input is refused before anything is sent', async () => {
    await expect(store.append('', [{ type: 'A', data: {} }])).rejects.toThrow(/stream name must be a non-empty string/);
    await expect(store.append('s', [])).rejects.toBeInstanceOf(InvalidAppendError);
    await expect(store.append('$system', [{ type: 'A', data: {} }])).rejects.toThrow(/reserves for system streams/);
    await expect(store.append('s', [{ type: '$A', data: {} }])).rejects.toThrow(/reserved by KurrentDB/);
    await expect(store.readStream('')).rejects.toBeInstanceOf(InvalidAppendError);
    await expect(store.appendMany([])).rejects.toThrow(/non-empty array of stream writes/);
    await expect(
      store.appendMany([
        { streamId: 's', events: [{ type: 'A', data: {} }] },
        { streamId: '$t', events: [{ type: 'B', data: {} }] },
      ]),
    ).rejects.toThrow(/reserves for system streams/);
    await expect(
      store.appendMany([
        { streamId: 'Vn-1', events: [{ type: 'A', data: {} }] },
        { streamId: 'vn-1', events: [{ type: 'B', data: {} }] },
      ]),
    ).rejects.toThrow(/ignoring case/);
  });

  it('appendMany of one stream takes the plain append path; of several, the multi-stream one', async () => {
    const one = await failure(store.appendMany([{ streamId: 's', events: [{ type: 'A', data: {} }] }]));
    expect((one as Error).message).toMatch(/^append to 's' failed, nothing was acknowledged/);
    const several = await failure(
      store.appendMany([
        { streamId: 's', events: [{ type: 'A', data: {} }] },
        { streamId: 't', events: [{ type: 'B', data: {} }] },
      ]),
    );
    expect((several as Error).message).toMatch(/^append to 's', 't' failed, nothing was acknowledged/);
  });

  it('a closed store refuses everything with StoreClosedError', async () => {
    const closing = await KurrentDbEventStore.open({ connectionString, checkConnection: false });
    const sub = closing.subscribeToAll();
    const pending = sub[Symbol.asyncIterator]().next();
    await closing.close();
    await expect(pending).resolves.toEqual({ done: true, value: undefined });
    await expect(closing.append('s', [{ type: 'A', data: {} }])).rejects.toBeInstanceOf(StoreClosedError);
    await expect(closing.appendMany([{ streamId: 's', events: [{ type: 'A', data: {} }] }])).rejects.toBeInstanceOf(StoreClosedError);
    await expect(closing.readStream('s')).rejects.toBeInstanceOf(StoreClosedError);
    await expect(closing.readAll()).rejects.toBeInstanceOf(StoreClosedError);
    await expect(closing.headPosition()).rejects.toBeInstanceOf(StoreClosedError);
    expect(() => closing.subscribeToAll()).toThrow(StoreClosedError);
    await closing.close();
  });
});
