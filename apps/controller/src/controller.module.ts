import { Module, type DynamicModule } from '@nestjs/common';
import { EventStoreModule, GrpcModule, OperationsModule } from '#libs/platform';
import { configApiModuleFor } from '#apps/config-api';
import { ControlModule } from '#apps/control';
import { KubemanagerSupervisorModule } from '#apps/kubemanager';
import type { ControllerConfig } from './config/controller-config.js';

/**
 * The all-in-one controller (DESIGN §1): one process on one event store. It composes the operations endpoints,
 * the gRPC server, the control service (AgentService, the XMPP bridge, /control/*), the config API and the
 * kubemanagers of attached workload clusters.
 */
@Module({})
export class ControllerModule {
  static forRoot(config: ControllerConfig): DynamicModule {
    return {
      module: ControllerModule,
      imports: [
        EventStoreModule.forRoot(config.store),
        OperationsModule,
        GrpcModule.forRoot({
          bindAddress: config.bindAddress,
          port: config.grpc.port,
          maxMessageBytes: config.grpc.maxMessageBytes,
          shutdownTimeoutMs: config.shutdownTimeoutMs,
        }),
        // Before the config API: its /control/* routes would otherwise fall to GET /:type/:uuid.
        ControlModule.forRoot({ ...config.control, xmpp: { ...config.xmpp, bindAddress: config.bindAddress } }),
        // Last of the HTTP routes: its GET /:collection route must come after /health and /metrics.
        configApiModuleFor(config),
        // One in-process kubemanager per attached cluster with a kubeconfig file (docs/kubemanager.md).
        KubemanagerSupervisorModule.forRoot(config.kubemanagers),
      ],
    };
  }
}
