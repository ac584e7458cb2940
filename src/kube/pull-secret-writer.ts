/**
 * Carries out one {@link SyncAction} against the API, safe with several
 * replicas doing the same: a create that finds the Secret there (409) reads it
 * and decides again; an update is conditional on the resourceVersion read, and
 * on 409 reads and decides again; a delete is conditional on uid and
 * resourceVersion, so it can never remove a Secret someone put in its place.
 * A Secret of the copy's name that this webhook does not manage is never
 * written: it is reported (log and Event) once.
 */
import type { CoreV1Api, V1Secret } from '@kubernetes/client-node';
import type { Logger } from '../server/logger.ts';
import { conflictEvent } from './conflict-event.ts';
import { copyBody, type SourceData, type SyncSettings } from './pull-secret-copy.ts';
import {
  decideExisting,
  type ExistingSecret,
  type ManagedCopy,
  type SourceState,
  type SyncAction,
} from './pull-secret-plan.ts';

/** The part of CoreV1Api the sync uses; tests pass a fake. */
export type SecretsApi = Pick<
  CoreV1Api,
  | 'readNamespacedSecret'
  | 'createNamespacedSecret'
  | 'replaceNamespacedSecret'
  | 'deleteNamespacedSecret'
  | 'createNamespacedEvent'
>;

/** What a write did; an action that found nothing to do has no result. */
export type SyncResult = 'created' | 'updated' | 'deleted' | 'conflict';

export interface SyncTarget {
  readonly settings: SyncSettings;
  readonly source: SourceState;
  readonly namespace: string;
}

export interface PullSecretWriterOptions {
  readonly api: SecretsApi;
  readonly logger: Logger;
  /** Names this replica in Events (the Pod name). */
  readonly reportingInstance: string;
  /** A request that takes longer fails, so a worker is never stuck (default 30 s). */
  readonly timeoutMs?: number;
}

export type PullSecretWriter = (
  action: SyncAction,
  target: SyncTarget,
) => Promise<SyncResult | undefined>;

// How many read-and-decide rounds one action may take before giving up until its retry.
const MAX_ROUNDS = 3;

export function createPullSecretWriter(options: PullSecretWriterOptions): PullSecretWriter {
  const { api, logger } = options;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const reported = new Set<string>();
  const call = <T>(request: Promise<T>) => withTimeout(request, timeoutMs);

  const create = async (target: SyncTarget, round: number): Promise<SyncResult | undefined> => {
    const { settings, namespace } = target;
    try {
      const body = copyBody(settings, sourceData(target), namespace);
      await call(api.createNamespacedSecret({ namespace, body }));
      return 'created';
    } catch (error) {
      if (statusOf(error) === 409) return inspect(target, round + 1);
      throw error;
    }
  };
  const update = async (target: SyncTarget, resourceVersion: string | undefined, round: number) => {
    const { settings, namespace } = target;
    try {
      const body = copyBody(settings, sourceData(target), namespace, resourceVersion);
      await call(api.replaceNamespacedSecret({ name: settings.copyName, namespace, body }));
      return 'updated' as const;
    } catch (error) {
      if (statusOf(error) === 409) return inspect(target, round + 1);
      if (statusOf(error) === 404) return create(target, round + 1);
      throw error;
    }
  };
  const inspect = async (target: SyncTarget, round: number): Promise<SyncResult | undefined> => {
    const { settings, namespace } = target;
    if (round > MAX_ROUNDS) {
      throw new Error(`Secret ${namespace}/${settings.copyName} keeps changing; retrying later`);
    }
    const existing = await readSecret(api, target, call);
    switch (decideExisting(settings, sourceData(target), existing)) {
      case 'create':
        return create(target, round);
      case 'update':
        return update(target, existing?.resourceVersion, round);
      case 'unchanged':
        return undefined;
      case 'conflict':
        return reportConflict(target, existing);
    }
  };
  const reportConflict = async (target: SyncTarget, existing: ExistingSecret | undefined) => {
    const { settings, namespace } = target;
    const key = `${namespace}/${settings.copyName}/${existing?.uid ?? ''}`;
    if (reported.has(key)) return undefined;
    reported.add(key);
    const conflict = {
      namespace,
      name: settings.copyName,
      uid: existing?.uid,
      source: `${settings.sourceNamespace}/${settings.sourceName}`,
    };
    logger.warn(
      conflict,
      'pull secret not copied: a Secret of that name exists and is not managed',
    );
    const body = conflictEvent(conflict, options.reportingInstance, new Date());
    try {
      await call(api.createNamespacedEvent({ namespace, body }));
    } catch (error) {
      if (statusOf(error) !== 409)
        logger.warn({ err: error, namespace }, 'cannot record the conflict Event');
    }
    return 'conflict' as const;
  };
  const remove = async (copy: ManagedCopy) => {
    const preconditions = {
      ...(copy.uid === '' ? {} : { uid: copy.uid }),
      ...(copy.resourceVersion === '' ? {} : { resourceVersion: copy.resourceVersion }),
    };
    try {
      await call(
        api.deleteNamespacedSecret({
          name: copy.name,
          namespace: copy.namespace,
          body: { preconditions },
        }),
      );
      return 'deleted' as const;
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  };

  return async (action, target) => {
    switch (action.kind) {
      case 'create':
        return create(target, 0);
      case 'update':
        return update(target, action.copy.resourceVersion, 0);
      case 'inspect':
        return inspect(target, 0);
      case 'delete':
        return remove(action.copy);
    }
  };
}

async function readSecret(
  api: SecretsApi,
  target: SyncTarget,
  call: <T>(request: Promise<T>) => Promise<T>,
): Promise<ExistingSecret | undefined> {
  let secret: V1Secret;
  try {
    secret = await call(
      api.readNamespacedSecret({
        name: target.settings.copyName,
        namespace: target.namespace,
      }),
    );
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
  const metadata = secret.metadata ?? {};
  return {
    uid: metadata.uid,
    resourceVersion: metadata.resourceVersion,
    labels: metadata.labels,
    annotations: metadata.annotations,
  };
}

function sourceData(target: SyncTarget): SourceData {
  if (target.source.status !== 'present') {
    throw new Error(`source Secret is ${target.source.status}; nothing to copy`);
  }
  return target.source;
}

/** The HTTP status of a failed API call (client-node's ApiException has it as `code`). */
export function statusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

async function withTimeout<T>(request: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Kubernetes API request timed out after ${ms} ms`)),
      ms,
    );
  });
  try {
    return await Promise.race([request, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
