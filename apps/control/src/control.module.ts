import { Inject, Logger, Module, type DynamicModule, type OnModuleDestroy, type Provider } from '@nestjs/common';
import type { EventStore } from '#libs/event-store';
import { EVENT_STORE, Metrics, SERVER_TLS, type ServerTls } from '#libs/platform';
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
          inject: [DESIRED_STATE, { token: Metrics, optional: true }],
          useFactory: (desired: DesiredStateProjection, metrics?: Metrics) => {
            metrics?.limitsServed('agent_pending_routes', 'agent_sessions_per_address', 'agent_connect_rate');
            const plane = new ControlPlane(desired, {
              ...options,
              onLimitHit: (limit) => metrics?.limitHit(limit),
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

/**
 * The XMPP bridge on the control plane, and its edge (listen at start, close at shutdown, /metrics). With XMPP_TLS on
 * or require it serves STARTTLS with the process's TLS files (SERVER_TLS, provided by startNestService).
 */
function xmppProviders(xmpp: XmppListenOptions): Provider[] {
  const logger = new Logger('XmppBridge');
  return [
    {
      provide: XmppBridge,
      inject: [ControlPlane, { token: SERVER_TLS, optional: true }, { token: Metrics, optional: true }],
      useFactory: (plane: ControlPlane, serverTls: ServerTls | undefined, metrics: Metrics | undefined) => {
        metrics?.limitsServed('xmpp_stanza_bytes');
        const { tls: mode, ...listen } = xmpp;
        if (mode && !serverTls) throw new Error(`XMPP_TLS=${mode} needs the process's TLS files (TLS_CERT_FILE, TLS_KEY_FILE, TLS_CLIENT_CA_FILE)`);
        if (mode) serverTls?.use('xmpp');
        return new XmppBridge(plane, {
          ...listen,
          ...(mode && serverTls ? { tls: { mode, certificates: serverTls } } : {}),
          onLimitHit: (limit) => metrics?.limitHit(limit),
          log: (level, msg, fields) => (level === 'warn' ? logger.warn({ msg, ...fields }) : logger.log({ msg, ...fields })),
        });
      },
    },
    XmppEdge,
  ];
}
