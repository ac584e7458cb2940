/**
 * A latency histogram with logarithmic buckets: 1 % relative resolution from
 * 1 µs to 100 s in fixed memory, so a million-request soak costs what ten
 * requests do. autocannon's own histogram records whole milliseconds, too
 * coarse for a 2 ms target, so every load driver here records into this one.
 */

const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Buckets up to 1e8 µs (100 s); anything slower lands in the last one. */
const BUCKETS = Math.ceil(Math.log(1e8) / LOG_GROWTH) + 1;

export class LatencyHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Records one latency in milliseconds. */
  record(milliseconds: number): void {
    const micros = Math.max(1, milliseconds * 1000);
    const bucket = Math.min(BUCKETS - 1, Math.ceil(Math.log(micros) / LOG_GROWTH));
    this.#counts[bucket] = (this.#counts[bucket] ?? 0) + 1;
    this.#count += 1;
    this.#sum += milliseconds;
    this.#max = Math.max(this.#max, milliseconds);
  }

  /** Adds every value of `other` to this one. */
  merge(other: LatencyHistogram): void {
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      this.#counts[bucket] = (this.#counts[bucket] ?? 0) + (other.#counts[bucket] ?? 0);
    }
    this.#count += other.#count;
    this.#sum += other.#sum;
    this.#max = Math.max(this.#max, other.#max);
  }

  get count(): number {
    return this.#count;
  }

  get mean(): number {
    return this.#count === 0 ? 0 : this.#sum / this.#count;
  }

  get max(): number {
    return this.#max;
  }

  /** The `percent` percentile in milliseconds (the bucket's upper edge, never above the max seen). */
  percentile(percent: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.ceil((percent / 100) * this.#count);
    let seen = 0;
    for (let bucket = 0; bucket < BUCKETS; bucket++) {
      seen += this.#counts[bucket] ?? 0;
      if (seen >= rank) return Math.min(this.#max, GROWTH ** bucket / 1000);
    }
    return this.#max;
  }
}
