import { NestFactory } from '@nestjs/core';
import { Module, type DynamicModule, type INestApplicationContext } from '@nestjs/common';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import { isIPv6 } from 'node:net';
import type { Server as TlsServer } from 'node:tls';
import type { ServerTlsConfig } from '#libs/config';
import { GrpcServerHost } from '../grpc/grpc.module.js';
import { closeHttpServer } from '../http/close-http-server.js';
import { configureHttpEdge } from '../http/configure-http.js';
import { Metrics } from '../http/metrics.js';
import { SERVER_TLS, ServerTls } from '../tls/server-tls.js';
import { NestPinoLogger } from '../logging/nest-pino-logger.js';
import type { Logger } from '../logging/create-logger.js';

export interface ServiceListeners {
  bindAddress: string;
  restPort: number;
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
  /** TLS_*: REST and gRPC serve TLS with these files (re-read when they change); undefined: plain. */
  tls?: ServerTlsConfig;
}

export interface ListeningAddresses {
  /** Base URL of the REST port, with the port actually bound. */
  rest: string;
  /** host:port of the gRPC server, with the port actually bound. */
  grpc: string;
}

export interface ShutdownOutcome {
  http: 'graceful' | 'forced';
  grpc: 'graceful' | 'forced';
}

export interface RunningService {
  readonly addresses: ListeningAddresses;
  /** Stops accepting, drains HTTP and gRPC (cut after the shutdown timeout), then runs the Nest shutdown hooks. */
  stop(): Promise<ShutdownOutcome>;
}

/** More fields for the 'listening' line: as they are, or read from the started application (e.g. another bound port). */
export type ListeningDetails = Record<string, unknown> | ((app: INestApplicationContext) => Record<string, unknown>);

/**
 * Creates a Nest application from `module` (which must import GrpcModule), binds its HTTP and gRPC ports (HTTPS and
 * gRPC over TLS when `listeners.tls` is set; the set is then also the global provider SERVER_TLS, for the XMPP
 * bridge), and logs one 'listening' line with every bound address, `tls`, plus `details`. Rejects (having released
 * what it opened) when any of that fails.
 */
export async function startNestService(
  module: DynamicModule,
  listeners: ServiceListeners,
  logger: Logger,
  details: ListeningDetails = {},
): Promise<RunningService> {
  const tls = listeners.tls ? ServerTls.open(listeners.tls, logger) : undefined;
  let app: NestExpressApplication;
  try {
    app = await NestFactory.create<NestExpressApplication>(tls ? withServerTls(module, tls) : module, new ExpressAdapter(), {
      logger: new NestPinoLogger(logger.child({ component: 'nest' })),
      bodyParser: false,
      // Without this, Nest calls process.abort() when a provider fails (e.g. the store cannot be opened).
      abortOnError: false,
      ...(tls ? { httpsOptions: tls.httpsOptions() } : {}),
    });
  } catch (error) {
    tls?.close();
    throw error;
  }
  let addresses: ListeningAddresses;
  let extra: Record<string, unknown>;
  try {
    configureHttpEdge(app, { logger, bodyLimitBytes: listeners.bodyLimitBytes });
    if (tls) {
      tls.follow(app.getHttpServer() as unknown as TlsServer, 'rest');
      tls.registerMetrics(app.get(Metrics));
    }
    await app.listen(listeners.restPort, listeners.bindAddress);
    const grpcPort = await app.get(GrpcServerHost).listen(tls?.grpcCredentials('grpc'));
    addresses = {
      rest: `${tls ? 'https' : 'http'}://${hostPort(listeners.bindAddress, boundPort(app.getHttpServer()))}`,
      grpc: hostPort(listeners.bindAddress, grpcPort),
    };
    extra = typeof details === 'function' ? details(app) : details;
  } catch (error) {
    await app.close().catch(() => undefined);
    tls?.close();
    throw error;
  }

  logger.info({ ...extra, ...addresses, tls: tls !== undefined, ...(tls ? { clientAuth: tls.clientAuth } : {}) }, 'listening');

  return {
    addresses,
    async stop() {
      const [http, grpc] = await Promise.all([closeHttpServer(app.getHttpServer(), listeners.shutdownTimeoutMs), app.get(GrpcServerHost).shutdown()]);
      // Runs the Nest shutdown hooks; the event store closes last, once nothing can append any more.
      await app.close();
      tls?.close();
      return { http, grpc };
    },
  };
}

function boundPort(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`the HTTP server is not bound to a TCP port (${address})`);
  return address.port;
}

function hostPort(host: string, port: number): string {
  return isIPv6(host) ? `[${host}]:${port}` : `${host}:${port}`;
}

@Module({})
class ServerTlsModule {}

/** `module` under a root that provides the process's ServerTls to every module (SERVER_TLS). */
function withServerTls(module: DynamicModule, tls: ServerTls): DynamicModule {
  return {
    module: ServerTlsModule,
    global: true,
    imports: [module],
    providers: [{ provide: SERVER_TLS, useValue: tls }],
    exports: [SERVER_TLS],
  };
}
