/**
 * `serve --namespace-aware` in one call: the namespace view the admission path
 * reads, its readiness check, and the pull-secret sync controller. Every API
 * client is built from the KubeConfig given (or passed in) and wrapped in one
 * call counter, so a test can point it at any apiserver and prove that
 * `directory.lookup` makes no request.
 */
import { hostname } from 'node:os';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import type { Policy } from '../core/policy.ts';
import type { ReadinessCheck } from '../server/live-state.ts';
import type { Logger } from '../server/logger.ts';
import { createApiTransport, type ApiTransport } from './api-transport.ts';
import { createCallCounter, type CallCounter } from './call-counter.ts';
import { collectionListWatch, type CollectionOptions } from './list-watch.ts';
import { managedCopyCollection } from './managed-copies.ts';
import {
  namespaceCollection,
  pullSecretCollection,
  startNamespaceView,
  type NamespaceView,
  type ReflectorTuning,
} from './namespace-view.ts';
import { DEFAULT_OPT_IN_LABEL, optInSelector } from './opt-in-label.ts';
import {
  startPullSecretSync,
  type PullSecretSync,
  type PullSecretSyncOptions,
} from './pull-secret-sync.ts';
import type { SecretsApi, SyncResult } from './pull-secret-writer.ts';
import type { RestartReason } from './reflector.ts';
import { sourceCollection } from './source-secret.ts';

export interface NamespaceAwarenessHooks {
  /** Each write of the sync (and each failed reconcile, as 'error'). */
  readonly onSyncResult?: (result: SyncResult | 'error') => void;
  /** Each time a list/watch loop lists or watches again, and why. */
  readonly onWatchRestart?: (collection: string, reason: RestartReason) => void;
}

export interface NamespaceAwarenessOptions {
  readonly kubeConfig: KubeConfig;
  /** `key=value` that opts a namespace in; default `harbor-image-webhook/enabled=true`. */
  readonly optInLabel?: string;
  /** The current policy (it may be reloaded): its `pullSecretSync` drives the sync. */
  readonly policy: () => Policy;
  readonly logger: Logger;
  /** Aborting it stops everything, as `stop()` does. */
  readonly signal?: AbortSignal;
  readonly hooks?: NamespaceAwarenessHooks;
  readonly sync?: {
    readonly concurrency?: number;
    readonly resyncIntervalMs?: number;
    readonly policyCheckIntervalMs?: number;
    /** Names this replica in Events; default the host name (the Pod's name). */
    readonly reportingInstance?: string;
  };
  /** Items per list page (default 500). */
  readonly pageSize?: number;
  /** Clients to use instead of those built from `kubeConfig`, e.g. wrapped by a test. */
  readonly clients?: { readonly transport?: ApiTransport; readonly secrets?: SecretsApi };
  readonly tuning?: Omit<ReflectorTuning, 'onRestart'>;
}

export interface NamespaceAwareness {
  /** For `buildApp({ directory })`: in-memory reads only. */
  readonly directory: NamespaceView;
  /** Not ready until Namespaces and pull Secrets have been listed once. */
  readonly readiness: ReadinessCheck;
  /** API calls started so far by every client of this instance. */
  apiCalls(): number;
  /** Resolves once the caches have listed and the sync has nothing left to do (tests, benchmarks). */
  settled(): Promise<void>;
  /** Stops the watches and the sync, waiting for writes in flight. */
  stop(): Promise<void>;
}

/**
 * Starts the namespace view and the pull-secret sync. Throws at once on a bad
 * opt-in label or a KubeConfig without a cluster; everything after that runs
 * in the background and is retried, never thrown.
 */
export function startNamespaceAwareness(options: NamespaceAwarenessOptions): NamespaceAwareness {
  const selector = optInSelector(options.optInLabel ?? DEFAULT_OPT_IN_LABEL);
  const counter = createCallCounter();
  const { transport, secrets } = buildClients(options, counter);
  const pages: CollectionOptions =
    options.pageSize === undefined ? {} : { pageSize: options.pageSize };
  const onRestart = options.hooks?.onWatchRestart;
  const tuning: ReflectorTuning = {
    ...options.tuning,
    ...(onRestart === undefined ? {} : { onRestart }),
  };
  const directory = startNamespaceView({
    namespaces: collectionListWatch(transport, namespaceCollection(selector), pages),
    secrets: collectionListWatch(transport, pullSecretCollection(), pages),
    logger: options.logger.child({ component: 'namespace-view' }),
    tuning,
  });
  const sync: PullSecretSync = startPullSecretSync({
    ...syncTuning(options),
    view: directory,
    api: secrets,
    managedCopies: collectionListWatch(transport, managedCopyCollection(), pages),
    sourceFor: (settings) => collectionListWatch(transport, sourceCollection(settings)),
    policy: options.policy,
    logger: options.logger.child({ component: 'pull-secret-sync' }),
    reportingInstance: options.sync?.reportingInstance ?? hostname(),
    tuning,
  });

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= Promise.all([sync.stop(), directory.stop()]).then(() => undefined));
  options.signal?.addEventListener('abort', () => void stop(), { once: true });
  if (options.signal?.aborted === true) void stop();

  return {
    directory,
    readiness: directory.readiness,
    apiCalls: () => counter.count,
    settled: () => sync.settled(),
    stop,
  };
}

function buildClients(options: NamespaceAwarenessOptions, counter: CallCounter) {
  const given = options.clients ?? {};
  if (given.transport === undefined && options.kubeConfig.getCurrentCluster() === null) {
    throw new Error('the Kubernetes client configuration has no current cluster');
  }
  return {
    transport: counter.wrap(given.transport ?? createApiTransport(options.kubeConfig)),
    secrets: counter.wrap<SecretsApi>(given.secrets ?? options.kubeConfig.makeApiClient(CoreV1Api)),
  };
}

/** The sync's optional settings that were given. */
function syncTuning(
  options: NamespaceAwarenessOptions,
): Partial<
  Pick<
    PullSecretSyncOptions,
    'concurrency' | 'resyncIntervalMs' | 'policyCheckIntervalMs' | 'onSyncResult'
  >
> {
  const { sync = {}, hooks = {} } = options;
  return {
    ...(sync.concurrency === undefined ? {} : { concurrency: sync.concurrency }),
    ...(sync.resyncIntervalMs === undefined ? {} : { resyncIntervalMs: sync.resyncIntervalMs }),
    ...(sync.policyCheckIntervalMs === undefined
      ? {}
      : { policyCheckIntervalMs: sync.policyCheckIntervalMs }),
    ...(hooks.onSyncResult === undefined ? {} : { onSyncResult: hooks.onSyncResult }),
  };
}
