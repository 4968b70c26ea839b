import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import type { Server } from 'node:http';
import { isIPv6 } from 'node:net';
import { describeStoreLocation } from '#libs/config';
import { GrpcServerHost, NestPinoLogger, closeHttpServer, configureHttpEdge, type Logger } from '#libs/platform';
import type { ControllerConfig } from './config/controller-config.js';
import { ControllerModule } from './controller.module.js';

export interface ListeningAddresses {
  /** Base URL of the REST API, with the port actually bound. */
  rest: string;
  /** host:port of the gRPC server, with the port actually bound. */
  grpc: string;
}

export interface ShutdownOutcome {
  http: 'graceful' | 'forced';
  grpc: 'graceful' | 'forced';
}

export interface RunningController {
  readonly addresses: ListeningAddresses;
  /** Stops accepting, drains HTTP and gRPC (cut after SHUTDOWN_TIMEOUT_MS), then closes the event store. */
  stop(): Promise<ShutdownOutcome>;
}

/**
 * Opens the event store, starts REST and gRPC, and logs one 'listening' line with the store, where its data lives
 * and every bound address. Rejects (having released what it opened) when any of that fails.
 */
export async function startController(config: ControllerConfig, logger: Logger): Promise<RunningController> {
  const app = await NestFactory.create<NestExpressApplication>(ControllerModule.forRoot(config), new ExpressAdapter(), {
    logger: new NestPinoLogger(logger.child({ component: 'nest' })),
    bodyParser: false,
    // Without this, Nest calls process.abort() when a provider fails (e.g. the store cannot be opened).
    abortOnError: false,
  });
  let addresses: ListeningAddresses;
  try {
    configureHttpEdge(app, { logger, bodyLimitBytes: config.rest.bodyLimitBytes });
    await app.listen(config.rest.port, config.bindAddress);
    const grpcPort = await app.get(GrpcServerHost).listen();
    addresses = {
      rest: `http://${hostPort(config.bindAddress, boundPort(app.getHttpServer()))}`,
      grpc: hostPort(config.bindAddress, grpcPort),
    };
  } catch (error) {
    await app.close().catch(() => undefined);
    throw error;
  }

  logger.info(
    {
      store: config.store.kind,
      data: describeStoreLocation(config.store),
      ...addresses,
      // The XMPP bridge is a later issue: XMPP_PORT is validated, but nothing listens on it yet.
      xmpp: `not served yet (XMPP_PORT=${config.xmpp.port})`,
    },
    'listening',
  );

  return {
    addresses,
    async stop() {
      const [http, grpc] = await Promise.all([
        closeHttpServer(app.getHttpServer(), config.shutdownTimeoutMs),
        app.get(GrpcServerHost).shutdown(),
      ]);
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
