import type { Server } from 'node:http';

/**
 * Stops an HTTP server gracefully: no new connections from now on, idle keep-alive connections closed at once,
 * requests in flight given until `timeoutMs` to finish, then every connection cut. Resolves when the server is
 * closed; 'forced' tells that some connections had to be cut.
 */
export function closeHttpServer(server: Server, timeoutMs: number): Promise<'graceful' | 'forced'> {
  if (!server.listening) return Promise.resolve('graceful');
  return new Promise((resolve) => {
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      server.closeAllConnections();
    }, timeoutMs);
    // Connections that finish their request while we wait become idle: close them as they do.
    const idleSweep = setInterval(() => server.closeIdleConnections(), 100);
    server.close(() => {
      clearTimeout(timer);
      clearInterval(idleSweep);
      resolve(forced ? 'forced' : 'graceful');
    });
    server.closeIdleConnections();
  });
}
