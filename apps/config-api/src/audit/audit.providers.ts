import { Inject, Injectable, Logger, type OnModuleDestroy, type Provider } from '@nestjs/common';
import { AuditEngine, DESIRED_STATE, type DesiredStateProjection } from '#libs/projections';
import { CONFIG_API, type ConfigApi } from '../config-api.js';
import type { AuditSettings } from './audit-config.js';
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
 * The audit plane's providers for ConfigApiModule: the AuditEngine over the config API's store, the queries, and
 * AuditService on the gRPC server when there is one.
 *
 * The engine starts in the background: its replay of the log (taking a snapshot every `snapshotEvery` events,
 * AUDIT_SNAPSHOT_EVERY) does not hold the start of the process, whose config projection has already folded the
 * log (or resumed from a checkpoint). Until it has caught up, as-of reads and diffs wait for it a while, then
 * answer 503 with how far it is (AuditEngine).
 *
 * Verify checks the desired-state projection too when the process has one (DESIRED_STATE, from the control
 * module, which is global); a config API alone checks the config state only.
 */
export function auditProviders(settings: Partial<AuditSettings> = {}): Provider[] {
  const logger = new Logger('AuditEngine');
  return [
    {
      provide: AUDIT_ENGINE,
      inject: [CONFIG_API],
      useFactory: (api: ConfigApi): AuditEngine => {
        const engine = new AuditEngine(api.store, { snapshotEvery: settings.snapshotEvery });
        const started = Date.now();
        engine.start().then(
          () => {
            const { position } = engine.progress;
            logger.log(`caught up with the log at position ${position} in ${Date.now() - started} ms, ${engine.snapshotPositions().length} snapshots`);
          },
          (error: unknown) => {
            // As-of reads still answer, folding from the snapshots taken so far (or from 0).
            logger.error(`the replay of the log failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
          },
        );
        return engine;
      },
    },
    {
      provide: AUDIT_QUERIES,
      inject: [CONFIG_API, AUDIT_ENGINE, { token: DESIRED_STATE, optional: true }],
      useFactory: (api: ConfigApi, engine: AuditEngine, desired: DesiredStateProjection | undefined) =>
        new AuditQueries(api.store, engine, () => api.projection.state, desired),
    },
    AuditEngineStopper,
    AuditGrpcEdge,
  ];
}
