/**
 * The process's one logger: pino JSON lines. Created once by `serve` and
 * passed down. Anything that could carry a secret is redacted by path, so a
 * careless `log.info({ request })` cannot leak a token or a key.
 */
import { pino, type DestinationStream, type Logger, type LevelWithSilent } from 'pino';

export type { Logger };

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'headers.authorization',
  'authorization',
  'token',
  'password',
  'key',
  'privateKey',
  'privateKeyPem',
  'tls.key',
  '*.key',
  '*.privateKeyPem',
  '*.token',
  '*.password',
];

/** Creates the root logger. `destination` is for tests; production logs to stdout. */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'harbor-image-webhook' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}
