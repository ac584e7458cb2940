/**
 * The sync controller's decisions, as data: what is wanted in a namespace
 * versus what the caches show there, turned into actions. Pure, so every
 * case is a row in a table test.
 *
 * Rules:
 * - A namespace gets a copy when it is opted in, not terminating, the source
 *   exists and holds `.dockerconfigjson`, and the copy would not be the source
 *   itself.
 * - A managed copy is updated when its source label or data hash is stale.
 * - A copy is never deleted because the source is missing or unreadable: a
 *   deleted source must not take every namespace's pulls down with it.
 * - With `pruneOnOptOut`, managed copies of the current source are deleted
 *   from namespaces that opted out, and under an old name (the policy renamed
 *   the copy). Copies from another source are left alone.
 * - A Secret with the copy's name that is not known as managed is read before
 *   anything is decided ("inspect"): it may be a conflict, or a copy the cache
 *   has not seen yet.
 */
import {
  HASH_ANNOTATION,
  isManaged,
  SOURCE_LABEL,
  type SourceData,
  type SyncSettings,
} from './pull-secret-copy.ts';

/** What the managed-copy cache keeps of one copy. */
export interface ManagedCopy {
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly resourceVersion: string;
  /** Its source label. */
  readonly source: string;
  /** Its hash annotation; undefined when missing. */
  readonly hash: string | undefined;
}

/** The source Secret, as last seen. */
export type SourceState =
  | { readonly status: 'unknown' }
  | { readonly status: 'missing' }
  | { readonly status: 'invalid'; readonly reason: string }
  | ({ readonly status: 'present' } & SourceData);

/** What the caches show of one namespace. */
export interface NamespaceSyncState {
  readonly namespace: string;
  readonly optedIn: boolean;
  readonly terminating: boolean;
  readonly managedCopies: readonly ManagedCopy[];
  /** Names of its pull Secrets, managed or not. */
  readonly pullSecretNames: ReadonlySet<string>;
}

export type SyncAction =
  | { readonly kind: 'create'; readonly name: string }
  | { readonly kind: 'update'; readonly copy: ManagedCopy }
  | { readonly kind: 'delete'; readonly copy: ManagedCopy }
  | { readonly kind: 'inspect'; readonly name: string };

/** The actions that bring `state` to what `settings` and `source` want. */
export function planNamespace(
  settings: SyncSettings | undefined,
  source: SourceState,
  state: NamespaceSyncState,
): SyncAction[] {
  if (settings === undefined || state.terminating) return [];
  const isSource = (name: string) =>
    state.namespace === settings.sourceNamespace && name === settings.sourceName;
  const wanted = state.optedIn && source.status === 'present' && !isSource(settings.copyName);
  const actions: SyncAction[] = [];
  for (const copy of state.managedCopies) {
    if (isSource(copy.name)) continue;
    const action = planCopy(settings, source, state.optedIn, copy);
    if (action !== undefined) actions.push(action);
  }
  const hasCopy = state.managedCopies.some((copy) => copy.name === settings.copyName);
  if (wanted && !hasCopy) {
    const name = settings.copyName;
    actions.push(
      state.pullSecretNames.has(name) ? { kind: 'inspect', name } : { kind: 'create', name },
    );
  }
  return actions;
}

function planCopy(
  settings: SyncSettings,
  source: SourceState,
  optedIn: boolean,
  copy: ManagedCopy,
): SyncAction | undefined {
  const ours = copy.source === settings.sourceLabel;
  if (copy.name !== settings.copyName) {
    return settings.pruneOnOptOut && ours ? { kind: 'delete', copy } : undefined;
  }
  if (!optedIn) return settings.pruneOnOptOut ? { kind: 'delete', copy } : undefined;
  if (source.status !== 'present') return undefined;
  return ours && copy.hash === source.hash ? undefined : { kind: 'update', copy };
}

/** A Secret read from the API, reduced to what the decision needs. */
export interface ExistingSecret {
  readonly uid: string | undefined;
  readonly resourceVersion: string | undefined;
  readonly labels: Readonly<Record<string, string>> | undefined;
  readonly annotations: Readonly<Record<string, string>> | undefined;
}

export type ExistingDecision = 'create' | 'update' | 'unchanged' | 'conflict';

/**
 * What to do about the Secret found (or not) under the copy's name in an
 * opted-in namespace: never touch one this webhook does not manage.
 */
export function decideExisting(
  settings: SyncSettings,
  source: SourceData,
  existing: ExistingSecret | undefined,
): ExistingDecision {
  if (existing === undefined) return 'create';
  if (!isManaged(existing.labels)) return 'conflict';
  const current =
    existing.labels?.[SOURCE_LABEL] === settings.sourceLabel &&
    existing.annotations?.[HASH_ANNOTATION] === source.hash;
  return current ? 'unchanged' : 'update';
}
