import { Module, type DynamicModule } from '@nestjs/common';
import { EventStoreModule, GrpcModule, OperationsModule } from '#libs/platform';
import { FileCheckpointStore } from '#libs/projections';
import { ConfigApiModule } from '#apps/config-api';
import { ControlModule } from '#apps/control';
import type { ControllerConfig } from './config/controller-config.js';

/**
 * The all-in-one controller (DESIGN §1): one process on one event store. It composes the operations endpoints,
 * the gRPC server, the control service (AgentService, the XMPP bridge, /control/*) and the config API.
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
        // Before the config API: its /control/* routes would otherwise fall to GET /:type/:uuid.
        ControlModule.forRoot({ ...config.control, xmpp: { port: config.xmpp.port, bindAddress: config.bindAddress } }),
        // Last: its GET /:collection route must come after /health and /metrics.
        ConfigApiModule.forRoot({ projection: projectionSettings(config), audit: config.audit }),
      ],
    };
  }
}

/** The config projection's checkpoints: DATA_DIR/checkpoints/config.checkpoint every CHECKPOINT_EVERY events. */
function projectionSettings(config: ControllerConfig) {
  if (!config.checkpoints) return undefined;
  return { checkpoints: new FileCheckpointStore(config.checkpoints.dir), checkpointEvery: config.checkpoints.every };
}
