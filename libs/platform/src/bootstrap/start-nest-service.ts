import { NestFactory } from '@nestjs/core';
import type { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import { isIPv6 } from 'node:net';
import { GrpcServerHost } from '../grpc/grpc.module.js';
import { closeHttpServer } from '../http/close-http-server.js';
import { configureHttpEdge } from '../http/configure-http.js';
import { NestPinoLogger } from '../logging/nest-pino-logger.js';
import type { Logger } from '../logging/create-logger.js';

export interface ServiceListeners {
  bindAddress: string;
  restPort: number;
  bodyLimitBytes: number;
  shutdownTimeoutMs: number;
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
 * Creates a Nest application from `module` (which must import GrpcModule), binds its HTTP and gRPC ports, and
 * logs one 'listening' line with every bound address plus `details`. Rejects (having released what it opened)
 * when any of that fails.
 */
export async function startNestService(
  module: DynamicModule,
  listeners: ServiceListeners,
  logger: Logger,
  details: ListeningDetails = {},
): Promise<RunningService> {
  const app = await NestFactory.create<NestExpressApplication>(module, new ExpressAdapter(), {
    logger: new NestPinoLogger(logger.child({ component: 'nest' })),
    bodyParser: false,
    // Without this, Nest calls process.abort() when a provider fails (e.g. the store cannot be opened).
    abortOnError: false,
  });
  let addresses: ListeningAddresses;
  let extra: Record<string, unknown>;
  try {
    configureHttpEdge(app, { logger, bodyLimitBytes: listeners.bodyLimitBytes });
    await app.listen(listeners.restPort, listeners.bindAddress);
    const grpcPort = await app.get(GrpcServerHost).listen();
    addresses = {
      rest: `http://${hostPort(listeners.bindAddress, boundPort(app.getHttpServer()))}`,
      grpc: hostPort(listeners.bindAddress, grpcPort),
    };
    extra = typeof details === 'function' ? details(app) : details;
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }

  logger.info({ ...extra, ...addresses }, 'listening');

  return {
    addresses,
    async stop() {
      const [http, grpc] = await Promise.all([closeHttpServer(app.getHttpServer(), listeners.shutdownTimeoutMs), app.get(GrpcServerHost).shutdown()]);
      // Runs the Nest shutdown hooks; the event store closes last, once nothing can append any more.
      await app.close();
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
