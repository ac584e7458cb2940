/**
 * The I/O step between the two pure steps of a verified admission (or
 * preview): one `lookupAll` for every reference, bounded in time even if the
 * client broke its promise to resolve within the budget, and counted for
 * the log line.
 */
import {
  LookupStatus,
  lookupKey,
  type RegistryLookup,
  type RegistryLookups,
} from '../core/registry-lookup.ts';
import type { ImageReference } from '../core/reference.ts';
import type { LookupResults } from '../core/verification.ts';

/** Per admission: how many references Harbor had, lacked, or could not answer for. */
export type VerifyCounts = Record<LookupStatus, number>;

export interface LookedUp {
  readonly lookups: LookupResults;
  readonly counts: VerifyCounts;
}

/**
 * Past the budget the client must have answered; this much more is allowed
 * for its timers and the event loop before the admission stops waiting.
 */
export const LOOKUP_GUARD_SLACK_MS = 250;

const NOTHING: LookedUp = Object.freeze({
  lookups: new Map(),
  counts: Object.freeze({ found: 0, missing: 0, unavailable: 0 }),
});

/**
 * Every reference answered from the client's memory, now, or undefined when
 * one is not: the warm path of an admission, with no timer, promise or
 * request, so the route need not await it.
 */
export function cachedLookups(
  client: RegistryLookups | undefined,
  references: readonly ImageReference[],
): LookedUp | undefined {
  if (references.length === 0) return NOTHING;
  const cached = client?.cachedAll?.(references);
  if (cached === undefined) return undefined;
  // cachedAll answers each distinct reference; the route's are distinct already.
  if (cached.size !== references.length) return complete(references, cached, 'no lookup result');
  const counts: VerifyCounts = { found: 0, missing: 0, unavailable: 0 };
  for (const lookup of cached.values()) counts[lookup.status] += 1;
  return { lookups: cached, counts };
}

/**
 * Looks `references` up with `client` within `budgetMs`. Never rejects:
 * without a client, past the budget (plus slack) or on a failure, every
 * reference without a result is unavailable, with the reason.
 */
export async function lookUpWithin(
  client: RegistryLookups | undefined,
  references: readonly ImageReference[],
  budgetMs: number,
): Promise<LookedUp> {
  if (references.length === 0) return NOTHING;
  if (client === undefined) {
    return complete(references, new Map(), 'no registry client (see the start-up log)');
  }
  // Warm cache: answered now, without the guard's timer or a promise race.
  const cached = cachedLookups(client, references);
  if (cached !== undefined) return cached;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), budgetMs + LOOKUP_GUARD_SLACK_MS);
  });
  try {
    const answered = await Promise.race([client.lookupAll(references, budgetMs), deadline]);
    return answered === undefined
      ? complete(references, new Map(), `no answer within the budget of ${budgetMs} ms`)
      : complete(references, answered, 'no lookup result');
  } catch (error) {
    const reason = `registry client failed: ${error instanceof Error ? error.message : String(error)}`;
    return complete(references, new Map(), reason);
  } finally {
    clearTimeout(timer);
  }
}

/** Every reference's result, `reason` filling the gaps, and the counts. */
function complete(
  references: readonly ImageReference[],
  answered: ReadonlyMap<string, RegistryLookup>,
  reason: string,
): LookedUp {
  const lookups = new Map<string, RegistryLookup>();
  const counts: VerifyCounts = { found: 0, missing: 0, unavailable: 0 };
  for (const reference of references) {
    const key = lookupKey(reference);
    const result = answered.get(key) ?? { status: LookupStatus.unavailable, reason };
    lookups.set(key, result);
    counts[result.status] += 1;
  }
  return { lookups, counts };
}
