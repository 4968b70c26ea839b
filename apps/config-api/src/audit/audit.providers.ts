import { Inject, Injectable, type OnModuleDestroy, type Provider } from '@nestjs/common';
import { EnvReader } from '#libs/config';
import { AuditEngine } from '#libs/projections';
import { CONFIG_API, type ConfigApi } from '../config-api.js';
import { readAuditOptions } from './audit-config.js';
import { AuditQueries } from './audit-queries.js';
import { AUDIT_ENGINE, AUDIT_QUERIES } from './audit.tokens.js';
import { AuditGrpcEdge } from './grpc/audit-grpc.edge.js';

/** Stops the engine's log subscription before the store closes (the store closes on application shutdown). */
@Injectable()
class AuditEngineStopper implements OnModuleDestroy {
  constructor(@Inject(AUDIT_ENGINE) private readonly engine: AuditEngine) {}

  async onModuleDestroy(): Promise<void> {
    await this.engine.stop();
  }
}

/**
 * The audit plane's providers for ConfigApiModule: the AuditEngine over the config API's store, started at boot
 * (it replays the log once, taking snapshots every AUDIT_SNAPSHOT_EVERY events, then follows it), the queries,
 * and AuditService on the gRPC server when there is one. A bad AUDIT_SNAPSHOT_EVERY stops the start.
 */
export const auditProviders: Provider[] = [
  {
    provide: AUDIT_ENGINE,
    inject: [CONFIG_API],
    useFactory: async (api: ConfigApi): Promise<AuditEngine> => {
      const reader = new EnvReader(process.env);
      const engine = new AuditEngine(api.store, reader.finish(readAuditOptions(reader)));
      await engine.start();
      return engine;
    },
  },
  {
    provide: AUDIT_QUERIES,
    inject: [CONFIG_API, AUDIT_ENGINE],
    useFactory: (api: ConfigApi, engine: AuditEngine) => new AuditQueries(api.store, engine, () => api.projection.state),
  },
  AuditEngineStopper,
  AuditGrpcEdge,
];
