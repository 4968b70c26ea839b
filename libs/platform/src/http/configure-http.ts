import type { NestExpressApplication } from '@nestjs/platform-express';
import type { Logger } from 'pino';
import { HttpErrorFilter } from './http-error.filter.js';
import { httpMetricsMiddleware } from './http-metrics.middleware.js';
import { Metrics } from './metrics.js';

export interface HttpEdgeOptions {
  logger: Logger;
  /** Largest JSON request body accepted; larger ones get a JSON 413. */
  bodyLimitBytes: number;
}

/**
 * The HTTP edge every service shares; call it after NestFactory.create and before listen. Order matters: the
 * metrics middleware first (so refused requests count), then the JSON body parser with its limit, then Nest's
 * routes, with every error answered as JSON. The app must be created with `bodyParser: false`, or Nest adds its
 * own parsers with a 100 kB limit.
 */
export function configureHttpEdge(app: NestExpressApplication, options: HttpEdgeOptions): void {
  const metrics = app.get(Metrics);
  app.use(httpMetricsMiddleware(metrics));
  app.useBodyParser('json', { limit: options.bodyLimitBytes });
  metrics.limitsServed('rest_body_bytes');
  app.useGlobalFilters(new HttpErrorFilter(options.logger.child({ component: 'http' }), options.bodyLimitBytes, () => metrics.limitHit('rest_body_bytes')));
  app.disable('x-powered-by');
}
