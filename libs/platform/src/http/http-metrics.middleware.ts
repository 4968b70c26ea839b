import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';

/** What Express adds to a request once a route matched. */
interface RoutedRequest extends IncomingMessage {
  baseUrl?: string;
  route?: { path?: unknown };
}

/** The label for requests that matched no route (404s, bodies refused before routing): one series, not one per URL. */
export const UNMATCHED_ROUTE = '(unmatched)';

/**
 * Counts every HTTP request and times it, labelled by the route pattern (`/virtual-network/:id`, never the URL
 * itself, which would make a series per object). Mount it before everything else so refused requests count too.
 */
export function httpMetricsMiddleware(metrics: Metrics) {
  return (req: RoutedRequest, res: ServerResponse, next: () => void): void => {
    const started = process.hrtime.bigint();
    res.once('close', () => {
      const routePath = req.route?.path;
      const labels = {
        method: req.method ?? 'UNKNOWN',
        route: typeof routePath === 'string' ? `${req.baseUrl ?? ''}${routePath}` : UNMATCHED_ROUTE,
        status: res.writableFinished ? String(res.statusCode) : 'aborted',
      };
      metrics.httpRequests.inc(labels);
      metrics.httpRequestDuration.observe(labels, Number(process.hrtime.bigint() - started) / 1e9);
    });
    next();
  };
}
