/**
 * A cache bounded by an estimate of the bytes it holds, not by its number of
 * entries: entries differ in size by orders of magnitude (an image string is
 * a few dozen characters, an annotation up to 256 KiB), so only a byte bound
 * keeps memory predictable whatever the cluster sends.
 *
 * Eviction is second-chance (CLOCK), the usual approximation of least
 * recently used: a hit only marks the entry, and eviction moves marked
 * entries to the back instead of dropping them. A hit that reordered the
 * Map (a delete and an insert) was the largest cost of a warm admission
 * (BENCHMARKS.md, issue 14); a mark costs a field write.
 */

interface Entry<V> {
  readonly value: V;
  readonly bytes: number;
  /** Read since it last reached the front: it gets a second chance there. */
  used: boolean;
}

export class BoundedCache<V> {
  readonly #budgetBytes: number;
  /** Oldest first: the Map keeps insertion order. */
  readonly #entries = new Map<string, Entry<V>>();
  #usedBytes = 0;

  /** `budgetBytes`: the most the estimates of all entries may add up to. */
  constructor(budgetBytes: number) {
    this.#budgetBytes = budgetBytes;
  }

  /** The value for `key`, marked as used; undefined on a miss. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = true;
    return entry.value;
  }

  /**
   * Stores `value` as costing `bytes`, then drops entries from the front
   * until the total fits, except that an entry used since it was stored or
   * last passed over goes to the back unmarked. A value larger than the
   * whole budget is not kept.
   */
  set(key: string, value: V, bytes: number): void {
    const previous = this.#entries.get(key);
    if (previous !== undefined) {
      this.#entries.delete(key);
      this.#usedBytes -= previous.bytes;
    }
    if (bytes > this.#budgetBytes) return;
    this.#entries.set(key, { value, bytes, used: false });
    this.#usedBytes += bytes;
    // Ends: every entry moved to the back is unmarked, so the second pass over it drops it.
    for (const [oldestKey, oldest] of this.#entries) {
      if (this.#usedBytes <= this.#budgetBytes) break;
      this.#entries.delete(oldestKey);
      // The new entry is never the one dropped: it goes to the back like a used one.
      if (oldest.used || oldestKey === key) {
        oldest.used = false;
        this.#entries.set(oldestKey, oldest);
      } else {
        this.#usedBytes -= oldest.bytes;
      }
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The sum of the estimates of the entries held. */
  get usedBytes(): number {
    return this.#usedBytes;
  }
}

const identities = new WeakMap<object, number>();
let nextIdentity = 0;

/**
 * A number that stands for `object` in a cache key, so one process-wide cache
 * can hold entries of many policies without keeping any policy alive.
 */
export function identityOf(object: object): number {
  let identity = identities.get(object);
  if (identity === undefined) {
    identity = nextIdentity++;
    identities.set(object, identity);
  }
  return identity;
}
