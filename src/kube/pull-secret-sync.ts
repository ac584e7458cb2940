/**
 * The pull-secret sync controller, off the admission path: keeps a managed
 * copy of the policy's source Secret in every opted-in namespace.
 *
 * It reconciles one namespace at a time (at most `concurrency` at once, each
 * failing namespace on its own backoff) from three caches: the namespace view,
 * the managed copies, and the source Secret. A namespace is reconciled when
 * any of them changes for it (opt-in, opt-out, a copy deleted or edited), all
 * of them when the source rotates or the policy's sync settings change, and
 * all of them every `resyncIntervalMs`. Nothing runs before the namespace view
 * and the copy cache have listed: an empty cache must never look like "every
 * namespace opted out".
 */
import type { Policy } from '../core/policy.ts';
import type { Logger } from '../server/logger.ts';
import type { BackoffOptions } from './backoff.ts';
import type { ListWatchSource } from './list-watch.ts';
import { createManagedCopyStore, toManagedCopy } from './managed-copies.ts';
import type { NamespaceView, ReflectorTuning } from './namespace-view.ts';
import { sameSettings, syncSettings, type SyncSettings } from './pull-secret-copy.ts';
import { planNamespace, type SourceState, type SyncAction } from './pull-secret-plan.ts';
import { createPullSecretWriter, type SecretsApi, type SyncResult } from './pull-secret-writer.ts';
import { runReflector } from './reflector.ts';
import { createSourceStore, toSourceState, type SourceStore } from './source-secret.ts';
import { createWorkQueue } from './work-queue.ts';

export interface PullSecretSyncOptions {
  readonly view: Pick<
    NamespaceView,
    'namespace' | 'optedIn' | 'secretNames' | 'subscribe' | 'whenSynced'
  >;
  readonly api: SecretsApi;
  /** The managed copies in all namespaces (managed-copies.ts's collection). */
  readonly managedCopies: ListWatchSource;
  /** The source Secret of `settings` (source-secret.ts's collection). */
  readonly sourceFor: (settings: SyncSettings) => ListWatchSource;
  readonly policy: () => Policy;
  readonly logger: Logger;
  /** Names this replica in Events. */
  readonly reportingInstance: string;
  /** Namespaces reconciled at once (default 4). */
  readonly concurrency?: number;
  /** Every namespace is reconciled this often (default 10 min). */
  readonly resyncIntervalMs?: number;
  /** How often the policy is checked for changed sync settings (default 5 s). */
  readonly policyCheckIntervalMs?: number;
  readonly retryBackoff?: BackoffOptions;
  readonly tuning?: ReflectorTuning;
  /** Counts each write, conflict and failed reconcile: for metrics. */
  readonly onSyncResult?: (result: SyncResult | 'error') => void;
}

export interface PullSecretSync {
  /** Resolves once the caches have listed and no namespace is queued or being reconciled. */
  settled(): Promise<void>;
  stop(): Promise<void>;
}

interface SourceWatch {
  readonly store: SourceStore;
  stop(): Promise<void>;
}

