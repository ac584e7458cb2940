/**
 * What the client remembers of earlier lookups, and for how long:
 *
 * - `found`: fresh for `cacheSeconds`; then stale for as long again, served
 *   at once while one background request refreshes it (stale-while-
 *   revalidate): a tag Harbor had a minute ago almost certainly still
 *   exists, and a Harbor outage during the stale window does not turn found
 *   images into unavailable ones (a failed refresh holds the next one for
 *   2 s, so a dead Harbor is not asked once per admission).
 * - `missing`: at most min(30 s, cacheSeconds), so an image copied into
 *   Harbor is found soon after (the contract).
 * - `unavailable`: {@link UNAVAILABLE_SECONDS} (2 s). A dead or hanging Harbor
 *   then costs one request per reference every 2 s instead of one per
 *   admission, and admissions in between are answered at once instead of
 *   each waiting out its budget; 2 s is short enough that recovery is seen
 *   almost immediately.
 *
 * Bounded by bytes with the core's LRU cache. The clock is injected.
 */
import { BoundedCache } from '../core/bounded-cache.ts';
import { LookupStatus, type RegistryLookup } from '../core/registry-lookup.ts';

/** How long a missing result is kept at most (issue 14's contract). */
export const MISSING_MAX_SECONDS = 30;
/** How long an unavailable result is kept (see the module comment). */
export const UNAVAILABLE_SECONDS = 2;
const ENTRY_OVERHEAD_BYTES = 200;

/** A cached answer and whether it is past its freshness. */
export interface CachedLookup {
  readonly lookup: RegistryLookup;
  /** Past `cacheSeconds` but within the stale window: served, and due for a refresh. */
  readonly stale: boolean;
  /** Start a background refresh now (stale, and no refresh failed in the last 2 s). */
  readonly refresh: boolean;
}

interface Entry {
  readonly lookup: RegistryLookup;
  readonly freshUntilMs: number;
  readonly staleUntilMs: number;
  /** After a failed refresh: no new one before this, so a dead Harbor is not asked per admission. */
  readonly refreshNotBeforeMs: number;
}

/** How long a result stays fresh and how long it may be served stale, in seconds. */
export function cacheLifetime(
  status: LookupStatus,
  cacheSeconds: number,
): { fresh: number; stale: number } {
  switch (status) {
    case LookupStatus.found:
      return { fresh: cacheSeconds, stale: cacheSeconds };
    case LookupStatus.missing:
      return { fresh: Math.min(MISSING_MAX_SECONDS, cacheSeconds), stale: 0 };
    case LookupStatus.unavailable:
      return { fresh: Math.min(UNAVAILABLE_SECONDS, cacheSeconds), stale: 0 };
  }
}

/** The marked-as-cached copy of a lookup, as served from the cache. */
function asCached(lookup: RegistryLookup): RegistryLookup {
  switch (lookup.status) {
    case LookupStatus.found:
    case LookupStatus.missing:
      return { ...lookup, cached: true };
    case LookupStatus.unavailable:
      // The contract's unavailable has no `cached` flag: say it in the reason.
      return { ...lookup, reason: `${lookup.reason} (remembered for ${UNAVAILABLE_SECONDS} s)` };
  }
}

export class LookupCache {
  readonly #entries: BoundedCache<Entry>;
  readonly #cacheSeconds: number;
  readonly #now: () => number;

  constructor(options: { cacheSeconds: number; budgetBytes: number; now: () => number }) {
    this.#entries = new BoundedCache(options.budgetBytes);
    this.#cacheSeconds = options.cacheSeconds;
    this.#now = options.now;
  }

  /** The answer for `key` if one is fresh or stale-but-servable; undefined otherwise. */
  get(key: string): CachedLookup | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    const now = this.#now();
    if (now < entry.freshUntilMs) return { lookup: entry.lookup, stale: false, refresh: false };
    if (now < entry.staleUntilMs) {
      return { lookup: entry.lookup, stale: true, refresh: now >= entry.refreshNotBeforeMs };
    }
    return undefined;
  }

  /**
   * Records a fresh answer. An unavailable answer does not replace a found
   * one still in its stale window: that one stays served until it runs out,
   * and the next refresh waits {@link UNAVAILABLE_SECONDS}.
   */
  set(key: string, lookup: RegistryLookup): void {
    const now = this.#now();
    if (lookup.status === LookupStatus.unavailable) {
      const previous = this.#entries.get(key);
      if (previous?.lookup.status === LookupStatus.found && now < previous.staleUntilMs) {
        this.#store(key, { ...previous, refreshNotBeforeMs: now + UNAVAILABLE_SECONDS * 1000 });
        return;
      }
    }
    const lifetime = cacheLifetime(lookup.status, this.#cacheSeconds);
    if (lifetime.fresh <= 0 && lifetime.stale <= 0) return;
    const freshUntilMs = now + lifetime.fresh * 1000;
    this.#store(key, {
      lookup: asCached(lookup),
      freshUntilMs,
      staleUntilMs: freshUntilMs + lifetime.stale * 1000,
      refreshNotBeforeMs: 0,
    });
  }

  #store(key: string, entry: Entry): void {
    const bytes = ENTRY_OVERHEAD_BYTES + 2 * (key.length + JSON.stringify(entry.lookup).length);
    this.#entries.set(key, entry, bytes);
  }

  get size(): number {
    return this.#entries.size;
  }
}
