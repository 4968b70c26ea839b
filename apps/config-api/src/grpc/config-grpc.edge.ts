import { Inject, Injectable, Logger, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { status as GrpcStatus, type ServerWritableStream } from '@grpc/grpc-js';
import { Counter, Gauge } from 'prom-client';
import { GrpcServerHost, Metrics } from '#libs/platform';
import { ConfigServiceService, ServingStatus, type WatchEvent, type WatchRequest } from '#libs/proto';
import { GrpcAuthGate } from '../auth/grpc-auth-gate.js';
import { CONFIG_API, type ConfigApi } from '../config-api.js';
import { ConfigViews } from '../rest/config-views.js';
import { ConfigService, type WatchHost } from './config-service.js';
import { statusOf, type GrpcFailure } from './grpc-errors.js';
import { WatchSession, type WatchObserver } from './watch-session.js';

/** The service's name in grpc.health.v1 and on the wire. */
export const CONFIG_SERVICE_NAME = 'contrail.config.v1.ConfigService';

/** What a Watch that arrives during shutdown gets. */
const SHUTTING_DOWN: GrpcFailure = { code: GrpcStatus.UNAVAILABLE, details: 'the server is shutting down', httpStatus: 503 };

/**
 * Puts ConfigService on the process's gRPC server (when there is one: GrpcModule is optional) and owns its Watch
 * streams: it counts them for /metrics and ends them when the server shuts down, so a graceful stop does not wait
 * for its deadline.
 */
@Injectable()
export class ConfigGrpcEdge implements OnModuleInit, OnModuleDestroy, WatchHost {
  private readonly logger = new Logger('ConfigService');
  private readonly sessions = new Set<WatchSession>();
  private readonly observer: WatchObserver;
  private readonly openStreams: Gauge;
  private closing = false;

  constructor(
    @Inject(CONFIG_API) private readonly api: ConfigApi,
    private readonly views: ConfigViews,
    @Optional() private readonly host?: GrpcServerHost,
    @Optional() metrics?: Metrics,
    @Optional() private readonly gate?: GrpcAuthGate,
  ) {
    const registers = metrics ? [metrics.registry] : [];
    this.openStreams = new Gauge({ name: 'contrail_grpc_config_watch_streams', help: 'Open ConfigService.Watch streams.', registers });
    const sent = new Counter({
      name: 'contrail_grpc_config_watch_events_sent_total',
      help: 'Events written to ConfigService.Watch streams.',
      registers,
    });
    const blocked = new Gauge({
      name: 'contrail_grpc_config_watch_blocked_streams',
      help: 'Watch streams waiting for their client to read (flow control holds them; the server reads no further).',
      registers,
    });
    this.observer = {
      sent: () => sent.inc(),
      blocked: (isBlocked) => (isBlocked ? blocked.inc() : blocked.dec()),
    };
  }

  onModuleInit(): void {
    if (!this.host) return;
    const service = new ConfigService(
      this.api,
      this.views,
      this,
      (error, method) => this.logger.error(`${method} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
      this.gate,
    );
    this.host.addService(ConfigServiceService, service.implementation());
    this.host.health.set(CONFIG_SERVICE_NAME, ServingStatus.SERVING);
    this.host.onShutdown(() => this.endWatches());
  }

  onModuleDestroy(): void {
    this.endWatches();
  }

  watch(call: ServerWritableStream<WatchRequest, WatchEvent>, request: { fromPosition: number; types: string[] }): void {
    if (this.closing) {
      call.emit('error', statusOf(SHUTTING_DOWN));
      return;
    }
    const session = new WatchSession(
      call,
      {
        store: this.api.store,
        projection: this.api.projection,
        schema: this.api.model.schema,
        observer: this.observer,
        onUnexpected: (error) => this.logger.error(`Watch failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`),
      },
      request,
    );
    this.sessions.add(session);
    this.openStreams.inc();
    void session.run().finally(() => {
      this.sessions.delete(session);
      this.openStreams.dec();
    });
  }

  /** Ends every Watch (UNAVAILABLE with the position to resume from) and refuses new ones. */
  private endWatches(): void {
    this.closing = true;
    for (const session of this.sessions) session.shutdown();
  }
}
