/**
 * The namespace view: a {@link NamespaceStore} kept current by two list/watch
 * loops, one over the opted-in Namespaces (label-filtered), one over the pull
 * Secrets of all namespaces (field-filtered by type). Both ask for metadata
 * only, so memory stays at a few records per namespace and Secret data never
 * reaches the process. Not ready until both have listed once.
 */
import type { ReadinessCheck } from '../server/live-state.ts';
import type { Logger } from '../server/logger.ts';
import type { Collection, ListWatchSource } from './list-watch.ts';
import { DOCKER_CONFIG_JSON_TYPE } from './pull-secret-copy.ts';
import {
  createNamespaceStore,
  toNamespaceRecord,
  toSecretNameRecord,
  type NamespaceStore,
} from './namespace-store.ts';
import { runReflector, type ReflectorOptions } from './reflector.ts';

/** The opted-in Namespaces. */
export function namespaceCollection(optInSelector: string): Collection {
  return { path: '/api/v1/namespaces', labelSelector: optInSelector, metadataOnly: true };
}

/** Pull Secrets in every namespace. */
export function pullSecretCollection(): Collection {
  return {
    path: '/api/v1/secrets',
    fieldSelector: `type=${DOCKER_CONFIG_JSON_TYPE}`,
    metadataOnly: true,
  };
}

/** Loop settings shared by every reflector; tests inject time and backoff. */
export type ReflectorTuning = Partial<
  Pick<ReflectorOptions<unknown>, 'backoff' | 'healthyWatchMs' | 'sleep' | 'now'>
> & {
  readonly onRestart?: (collection: string, reason: 'closed' | 'gone' | 'error') => void;
};

export interface NamespaceViewOptions {
  readonly namespaces: ListWatchSource;
  readonly secrets: ListWatchSource;
  readonly logger: Logger;
  readonly tuning?: ReflectorTuning;
}

/** The store's reads (the feeds stay private to the view's loops). */
export interface NamespaceView extends Omit<NamespaceStore, 'namespaces' | 'secrets'> {
  /** True once both collections have been listed. */
  synced(): boolean;
  /** Resolves once {@link synced}, or when the view stops. */
  whenSynced(): Promise<void>;
  readonly readiness: ReadinessCheck;
  /** Ends both loops; the store keeps its last contents. */
  stop(): Promise<void>;
}

export function startNamespaceView(options: NamespaceViewOptions): NamespaceView {
  const store = createNamespaceStore();
  const controller = new AbortController();
  const pending = new Set(['namespaces', 'secrets']);
  const { promise: syncedPromise, resolve: resolveSynced } = Promise.withResolvers<undefined>();
  const { tuning = {} } = options;
  const start = <R>(name: string, source: ListWatchSource, rest: ReflectorFeed<R>) =>
    runReflector<R>({
      ...tuning,
      ...rest,
      name,
      source,
      logger: options.logger,
      signal: controller.signal,
      onSynced: () => {
        pending.delete(name);
        if (pending.size === 0) resolveSynced(undefined);
      },
      onRestart: (reason) => tuning.onRestart?.(name, reason),
    });
  const loops = [
    start('namespaces', options.namespaces, {
      toRecord: toNamespaceRecord,
      store: store.namespaces,
    }),
    start('secrets', options.secrets, { toRecord: toSecretNameRecord, store: store.secrets }),
  ];
  return {
    lookup: store.lookup,
    namespace: store.namespace,
    optedIn: store.optedIn,
    secretNames: store.secretNames,
    subscribe: store.subscribe,
    synced: () => pending.size === 0,
    whenSynced: () => syncedPromise,
    readiness: () =>
      pending.size === 0
        ? undefined
        : `namespace cache not synced: waiting for the first list of ${[...pending].join(' and ')}`,
    async stop() {
      controller.abort();
      resolveSynced(undefined);
      await Promise.all(loops);
    },
  };
}

type ReflectorFeed<R> = Pick<ReflectorOptions<R>, 'toRecord' | 'store'>;
