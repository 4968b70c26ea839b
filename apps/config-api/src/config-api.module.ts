import { Inject, Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import type { EventStore } from '#libs/event-store';
import { EVENT_STORE } from '#libs/platform';
import { CONFIG_PROJECTION, ConfigProjection } from '#libs/projections';
import { CONFIG_MODEL } from '#libs/domain';
import { AuditController } from './audit/audit.controller.js';
import type { AuditSettings } from './audit/audit-config.js';
import { auditProviders } from './audit/audit.providers.js';
import { ensureDefaultObjects } from './bootstrap/default-objects.js';
import { ConfigCommandService } from './commands/config-command.service.js';
import { CONFIG_API, type ConfigApi } from './config-api.js';
import { ConfigProjectionMetrics, nestProjectionLog, type ConfigProjectionSettings } from './config-projection-wiring.js';
import { ConfigGrpcEdge } from './grpc/config-grpc.edge.js';
import { DocsController } from './docs/docs.controller.js';
import { ActionsController } from './rest/actions.controller.js';
import { ConfigViews } from './rest/config-views.js';
import { ResourceController } from './rest/resource.controller.js';

/**
 * The config API (DESIGN §2, §3, §6): the config projection followed from the log, the command service that
 * writes to it, the Contrail REST routes, and contrail.config.v1.ConfigService on the process's gRPC server (when
 * GrpcModule is there). Needs EVENT_STORE from the EventStoreModule. Import it after the operations module: its
 * `GET /:collection` route would otherwise shadow `/health` and `/metrics`.
 */
@Module({})
export class ConfigApiModule implements OnModuleDestroy {
  constructor(@Inject(CONFIG_API) private readonly api: ConfigApi) {}

  /**
   * `projection`: checkpoints for the config projection (none by default: it folds the log from 0 at start).
   * `audit`: the audit engine's snapshot spacing (AUDIT_SNAPSHOT_EVERY; default 50,000 events).
   */
  static forRoot(options: { projection?: ConfigProjectionSettings; audit?: Partial<AuditSettings> } = {}): DynamicModule {
    return {
      module: ConfigApiModule,
      // Global, so that the control module (and others) reach the config projection without importing this one.
      global: true,
      // DocsController and AuditController first: ResourceController's `GET /:collection` and `GET /:type/:uuid`
      // would take /docs/* and /audit/*.
      controllers: [DocsController, AuditController, ActionsController, ResourceController],
      providers: [
        {
          provide: CONFIG_API,
          inject: [EVENT_STORE],
          useFactory: async (store: EventStore): Promise<ConfigApi> => {
            const model = CONFIG_MODEL;
            const projection = new ConfigProjection(store, { ...options.projection, log: nestProjectionLog() });
            await projection.start();
            const commands = new ConfigCommandService(store, projection, model);
            await ensureDefaultObjects(commands);
            return { store, model, projection, commands };
          },
        },
        { provide: CONFIG_PROJECTION, inject: [CONFIG_API], useFactory: (api: ConfigApi) => api.projection },
        ConfigProjectionMetrics,
        ConfigViews,
        ConfigGrpcEdge,
        ...auditProviders(options.audit),
      ],
      exports: [CONFIG_API, CONFIG_PROJECTION],
    };
  }

  async onModuleDestroy(): Promise<void> {
    await this.api.projection.stop();
  }
}
