/**
 * `harbor-image-webhook serve`: runs the webhook until SIGTERM or SIGINT, then
 * stops accepting, answers what is in flight and exits within 10 seconds.
 */
import { parseServeArgs, SERVE_USAGE } from '../config/serve-config.ts';
import { createLogger } from '../server/logger.ts';
import { startServer } from '../server/start.ts';
import type { Command } from './command.ts';

/** Kubernetes sends SIGKILL after terminationGracePeriodSeconds; finish well before. */
const SHUTDOWN_DEADLINE_MS = 10_000;

export const serveCommand: Command = {
  usage: `${SERVE_USAGE}

Examples:
  # on this machine, with a self-signed certificate (what npm start runs)
  harbor-image-webhook serve --config examples/policy.yaml
  # in a Pod: every interface, the certificate from a Secret volume
  harbor-image-webhook serve --config /etc/harbor-image-webhook/policy/policy.yaml \\
    --tls-cert /etc/harbor-image-webhook/tls/tls.crt --tls-key /etc/harbor-image-webhook/tls/tls.key \\
    --host 0.0.0.0 --port 8443 --namespace-aware`,
  run: runServe,
};

/**
 * Starts the server and resolves with the exit code once a signal has
 * stopped it. A start-up failure (bad policy, certificate, port in use) is
 * thrown, for the command line to report.
 */
async function runServe(args: readonly string[]): Promise<number> {
  const config = parseServeArgs(args);
  const logger = createLogger(config.logLevel);
  const running = await startServer(config, logger);
  return new Promise<number>((resolve) => {
    const shutdown = (signal: NodeJS.Signals): void => {
      logger.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
      const deadline = setTimeout(() => {
        logger.error(
          { deadlineMs: SHUTDOWN_DEADLINE_MS },
          'shutdown deadline passed; exiting with requests unfinished',
        );
        resolve(1);
      }, SHUTDOWN_DEADLINE_MS);
      deadline.unref();
      running.close().then(
        () => {
          clearTimeout(deadline);
          logger.info('stopped');
          resolve(0);
        },
        (error: unknown) => {
          logger.error({ err: error }, 'error while stopping');
          resolve(1);
        },
      );
    };
    process.once('SIGTERM', shutdown);
    process.once('SIGINT', shutdown);
  });
}
