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

let lastMillis = Number.NaN;
let lastTimestamp = '';

/**
 * pino's ISO timestamp, formatted once per millisecond: under load several
 * lines share one, and `toISOString` was 2 % of the webhook's CPU.
 */
function isoTimestamp(): string {
  const now = Date.now();
  if (now !== lastMillis) {
    lastMillis = now;
    lastTimestamp = `,"time":"${new Date(now).toISOString()}"`;
  }
  return lastTimestamp;
}

/** Creates the root logger. `destination` is for tests; production logs to stdout. */
export function createLogger(level: LevelWithSilent, destination?: DestinationStream): Logger {
  const options = {
    level,
    base: { service: 'harbor-image-webhook' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    timestamp: isoTimestamp,
    formatters: { level: (label: string) => ({ level: label }) },
  };
  return destination === undefined ? pino(options) : pino(options, destination);
}

/**
 * The logger for the one line each admission writes. Every field of that line
 * is chosen by the route (ids, names, counts, the outcome), never an object
 * from the request, so nothing on it can hold a secret; it skips the redaction
 * pass, which cost 11–15 µs a line, more than the rest of the line together
 * (BENCHMARKS.md, finding 9). Anything else is logged through the root logger.
 */
export function fixedFieldsLogger(root: Logger): Logger {
  return root.child({}, { redact: [] });
}
