/**
 * A registry client backed by a table, for tests of everything around the
 * registry (the decision, admission, the route, the preview): no network.
 * Tests against a real registry server live in test/registry/.
 */
import type { ImageReference } from '../../src/core/reference.ts';
import {
  lookupKey,
  type RegistryLookup,
  type RegistryLookups,
} from '../../src/core/registry-lookup.ts';

export const DIGEST_A = `sha256:${'a'.repeat(64)}`;
export const DIGEST_B = `sha256:${'b'.repeat(64)}`;

export const FOUND_A: RegistryLookup = { status: 'found', digest: DIGEST_A, cached: false };
export const MISSING: RegistryLookup = {
  status: 'missing',
  detail: 'MANIFEST_UNKNOWN',
  cached: false,
};
export const UNAVAILABLE: RegistryLookup = {
  status: 'unavailable',
  reason: 'timed out after 500 ms',
};

export interface LookupTable extends RegistryLookups {
  /** Every `lookupAll` call's keys, in order. */
  readonly calls: string[][];
}

/**
 * Answers from `table` (by lookup key); a key not in it is `otherwise`
 * (missing by default). `delayMs` holds each answer back, `hang` never
 * answers at all (a client breaking its contract).
 */
export function lookupTable(
  table: Readonly<Record<string, RegistryLookup>>,
  options: { otherwise?: RegistryLookup; delayMs?: number; hang?: boolean } = {},
): LookupTable {
  const calls: string[][] = [];
  return {
    calls,
    async lookupAll(references: readonly ImageReference[]) {
      const keys = references.map(lookupKey);
      calls.push(keys);
      if (options.hang === true) return new Promise<never>(() => {});
      if (options.delayMs !== undefined) {
        await new Promise((resolve) => setTimeout(resolve, options.delayMs));
      }
      return new Map(keys.map((key) => [key, table[key] ?? options.otherwise ?? MISSING]));
    },
  };
}
