import { Module, type DynamicModule } from '@nestjs/common';
import { EventStoreModule, GrpcModule, OperationsModule } from '#libs/platform';
import { ConfigApiModule } from '#apps/config-api';
import type { ControllerConfig } from './config/controller-config.js';

/**
 * The all-in-one controller (DESIGN §1): one process on one event store. For now it composes the operations
 * endpoints, the gRPC server and the config API; control and the XMPP bridge join here as their modules land.
 */
@Module({})
export class ControllerModule {
  static forRoot(config: ControllerConfig): DynamicModule {
    return {
      module: ControllerModule,
      imports: [
        EventStoreModule.forRoot(config.store),
        OperationsModule,
        GrpcModule.forRoot({ bindAddress: config.bindAddress, port: config.grpc.port, shutdownTimeoutMs: config.shutdownTimeoutMs }),
        // Last: its GET /:collection route must come after /health and /metrics.
        ConfigApiModule.forRoot(),
      ],
    };
  }
}
