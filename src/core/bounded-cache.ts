/**
 * A least-recently-used cache bounded by an estimate of the bytes it holds,
 * not by its number of entries: entries differ in size by orders of magnitude
 * (an image string is a few dozen characters, an annotation up to 256 KiB),
 * so only a byte bound keeps memory predictable whatever the cluster sends.
 */

export class BoundedCache<V> {
  readonly #budgetBytes: number;
  readonly #entries = new Map<string, { readonly value: V; readonly bytes: number }>();
  #usedBytes = 0;

  /** `budgetBytes`: the most the estimates of all entries may add up to. */
  constructor(budgetBytes: number) {
    this.#budgetBytes = budgetBytes;
  }

  /** The value for `key`, now the most recently used; undefined on a miss. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    // Re-inserting moves the entry to the back of the Map's order: most recently used.
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    return entry.value;
  }

  /**
   * Stores `value` as costing `bytes`, dropping the least recently used
   * entries until the total fits. A value larger than the whole budget is not kept.
   */
  set(key: string, value: V, bytes: number): void {
    const previous = this.#entries.get(key);
    if (previous !== undefined) {
      this.#entries.delete(key);
      this.#usedBytes -= previous.bytes;
    }
    if (bytes > this.#budgetBytes) return;
    this.#entries.set(key, { value, bytes });
    this.#usedBytes += bytes;
    for (const [oldestKey, oldest] of this.#entries) {
      if (this.#usedBytes <= this.#budgetBytes) break;
      this.#entries.delete(oldestKey);
      this.#usedBytes -= oldest.bytes;
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
