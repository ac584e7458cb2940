/**
 * Swaps the serving certificate when its files change (a Secret volume update
 * after renewal), without a restart and without dropping a connection. A new
 * pair that fails the checks is logged and ignored: the old one keeps serving.
 */
import { watchFiles } from './file-watch.ts';
import type { LiveState } from './live-state.ts';
import type { Logger } from './logger.ts';
import type { WebhookMetrics } from './metrics.ts';
import { checkTlsPair, type TlsCredentials } from './tls-credentials.ts';

export interface TlsReloaderOptions {
  readonly certFile: string;
  readonly keyFile: string;
  readonly initial: TlsCredentials;
  readonly intervalMs: number;
  /** Installs new credentials on the listening server. */
  readonly apply: (credentials: TlsCredentials) => void;
  readonly state: LiveState;
  readonly metrics: WebhookMetrics;
  readonly logger: Logger;
}

export function watchTlsFiles(options: TlsReloaderOptions): () => void {
  const { state, metrics, logger } = options;
  return watchFiles({
    files: [options.certFile, options.keyFile],
    intervalMs: options.intervalMs,
    initial: [options.initial.certificatePem, options.initial.privateKeyPem],
    onChange: ([certificatePem, privateKeyPem]) => {
      const checked = checkTlsPair(
        certificatePem ?? Buffer.alloc(0),
        privateKeyPem ?? Buffer.alloc(0),
        new Date(),
      );
      if (!checked.ok) {
        // Often a half-finished update (cert written, key not yet): the next check will see both.
        metrics.reloads.inc({ kind: 'tls', result: 'failure' });
        logger.warn(
          { problem: checked.problem },
          'new TLS files refused; still serving the previous certificate',
        );
        return false;
      }
      options.apply(checked.credentials);
      state.certificateNotAfter = checked.credentials.notAfter;
      metrics.certificateExpiry.set(checked.credentials.notAfter.getTime() / 1000);
      metrics.reloads.inc({ kind: 'tls', result: 'success' });
      logger.info(
        {
          notAfter: checked.credentials.notAfter.toISOString(),
          fingerprint: checked.credentials.fingerprint,
        },
        'serving certificate reloaded',
      );
      return true;
    },
    onError: (error) => {
      metrics.reloads.inc({ kind: 'tls', result: 'failure' });
      logger.warn({ err: error }, 'cannot read TLS files; still serving the previous certificate');
    },
  });
}
