import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeHttpServer } from './close-http-server.js';

function listen(handler: Parameters<typeof createServer>[1]): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

function get(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    })
      .on('error', reject)
      .end();
  });
}

describe('closeHttpServer', () => {
  it('closes at once when idle, also with a keep-alive connection open', async () => {
    const { server, url } = await listen((_req, res) => res.end('ok'));
    await fetch(url).then((r) => r.text());
    expect(await closeHttpServer(server, 10_000)).toBe('graceful');
    expect(server.listening).toBe(false);
  });

  it('lets a request in flight finish, and refuses new connections meanwhile', async () => {
    let release: () => void = () => undefined;
    const { server, url } = await listen((_req, res) => {
      release = () => res.end('done');
    });
    const inFlight = get(url);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const closing = closeHttpServer(server, 10_000);
    await expect(get(url)).rejects.toThrow();
    release();
    expect(await inFlight).toBe(200);
    expect(await closing).toBe('graceful');
  });

  it('cuts a request still running at the deadline', async () => {
    const { server, url } = await listen(() => undefined);
    const inFlight = get(url).then(
      () => 'answered',
      (error: NodeJS.ErrnoException) => error.code,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await closeHttpServer(server, 100)).toBe('forced');
    expect(await inFlight).toBe('ECONNRESET');
  });

  it('does nothing for a server that is not listening', async () => {
    expect(await closeHttpServer(createServer(), 100)).toBe('graceful');
  });
});
