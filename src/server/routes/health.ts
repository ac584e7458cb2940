/** Liveness and readiness for the kubelet's probes. */
import type { ReadinessCheck } from '../live-state.ts';
import type { WebhookServer } from '../webhook-server.ts';

export function registerHealthRoutes(
  app: WebhookServer,
  readinessChecks: readonly ReadinessCheck[],
): void {
  // Liveness says only that the event loop answers: restarting for anything else would not help.
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const problems = readinessChecks.flatMap((check) => check() ?? []);
    if (problems.length === 0) return { status: 'ready' };
    return reply.code(503).send({ status: 'not ready', problems });
  });
}