export function startPullSecretSync(options: PullSecretSyncOptions): PullSecretSync {
  const { view, logger: log } = options;
  const controller = new AbortController();
  const write = createPullSecretWriter({
    api: options.api,
    logger: log,
    reportingInstance: options.reportingInstance,
  });
  let settings = syncSettings(options.policy());
  let started = false;

  const reconcile = async (namespace: string) => {
    const current = settings;
    if (current === undefined) return;
    const source = sourceWatch.store.state;
    const record = view.namespace(namespace);
    const actions = planNamespace(current, source, {
      namespace,
      optedIn: record !== undefined,
      terminating: record?.terminating ?? false,
      managedCopies: copies.copiesIn(namespace),
      pullSecretNames: view.secretNames(namespace),
    });
    for (const action of actions) {
      const result = await write(action, { settings: current, source, namespace });
      if (result === undefined) continue;
      options.onSyncResult?.(result);
      log.info({ namespace, secret: actionName(action), result }, 'pull secret synced');
    }
  };
  const queue = createWorkQueue({
    concurrency: options.concurrency ?? 4,
    process: reconcile,
    ...(options.retryBackoff === undefined ? {} : { backoff: options.retryBackoff }),
    onError: (namespace, error, retryInMs) => {
      options.onSyncResult?.('error');
      log.warn({ err: error, namespace, retryInMs }, 'pull secret sync failed; will retry');
    },
  });
  const enqueue = (namespace: string) => {
    if (started) queue.add(namespace);
  };
  const enqueueAll = () => {
    if (!started) return;
    for (const namespace of new Set([...view.optedIn(), ...copies.namespaces()])) {
      queue.add(namespace);
    }
  };

  const copies = createManagedCopyStore(enqueue);
  const { promise: copiesListed, resolve: copiesSynced } = Promise.withResolvers<undefined>();
  const copyLoop = runReflector({
    ...options.tuning,
    name: 'managed pull secrets',
    source: options.managedCopies,
    toRecord: toManagedCopy,
    store: copies,
    logger: log,
    signal: controller.signal,
    onSynced: () => copiesSynced(undefined),
    onRestart: (reason) => options.tuning?.onRestart?.('managed pull secrets', reason),
  });

  const watchSource = (next: SyncSettings | undefined): SourceWatch => {
    const store = createSourceStore((state) => {
      if (sourceWatch.store !== store) return;
      logSource(log, next, state);
      enqueueAll();
    });
    if (next === undefined) return { store, stop: async () => undefined };
    const stopSource = new AbortController();
    const loop = runReflector({
      ...options.tuning,
      name: 'source pull secret',
      source: options.sourceFor(next),
      toRecord: toSourceState,
      store,
      logger: log,
      signal: AbortSignal.any([controller.signal, stopSource.signal]),
      onRestart: (reason) => options.tuning?.onRestart?.('source pull secret', reason),
    });
    return {
      store,
      async stop() {
        stopSource.abort();
        await loop;
      },
    };
  };
  let sourceWatch = watchSource(settings);
  const retiredSources: Promise<void>[] = [];

  const checkPolicy = () => {
    const next = syncSettings(options.policy());
    if (sameSettings(settings, next)) return;
    const sourceMoved =
      settings?.sourceNamespace !== next?.sourceNamespace ||
      settings?.sourceName !== next?.sourceName;
    log.info({ pullSecretSync: next ?? null }, 'pull secret sync settings changed');
    settings = next;
    if (sourceMoved) {
      retiredSources.push(sourceWatch.stop());
      sourceWatch = watchSource(next);
    }
    enqueueAll();
  };

  const unsubscribe = view.subscribe((change) => enqueue(change.namespace));
  const timers = [
    setInterval(enqueueAll, options.resyncIntervalMs ?? 600_000),
    setInterval(checkPolicy, options.policyCheckIntervalMs ?? 5_000),
  ];
  for (const timer of timers) timer.unref();
  const cachesListed = Promise.all([view.whenSynced(), copiesListed]).then(() => {
    if (controller.signal.aborted) return;
    started = true;
    log.info({ pullSecretSync: settings ?? null }, 'pull secret sync started');
    enqueueAll();
  });

  return {
    async settled() {
      await cachesListed;
      await queue.idle();
    },
    async stop() {
      controller.abort();
      copiesSynced(undefined);
      for (const timer of timers) clearInterval(timer);
      unsubscribe();
      await queue.stop();
      await Promise.all([copyLoop, sourceWatch.stop(), ...retiredSources]);
    },
  };
}

function actionName(action: SyncAction): string {
  return action.kind === 'update' || action.kind === 'delete' ? action.copy.name : action.name;
}

function logSource(log: Logger, settings: SyncSettings | undefined, state: SourceState): void {
  const source =
    settings === undefined ? undefined : `${settings.sourceNamespace}/${settings.sourceName}`;
  switch (state.status) {
    case 'present':
      log.info({ source, hash: state.hash }, 'source pull secret read');
      return;
    case 'missing':
      log.warn({ source }, 'source pull secret not found; existing copies are left as they are');
      return;
    case 'invalid':
      log.warn(
        { source, reason: state.reason },
        'source pull secret unusable; existing copies are left as they are',
      );
      return;
    case 'unknown':
      return;
  }
}
