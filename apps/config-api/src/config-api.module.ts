import { Inject, Module, type DynamicModule, type OnModuleDestroy } from '@nestjs/common';
import type { EventStore } from '#libs/event-store';
import { EVENT_STORE } from '#libs/platform';
import { CONFIG_PROJECTION, ConfigProjection } from '#libs/projections';
import { CONFIG_MODEL } from '#libs/domain';
import { AUTHENTICATOR, type AuthSettings } from '#libs/security';
import { AuditController } from './audit/audit.controller.js';
import type { AuditSettings } from './audit/audit-config.js';
import { auditProviders } from './audit/audit.providers.js';
import { authProviders } from './auth/auth.providers.js';
import { RefusalRecorder } from './auth/refusal-recorder.js';
import { RefusalsController } from './auth/refusals.controller.js';
import { ensureDefaultObjects } from './bootstrap/default-objects.js';
import { ConfigCommandService } from './commands/config-command.service.js';
import { CONFIG_API, type ConfigApi } from './config-api.js';
import { ConfigProjectionMetrics, nestProjectionLog, type ConfigProjectionSettings } from './config-projection-wiring.js';
import { ConfigGrpcEdge } from './grpc/config-grpc.edge.js';
import { DocsController } from './docs/docs.controller.js';
import { ActionsController } from './rest/actions.controller.js';
import { ConfigViews, LIST_LIMITS } from './rest/config-views.js';
import type { ListLimits } from './rest/list-query.js';
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
   * `lists`: LIST_MAX_PAGE and LIST_MAX_UNPAGED (list-query.ts DEFAULT_LIST_LIMITS by default).
   * `auth`: the AUTH_* settings (libs/security); none: no credentials, anonymous callers are admins.
   */
  static forRoot(
    options: { projection?: ConfigProjectionSettings; audit?: Partial<AuditSettings>; lists?: ListLimits; auth?: AuthSettings } = {},
  ): DynamicModule {
    return {
      module: ConfigApiModule,
      // Global, so that the control module (and others) reach the config projection without importing this one.
      global: true,
      // DocsController, AuditController and RefusalsController first: ResourceController's `GET /:collection` and
      // `GET /:type/:uuid` would take /docs/* and /audit/*.
      controllers: [DocsController, AuditController, RefusalsController, ActionsController, ResourceController],
      providers: [
        {
          provide: CONFIG_API,
          inject: [EVENT_STORE, RefusalRecorder],
          useFactory: async (store: EventStore, refusals: RefusalRecorder): Promise<ConfigApi> => {
            const model = CONFIG_MODEL;
            const projection = new ConfigProjection(store, { ...options.projection, log: nestProjectionLog() });
            await projection.start();
            const commands = new ConfigCommandService(store, projection, model, refusals);
            await ensureDefaultObjects(commands);
            return { store, model, projection, commands };
          },
        },
        { provide: CONFIG_PROJECTION, inject: [CONFIG_API], useFactory: (api: ConfigApi) => api.projection },
        ConfigProjectionMetrics,
        ...(options.lists ? [{ provide: LIST_LIMITS, useValue: options.lists }] : []),
        ConfigViews,
        ConfigGrpcEdge,
        ...auditProviders(options.audit),
        ...authProviders(options.auth),
      ],
      exports: [CONFIG_API, CONFIG_PROJECTION, AUTHENTICATOR],
    };
  }

  async onModuleDestroy(): Promise<void> {
    await this.api.projection.stop();
  }
}
