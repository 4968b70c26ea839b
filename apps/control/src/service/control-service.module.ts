import { Inject, Logger, Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import type { EventStore } from '#libs/event-store';
import { EVENT_STORE, EventStoreModule, GrpcModule, OperationsModule, ProjectionMetrics } from '#libs/platform';
import { CONFIG_PROJECTION, ConfigProjection, FileCheckpointStore, type ProjectionLog } from '#libs/projections';
import { ControlModule } from '../control.module.js';
import { controlAuthProviders } from './control-service-auth.js';
import type { ControlServiceConfig } from './control-service-config.js';

/** The config projection of a control-only process: folded from its own checkpoint, on /metrics as "config". */
@Module({})
class ControlConfigProjectionModule implements OnModuleDestroy {
  constructor(@Inject(CONFIG_PROJECTION) private readonly projection: ConfigProjection) {}

  static forRoot(config: ControlServiceConfig): DynamicModule {
    const logger = new Logger('ConfigProjection');
    const log: ProjectionLog = (level, msg, fields) => (level === 'info' ? logger.log({ msg, ...fields }) : logger[level]({ msg, ...fields }));
    return {
      module: ControlConfigProjectionModule,
      global: true,
      providers: [
        {
          provide: CONFIG_PROJECTION,
          inject: [EVENT_STORE, ProjectionMetrics],
          useFactory: async (store: EventStore, metrics: ProjectionMetrics): Promise<ConfigProjection> => {
            const checkpoints = config.checkpoints ? new FileCheckpointStore(config.checkpoints.dir) : undefined;
            const projection = new ConfigProjection(store, { checkpoints, checkpointEvery: config.checkpoints?.every, log });
            await projection.start();
            metrics.register({
              name: projection.name,
              lag: (head, now) => projection.lag.sample(head, now),
              checkpointPosition: () => projection.checkpointPosition,
            });
            return projection;
          },
        },
      ],
      exports: [CONFIG_PROJECTION],
    };
  }

  async onModuleDestroy(): Promise<void> {
    await this.projection.stop();
  }
}

/**
 * The control service as its own process (DESIGN §1, multi-cluster: "control (≥2 replicas)" in the central
 * cluster): it follows the event store the config API writes, keeps its own config projection and desired state,
 * and serves AgentService (and Tungsten Fabric agents over XMPP) to the agents of every workload cluster. No
 * config writes happen here. Its /control/* views need a bearer token as the config API's do (AUTH_*); /health,
 * /metrics, AgentService and grpc.health.v1 stay open.
 */
@Module({})
export class ControlServiceModule {
  static forRoot(config: ControlServiceConfig): DynamicModule {
    return {
      module: ControlServiceModule,
      imports: [
        EventStoreModule.forRoot(config.store),
        OperationsModule,
        GrpcModule.forRoot({
          bindAddress: config.bindAddress,
          port: config.grpc.port,
          maxMessageBytes: config.grpc.maxMessageBytes,
          shutdownTimeoutMs: config.shutdownTimeoutMs,
        }),
        ControlConfigProjectionModule.forRoot(config),
        ControlModule.forRoot({ ...config.control, xmpp: { ...config.xmpp, bindAddress: config.bindAddress } }),
      ],
      providers: controlAuthProviders(config.auth),
    };
  }
}
