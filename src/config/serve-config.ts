/**
 * `serve`'s configuration, from its command-line flags. Validated once; the
 * result is frozen and passed down. The only module that knows flag names.
 */
import { parseArgs } from 'node:util';
import type { LevelWithSilent } from 'pino';
import { optInSelector } from '../kube/opt-in-label.ts';
import { DEFAULT_PREVIEW_LIMITS, type PreviewLimits } from '../preview/preview-limits.ts';
import { LOG_LEVELS } from '../server/logger.ts';
import { describeFlagError } from './command-flags.ts';
import { UsageError } from './user-error.ts';

export interface ServeConfig {
  readonly configFile: string;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly clientCaFile?: string;
  readonly previewTokenFile?: string;
  readonly host: string;
  readonly port: number;
  /** Plain-HTTP port serving only /metrics and /healthz; absent: no such listener. */
  readonly metricsPort?: number;
  /** Address of that listener; absent: the same as `host`. */
  readonly metricsHost?: string;
  readonly logLevel: LevelWithSilent;
  /** How often certificate and policy files are checked for changes. */
  readonly reloadIntervalMs: number;
  /** Watch Namespaces and pull Secrets (and sync pull Secrets when the policy asks). */
  readonly namespaceAware?: boolean;
  /** `key=value` label that opts a namespace in (the registration's namespaceSelector). */
  readonly optInLabel?: string;
  /** Kubeconfig for the namespace view; in-cluster or the default when absent. */
  readonly kubeconfig?: string;
  /** Limits of /preview; each absent one keeps its default. */
  readonly preview?: Partial<PreviewFlags>;
}

/** The /preview limits `serve` takes as flags: the parser's limits but its token bound, plus body and time. */
export interface PreviewFlags extends Pick<
  PreviewLimits,
  'maxYamlBytes' | 'maxDocuments' | 'maxObjects'
> {
  readonly maxBodyBytes: number;
  readonly timeoutMs: number;
}

/**
 * Defaults of the /preview flags, as the usage text states them. A `helm
 * template` of a large chart is a few hundred KiB; 8 MiB leaves room for Lists
 * from `kubectl get -o json`.
 */
export const PREVIEW_FLAG_DEFAULTS: PreviewFlags = Object.freeze({
  maxBodyBytes: 8 * 1024 * 1024,
  ...DEFAULT_PREVIEW_LIMITS,
  timeoutMs: 10_000,
});

export const SERVE_USAGE = `usage: harbor-image-webhook serve --config FILE [--tls-cert FILE --tls-key FILE] [--host 127.0.0.1] [--port 8443]
  --config FILE             policy file (YAML or JSON); reloaded when it changes
  --tls-cert FILE           serving certificate (PEM, leaf first); reloaded when it changes
  --tls-key FILE            its private key (PEM)
                            without both: an in-memory self-signed certificate, for local use
  --client-ca-file FILE     require client certificates signed by this CA on /mutate and /preview
  --preview-token-file FILE require "Authorization: Bearer <token>" on /preview
  --port N                  HTTPS port (default 8443; 0 picks a free one)
  --host ADDRESS            address to listen on (default 127.0.0.1, this machine only;
                            0.0.0.0 or :: for every interface, as in a Pod)
  --metrics-port N          also serve GET /metrics (and /healthz) over plain HTTP on this port,
                            for scrapers without TLS; nothing else is served there (default: off;
                            /metrics stays on the HTTPS port either way)
  --metrics-host ADDRESS    address of the metrics port (default: the --host address)
  --log-level LEVEL         ${LOG_LEVELS.join(' | ')} (default info)
  --reload-interval SECONDS how often certificate and policy files are checked (default 5)
  --namespace-aware         watch opted-in Namespaces and their pull Secrets (needs API access):
                            namespace annotation overrides, missing-secret warnings, pullSecretSync
  --opt-in-label KEY=VALUE  the label that opts a namespace in (default harbor-image-webhook/enabled=true)
  --kubeconfig FILE         cluster to watch (default: in-cluster, then $KUBECONFIG, ~/.kube/config)
  --preview-max-body-bytes N
                            largest /preview body (default ${PREVIEW_FLAG_DEFAULTS.maxBodyBytes}, 8 MiB)
  --preview-max-yaml-bytes N
                            largest /preview body that is not plain JSON (default ${PREVIEW_FLAG_DEFAULTS.maxYamlBytes}, 2 MiB)
  --preview-max-documents N
                            most YAML documents in one /preview body (default ${PREVIEW_FLAG_DEFAULTS.maxDocuments})
  --preview-max-objects N
                            most objects in one /preview body, List items included (default ${PREVIEW_FLAG_DEFAULTS.maxObjects})
  --preview-timeout SECONDS
                            a /preview still running after this is stopped (default ${PREVIEW_FLAG_DEFAULTS.timeoutMs / 1000})`;

