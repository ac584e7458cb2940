/**
 * Starts the namespace view and pull-secret sync for `serve --namespace-aware`,
 * with their results counted in the server's metrics.
 */
import type { ServeConfig } from '../config/serve-config.ts';
import { loadKubeConfig } from '../kube/kube-config.ts';
import { startNamespaceAwareness, type NamespaceAwareness } from '../kube/namespace-awareness.ts';
import type { LiveState } from './live-state.ts';
import type { Logger } from './logger.ts';
import type { WebhookMetrics } from './metrics.ts';

/** Starts the namespace view (`config.namespaceAware`). Imported on demand by start.ts. */
export function startNamespaceWiring(
  config: ServeConfig,
  state: LiveState,
  logger: Logger,
  metrics: WebhookMetrics,
): NamespaceAwareness {
  return startNamespaceAwareness({
    kubeConfig: loadKubeConfig({ kubeconfig: config.kubeconfig }),
    ...(config.optInLabel === undefined ? {} : { optInLabel: config.optInLabel }),
    policy: () => state.policy,
    // Not a child with a component: namespace-awareness names each of its parts itself,
    // and pino writes a key bound twice twice.
    logger,
    hooks: {
      onSyncResult: (result) => metrics.pullSecretSyncs.inc({ result }),
      onWatchRestart: (collection, reason) => metrics.watchRestarts.inc({ collection, reason }),
    },
  });
}
