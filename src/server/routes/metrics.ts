/** Prometheus scrape endpoint. */
import type { WebhookMetrics } from '../metrics.ts';
import type { WebhookServer } from '../webhook-server.ts';

export function registerMetricsRoute(app: WebhookServer, metrics: WebhookMetrics): void {
  app.get('/metrics', async (_request, reply) => {
    reply.header('content-type', metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
