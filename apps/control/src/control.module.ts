import { Inject, Logger, Module, type DynamicModule, type OnModuleDestroy, type Provider } from '@nestjs/common';
import type { EventStore } from '#libs/event-store';
import { EVENT_STORE } from '#libs/platform';
import { CONFIG_PROJECTION, DESIRED_STATE, DesiredStateProjection, type ConfigProjection } from '#libs/projections';
import { ControlMetrics } from './control-metrics.js';
import { CONTROL_OPTIONS, type ControlModuleOptions, type XmppListenOptions } from './control-options.js';
import { ControlPlane } from './control-plane/control-plane.js';
import { AgentGrpcEdge } from './grpc/agent-grpc.edge.js';
import { ControlController } from './rest/control.controller.js';
import { XmppBridge } from './xmpp/xmpp-bridge.js';
import { XmppEdge } from './xmpp/xmpp-edge.js';

/**
 * The control service (DESIGN §2, §5): the per-cluster desired-state projection over the config projection
 * (CONFIG_PROJECTION, provided by the config API module or by a control-only process), the control plane with
 * its routing tables and agent sessions, AgentService on the gRPC server, the XMPP bridge for Tungsten Fabric
 * agents (when `xmpp` is given), /control/* views and /metrics series.
 * Global: DESIRED_STATE is also what the audit plane's verify checks.
 */
@Module({})
export class ControlModule implements OnModuleDestroy {
  constructor(
    @Inject(ControlPlane) private readonly plane: ControlPlane,
    @Inject(DESIRED_STATE) private readonly desired: DesiredStateProjection,
  ) {}

  static forRoot(moduleOptions: ControlModuleOptions): DynamicModule {
    const { xmpp, ...options } = moduleOptions;
    const logger = new Logger('ControlPlane');
    return {
      module: ControlModule,
      // Global, so that the audit plane (config API module) reaches DESIRED_STATE, optionally, without importing it.
      global: true,
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
        ...(xmpp ? xmppProviders(xmpp) : []),
      ],
      exports: [ControlPlane, DESIRED_STATE, ...(xmpp ? [XmppBridge] : [])],
    };
  }

  onModuleDestroy(): void {
    this.plane.shutdown();
    this.desired.stop();
  }
}

/** The XMPP bridge on the control plane, and its edge (listen at start, close at shutdown, /metrics). */
function xmppProviders(xmpp: XmppListenOptions): Provider[] {
  const logger = new Logger('XmppBridge');
  return [
    {
      provide: XmppBridge,
      inject: [ControlPlane],
      useFactory: (plane: ControlPlane) =>
        new XmppBridge(plane, {
          ...xmpp,
          log: (level, msg, fields) => (level === 'warn' ? logger.warn({ msg, ...fields }) : logger.log({ msg, ...fields })),
        }),
    },
    XmppEdge,
  ];
}
