/**
 * Prometheus metrics, one registry per server instance (no import-time
 * singletons, so tests build as many apps as they like). Label values come
 * from small fixed sets: never an image, a namespace or a Pod name.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { productVersion } from '../version.ts';

const PREFIX = 'harbor_image_webhook_';

export interface WebhookMetrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'route' | 'method' | 'code'>;
  readonly httpDuration: Histogram<'route'>;
  readonly admissionReviews: Counter<'operation' | 'outcome'>;
  readonly imageDecisions: Counter<'outcome'>;
  readonly pullSecretsMissing: Counter;
  readonly pullSecretSyncs: Counter<'result'>;
  readonly watchRestarts: Counter<'collection' | 'reason'>;
  readonly reloads: Counter<'kind' | 'result'>;
  readonly certificateExpiry: Gauge;
  readonly buildInfo: Gauge<'version' | 'node_version'>;
  readonly auditChanges: Counter<'change'>;
  readonly registryLookups: Counter<'result'>;
  readonly registryLookupDuration: Histogram;
}

/** Creates the metrics of one server, with Node's process metrics included. */
export function createMetrics(): WebhookMetrics {
  const registry = new Registry();
  // Unprefixed (process_*, nodejs_*), the names every Node.js dashboard and alert expects.
  // Read at scrape time; only the event-loop delay histogram (libuv timer in C++) and the GC
  // observer run between scrapes, both off the request path.
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const buildInfo = new Gauge({
    name: `${PREFIX}build_info`,
    help: 'Always 1; labelled with the running version of harbor-image-webhook and of Node.js.',
    labelNames: ['version', 'node_version'],
    registers,
  });
  buildInfo.set({ version: productVersion(), node_version: process.version }, 1);
  return {
    buildInfo,
    registry,
    httpRequests: new Counter({
      name: `${PREFIX}http_requests_total`,
      help: 'HTTP requests by route, method and status code.',
      labelNames: ['route', 'method', 'code'],
      registers,
    }),
    httpDuration: new Histogram({
      name: `${PREFIX}http_request_duration_seconds`,
      help: 'Time from request received to response sent, by route.',
      labelNames: ['route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers,
    }),
    admissionReviews: new Counter({
      name: `${PREFIX}admission_reviews_total`,
      help: 'AdmissionReviews answered, by operation and outcome (mutated, unchanged, skipped, audit, denied, invalid, error).',
      labelNames: ['operation', 'outcome'],
      registers,
    }),
    imageDecisions: new Counter({
      name: `${PREFIX}image_decisions_total`,
      help: 'Container images decided at admission, by outcome (rewritten, already-on-harbor, excluded, no-rule, invalid-reference, rewrite-invalid, kept-missing, kept-unavailable, denied-missing, denied-unavailable).',
      labelNames: ['outcome'],
      registers,
    }),
    pullSecretsMissing: new Counter({
      name: `${PREFIX}pull_secret_missing_total`,
      help: 'Pods admitted with an injected imagePullSecret that does not exist in their namespace.',
      registers,
    }),
    pullSecretSyncs: new Counter({
      name: `${PREFIX}pull_secret_sync_total`,
      help: 'Writes of the pull-secret sync by result (created, updated, deleted, conflict, error).',
      labelNames: ['result'],
      registers,
    }),
    watchRestarts: new Counter({
      name: `${PREFIX}watch_restarts_total`,
      help: 'Restarts of the namespace view list/watch loops by collection and reason (closed, gone, error).',
      labelNames: ['collection', 'reason'],
      registers,
    }),
    reloads: new Counter({
      name: `${PREFIX}reloads_total`,
      help: 'Reloads of the TLS certificate or the policy file from disk, by result.',
      labelNames: ['kind', 'result'],
      registers,
    }),
    certificateExpiry: new Gauge({
      name: `${PREFIX}tls_certificate_expiry_timestamp_seconds`,
      help: 'Unix time at which the serving certificate expires.',
      registers,
    }),
    auditChanges: new Counter({
      name: `${PREFIX}audit_changes_total`,
      help: 'Changes audit mode reported in warnings instead of making, by change (image, pull-secrets, pull-policy, refusal).',
      labelNames: ['change'],
      registers,
    }),
    registryLookups: new Counter({
      name: `${PREFIX}registry_lookups_total`,
      help: 'Image references looked up in Harbor (verify), by result (found, missing, unavailable, cached).',
      labelNames: ['result'],
      registers,
    }),
    registryLookupDuration: new Histogram({
      name: `${PREFIX}registry_lookup_duration_seconds`,
      help: 'Time Harbor took to answer one lookup that was not served from the cache (verify).',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
  };
}

/**
 * Returns the labelled child of `metric` for `labels`, created once per
 * distinct key: prom-client otherwise hashes the label object on every call,
 * which showed as 20–50 µs per request (BENCHMARKS.md, finding 6).
 */
export function boundChildren<Child, Labels extends Record<string, string | number>>(
  childOf: (labels: Labels) => Child,
): (labels: Labels) => Child {
  const children = new Map<string, Child>();
  return (labels) => {
    const key = Object.values(labels).join('\u0000');
    let child = children.get(key);
    if (child === undefined) {
      child = childOf(labels);
      children.set(key, child);
    }
    return child;
  };
}
