/**
 * What a registry said about one image reference, as data. The registry
 * client (`src/registry`) produces these; the core decides from them what a
 * Pod gets (`verify.mode`, `onMissing`, `onUnavailable`), so the decision
 * stays pure and testable without a registry.
 */
import type { ImageReference } from './reference.ts';

export const LookupStatus = {
  /** The registry has a manifest (or index) for the reference. */
  found: 'found',
  /** The registry answered that the repository or the manifest does not exist. */
  missing: 'missing',
  /** No usable answer: timeout, budget spent, TLS or network error, credentials refused, 5xx. */
  unavailable: 'unavailable',
} as const;
export type LookupStatus = (typeof LookupStatus)[keyof typeof LookupStatus];

export type RegistryLookup =
  | {
      readonly status: typeof LookupStatus.found;
      /** `Docker-Content-Digest` of the manifest the reference names (the index digest for multi-arch). */
      readonly digest: string;
      /** Served from the cache, without a request. */
      readonly cached: boolean;
    }
  | {
      readonly status: typeof LookupStatus.missing;
      readonly cached: boolean;
      /** The registry's own words, for people: `MANIFEST_UNKNOWN`, `NAME_UNKNOWN`, `HTTP 404`. */
      readonly detail: string;
    }
  | {
      readonly status: typeof LookupStatus.unavailable;
      /** Why, for people and logs; never holds a credential: `timed out after 500 ms`, `credentials refused (HTTP 401)`. */
      readonly reason: string;
    };

/**
 * The key a lookup is stored and shared under: the reference the node would
 * pull, by digest when it has one (a digest names the content), else by tag
 * (`latest` when none).
 */
export function lookupKey(reference: ImageReference): string {
  let key = keys.get(reference);
  if (key === undefined) {
    const name = `${reference.registry}/${reference.repository}`;
    key =
      reference.digest === undefined
        ? `${name}:${reference.tag ?? 'latest'}`
        : `${name}@${reference.digest}`;
    keys.set(reference, key);
  }
  return key;
}

/**
 * Each reference's key, built once: a warm admission asks about the same
 * (memoized) reference objects every time, and the same key string, its hash
 * already computed, makes each cache probe a plain lookup.
 */
const keys = new WeakMap<ImageReference, string>();

/**
 * Asks the registry about references. Implemented by `src/registry`; the
 * admission route and the preview call it; tests of the core use a table.
 */
export interface RegistryLookups {
  /**
   * Looks up every reference in parallel and resolves within `budgetMs`
   * (plus scheduling slack), never rejects: a reference without an answer in
   * time is `unavailable`. Keys of the result are {@link lookupKey}.
   */
  lookupAll(
    references: readonly ImageReference[],
    budgetMs: number,
  ): Promise<ReadonlyMap<string, RegistryLookup>>;
  /**
   * Every reference answered from memory, or undefined when one is not: the
   * warm path of an admission, with no timer, promise or request (stale
   * entries still start their background refresh). Optional: without it,
   * callers go straight to {@link lookupAll}.
   */
  cachedAll?(
    references: readonly ImageReference[],
  ): ReadonlyMap<string, RegistryLookup> | undefined;
}
