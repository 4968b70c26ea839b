import { Module, type DynamicModule } from '@nestjs/common';
import { EventStoreModule, GrpcModule, OperationsModule } from '#libs/platform';
import { configApiModuleFor } from './config-api-environment.js';
import type { ConfigApiServiceConfig } from './config-api-service-config.js';

/**
 * The config API as its own process (DESIGN §1, multi-cluster: the central cluster's config API next to the
 * control replicas): the operations endpoints, the gRPC server (ConfigService, AuditService, grpc.health.v1) and
 * the config API on the event store. No control service: agents connect to the control processes, which follow
 * the same store.
 */
@Module({})
export class ConfigApiServiceModule {
  static forRoot(config: ConfigApiServiceConfig): DynamicModule {
    return {
      module: ConfigApiServiceModule,
      imports: [
        EventStoreModule.forRoot(config.store),
        OperationsModule,
        GrpcModule.forRoot({
          bindAddress: config.bindAddress,
          port: config.grpc.port,
          maxMessageBytes: config.grpc.maxMessageBytes,
          shutdownTimeoutMs: config.shutdownTimeoutMs,
        }),
        // Last: its GET /:collection route must come after /health and /metrics.
        configApiModuleFor(config),
      ],
    };
  }
}
