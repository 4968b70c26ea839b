import { Inject, Logger, Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import type { EventStore } from '#libs/event-store';
import { EVENT_STORE } from '#libs/platform';
import { CONFIG_PROJECTION, DESIRED_STATE, DesiredStateProjection, type ConfigProjection } from '#libs/projections';
import { ControlMetrics } from './control-metrics.js';
import { CONTROL_OPTIONS, type ControlOptions } from './control-options.js';
import { ControlPlane } from './control-plane/control-plane.js';
import { AgentGrpcEdge } from './grpc/agent-grpc.edge.js';
import { ControlController } from './rest/control.controller.js';

/**
 * The control service (DESIGN §2, §5): the per-cluster desired-state projection over the config projection
 * (CONFIG_PROJECTION, provided by the config API module or by a control-only process), the control plane with
 * its routing tables and agent sessions, AgentService on the gRPC server, /control/* views and /metrics series.
 */
@Module({})
export class ControlModule implements OnModuleDestroy {
  constructor(
    @Inject(ControlPlane) private readonly plane: ControlPlane,
    @Inject(DESIRED_STATE) private readonly desired: DesiredStateProjection,
  ) {}

  static forRoot(options: ControlOptions): DynamicModule {
    const logger = new Logger('ControlPlane');
    return {
      module: ControlModule,
      controllers: [ControlController],
      providers: [
        { provide: CONTROL_OPTIONS, useValue: options },
        {
          provide: DESIRED_STATE,
          inject: [CONFIG_PROJECTION, EVENT_STORE],
          useFactory: (config: ConfigProjection, store: EventStore) => {
            const desired = new DesiredStateProjection(config, store);
            desired.start();
            return desired;
          },
        },
        {
          provide: ControlPlane,
          inject: [DESIRED_STATE],
          useFactory: (desired: DesiredStateProjection) => {
            const plane = new ControlPlane(desired, {
              ...options,
              log: (level, message, fields) => (level === 'warn' ? logger.warn : logger.log).call(logger, `${message} ${JSON.stringify(fields ?? {})}`),
            });
            plane.start();
            return plane;
          },
        },
        AgentGrpcEdge,
        ControlMetrics,
      ],
      exports: [ControlPlane, DESIRED_STATE],
    };
  }

  onModuleDestroy(): void {
    this.plane.shutdown();
    this.desired.stop();
  }
}
