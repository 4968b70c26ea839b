import { Inject, Injectable, Module, Optional, type BeforeApplicationShutdown, type DynamicModule } from '@nestjs/common';
import type { ServerCredentials, ServiceDefinition, UntypedServiceImplementation } from '@grpc/grpc-js';
import { DEFAULT_GRPC_MAX_MESSAGE_BYTES } from '#libs/config';
import { HealthService, ServingStatus } from '#libs/proto';
import { GrpcServer } from './grpc-server.js';
import { HealthStatusBoard, WHOLE_SERVER } from './health-status-board.js';
import { healthService } from './health-service.js';
import { Metrics } from '../http/metrics.js';
import { messageSizeLimitInterceptor } from './message-size-limit.js';

export interface GrpcListenerOptions {
  bindAddress: string;
  /** 0 = any free port. */
  port: number;
  /** How long open calls may run on after shutdown begins before they are cancelled. */
  shutdownTimeoutMs: number;
  /**
   * GRPC_MAX_MESSAGE_BYTES: the largest request message any service takes (default 4 MiB, grpc-js's own default);
   * larger ones end their call with RESOURCE_EXHAUSTED. What the server sends is not limited (an agent's full sync).
   */
  maxMessageBytes?: number;
}

export const GRPC_LISTENER_OPTIONS = Symbol('GRPC_LISTENER_OPTIONS');

/**
 * The process's gRPC server, with grpc.health.v1.Health always on it. Feature modules add their services in
 * onModuleInit; the bootstrap calls `listen` once the application is initialised, and shutdown happens in
 * beforeApplicationShutdown — before the event store closes — unless the bootstrap started it earlier.
 */
@Injectable()
export class GrpcServerHost implements BeforeApplicationShutdown {
  readonly health = new HealthStatusBoard();
  private readonly server: GrpcServer;
  private readonly shutdownListeners = new Set<() => void>();
  private shuttingDown = false;
  private bound!: (port: number) => void;
  /** The bound port, once `listen` has run: in-process clients of this server (the all-in-one's kubemanagers). */
  readonly boundPort: Promise<number> = new Promise((resolve) => (this.bound = resolve));

  constructor(
    @Inject(GRPC_LISTENER_OPTIONS) private readonly options: GrpcListenerOptions,
    @Optional() metrics?: Metrics,
  ) {
    const maxBytes = options.maxMessageBytes ?? DEFAULT_GRPC_MAX_MESSAGE_BYTES;
    metrics?.limitsServed('grpc_message_bytes');
    this.server = new GrpcServer({
      'grpc.max_receive_message_length': maxBytes,
      // First: it must be handed grpc-js's own call (message-size-limit.ts).
      interceptors: [messageSizeLimitInterceptor({ maxBytes, setting: 'GRPC_MAX_MESSAGE_BYTES', onHit: () => metrics?.limitHit('grpc_message_bytes') })],
    });
    this.server.addService(HealthService, healthService(this.health));
  }

  addService<Implementation extends UntypedServiceImplementation>(
    service: ServiceDefinition<Implementation>,
    implementation: Implementation,
  ): void {
    this.server.addService(service, implementation);
  }

  /** The address the server binds (BIND_ADDRESS). */
  get bindAddress(): string {
    return this.options.bindAddress;
  }

  /** Binds (with TLS when `credentials` are secure ones), marks the server SERVING, and resolves with the bound port. */
  async listen(credentials?: ServerCredentials): Promise<number> {
    const port = await this.server.listen(this.options.bindAddress, this.options.port, credentials);
    this.health.set(WHOLE_SERVER, ServingStatus.SERVING);
    this.bound(port);
    return port;
  }

  /**
   * Calls `listener` once when shutdown begins, after new calls are refused: a service with long-lived streams ends
   * them there, or the graceful stop would wait for its deadline and then cut them.
   */
  onShutdown(listener: () => void): void {
    this.shutdownListeners.add(listener);
  }

  /** NOT_SERVING to every watcher, then a graceful stop with the configured deadline. Idempotent. */
  shutdown(): Promise<'graceful' | 'forced'> {
    this.health.shutdown();
    const stopped = this.server.shutdown(this.options.shutdownTimeoutMs);
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      for (const listener of this.shutdownListeners) listener();
    }
    return stopped;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.shutdown();
  }
}

@Module({})
export class GrpcModule {
  static forRoot(options: GrpcListenerOptions): DynamicModule {
    return {
      module: GrpcModule,
      global: true,
      providers: [{ provide: GRPC_LISTENER_OPTIONS, useValue: options }, GrpcServerHost],
      exports: [GrpcServerHost],
    };
  }
}
