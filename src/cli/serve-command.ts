/**
 * `harbor-image-webhook serve`: runs the webhook until SIGTERM or SIGINT, then
 * stops accepting, answers what is in flight and exits within 10 seconds.
 */
import { PolicyFileError } from '../config/policy-file.ts';
import { parseServeArgs } from '../config/serve-config.ts';
import { createLogger } from '../server/logger.ts';
import { startServer } from '../server/start.ts';

/** Kubernetes sends SIGKILL after terminationGracePeriodSeconds; finish well before. */
const SHUTDOWN_DEADLINE_MS = 10_000;

export async function runServe(args: readonly string[]): Promise<number> {
  const config = parseServeArgs(args);
  const logger = createLogger(config.logLevel);
  let server;
  try {
    server = await startServer(config, logger);
  } catch (error) {
    if (error instanceof PolicyFileError) {
      logger.fatal(
        { file: error.file, problems: error.problems },
        'policy file refused; not starting',
      );
    } else {
      logger.fatal({ err: error }, 'cannot start');
    }
    return 2;
  }
  const running = server;
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
