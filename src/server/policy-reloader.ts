/**
 * Reloads the policy when its file changes (a ConfigMap volume update). A new
 * policy that does not validate is logged with every problem and ignored: the
 * server keeps the last good one rather than running half-configured.
 */
import type { Policy } from '../core/policy.ts';
import { parsePolicyText } from '../core/policy-text.ts';
import { watchFiles } from './file-watch.ts';
import type { LiveState } from './live-state.ts';
import type { Logger } from './logger.ts';
import type { WebhookMetrics } from './metrics.ts';

export interface PolicyReloaderOptions {
  readonly file: string;
  /** The content the current policy was loaded from. */
  readonly initial: Buffer;
  readonly intervalMs: number;
  readonly state: LiveState;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
  /** Called with each policy taken into use, after `state.policy` holds it. */
  readonly onReload?: (policy: Policy) => void;
}

export function watchPolicyFile(options: PolicyReloaderOptions): () => void {
  const { file, state, metrics, logger } = options;
  return watchFiles({
    files: [file],
    intervalMs: options.intervalMs,
    initial: [options.initial],
    onChange: ([content]) => {
      const text = (content ?? Buffer.alloc(0)).toString('utf8');
      const loaded = parsePolicyText(text);
      if (!loaded.ok) {
        metrics.reloads.inc({ kind: 'policy', result: 'failure' });
        logger.error(
          { file, problems: loaded.problems },
          'new policy refused; keeping the previous policy',
        );
        return true; // do not report the same bad content again on every check
      }
      state.policy = loaded.policy;
      state.policyText = text;
      metrics.reloads.inc({ kind: 'policy', result: 'success' });
      logger.info({ file, rules: loaded.policy.rules.length }, 'policy reloaded');
      options.onReload?.(loaded.policy);
      return true;
    },
    onError: (error) => {
      metrics.reloads.inc({ kind: 'policy', result: 'failure' });
      logger.warn({ err: error, file }, 'cannot read the policy file; keeping the previous policy');
    },
  });
}
