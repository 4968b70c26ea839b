import { Global, Module } from '@nestjs/common';
import { HealthController } from './health.controller.js';
import { Metrics } from './metrics.js';
import { MetricsController } from './metrics.controller.js';
import { ProjectionMetrics } from './projection-metrics.js';

/**
 * What every service exposes for operating it (DESIGN §8): GET /health and GET /metrics. Metrics is global so
 * that feature modules can register their own series on the same registry, and projections their progress
 * with ProjectionMetrics.
 */
@Global()
@Module({
  controllers: [HealthController, MetricsController],
  providers: [Metrics, ProjectionMetrics],
  exports: [Metrics, ProjectionMetrics],
})
export class OperationsModule {}