export { UsageError };

/** Parses `serve`'s arguments. Throws {@link UsageError} with the reason. */
export function parseServeArgs(args: readonly string[]): ServeConfig {
  const { values } = parseStrict(args);
  if (values.config === undefined) throw new UsageError('--config is required');
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together');
  }
  const logLevel = values['log-level'] ?? 'info';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const port = parseInteger('--port', values.port ?? '8443', 0, 65535);
  return Object.freeze({
    configFile: values.config,
    ...optional('tlsCertFile', values['tls-cert']),
    ...optional('tlsKeyFile', values['tls-key']),
    ...optional('clientCaFile', values['client-ca-file']),
    ...optional('previewTokenFile', values['preview-token-file']),
    host: values.host ?? '127.0.0.1',
    port,
    ...metricsListener(values, port),
    logLevel: logLevel as LevelWithSilent,
    reloadIntervalMs:
      parseInteger('--reload-interval', values['reload-interval'] ?? '5', 1, 3600) * 1000,
    namespaceAware: values['namespace-aware'] ?? false,
    ...optional('optInLabel', checkOptInLabel(values['opt-in-label'])),
    ...optional('kubeconfig', values.kubeconfig),
    preview: Object.freeze(previewFlags(values)),
  });
}

function previewFlags(values: Partial<Record<string, string | boolean>>): Partial<PreviewFlags> {
  const read = (flag: string, min: number, max: number): number | undefined => {
    const text = values[flag];
    return typeof text === 'string' ? parseInteger(`--${flag}`, text, min, max) : undefined;
  };
  const maxBodyBytes = read('preview-max-body-bytes', 1024, 64 * 1024 * 1024);
  const maxYamlBytes = read('preview-max-yaml-bytes', 1024, 64 * 1024 * 1024);
  const maxDocuments = read('preview-max-documents', 1, 100_000);
  const maxObjects = read('preview-max-objects', 1, 100_000);
  const timeoutSeconds = read('preview-timeout', 1, 300);
  return {
    ...(maxBodyBytes === undefined ? {} : { maxBodyBytes }),
    ...(maxYamlBytes === undefined ? {} : { maxYamlBytes }),
    ...(maxDocuments === undefined ? {} : { maxDocuments }),
    ...(maxObjects === undefined ? {} : { maxObjects }),
    ...(timeoutSeconds === undefined ? {} : { timeoutMs: timeoutSeconds * 1000 }),
  };
}

function parseStrict(args: readonly string[]) {
  try {
    return parseArgs({
      args: [...args],
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        'client-ca-file': { type: 'string' },
        'preview-token-file': { type: 'string' },
        port: { type: 'string' },
        host: { type: 'string' },
        'metrics-port': { type: 'string' },
        'metrics-host': { type: 'string' },
        'log-level': { type: 'string' },
        'reload-interval': { type: 'string' },
        'namespace-aware': { type: 'boolean' },
        'opt-in-label': { type: 'string' },
        kubeconfig: { type: 'string' },
        'preview-max-body-bytes': { type: 'string' },
        'preview-max-yaml-bytes': { type: 'string' },
        'preview-max-documents': { type: 'string' },
        'preview-max-objects': { type: 'string' },
        'preview-timeout': { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(describeFlagError(error, SERVE_USAGE.match(/--[a-z-]+/g) ?? []), {
      cause: error,
    });
  }
}

function metricsListener(
  values: Partial<Record<string, string | boolean>>,
  port: number,
): Pick<ServeConfig, 'metricsPort' | 'metricsHost'> {
  const portText = values['metrics-port'];
  const host = values['metrics-host'];
  if (typeof portText !== 'string') {
    if (typeof host === 'string') throw new UsageError('--metrics-host needs --metrics-port');
    return {};
  }
  const metricsPort = parseInteger('--metrics-port', portText, 0, 65535);
  if (metricsPort !== 0 && metricsPort === port) {
    throw new UsageError(`--metrics-port must differ from --port (both are ${port})`);
  }
  return { metricsPort, ...(typeof host === 'string' ? { metricsHost: host } : {}) };
}

function checkOptInLabel(label: string | undefined): string | undefined {
  if (label === undefined) return undefined;
  try {
    optInSelector(label);
  } catch (error) {
    throw new UsageError(`--opt-in-label: ${(error as Error).message}`, { cause: error });
  }
  return label;
}

function parseInteger(flag: string, text: string, min: number, max: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new UsageError(`${flag} must be a whole number from ${min} to ${max}`);
  }
  return value;
}

function optional<K extends string>(key: K, value: string | undefined): { [P in K]?: string } {
  return value === undefined ? {} : ({ [key]: value } as { [P in K]: string });
}
