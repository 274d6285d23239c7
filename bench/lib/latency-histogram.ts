/**
 * An HDR-style latency histogram: log-spaced buckets 1% apart, so any percentile it
 * reports is within 1% of the true sample whatever the range (10 µs to minutes), in
 * constant memory however many requests a run makes.
 */
const GROWTH = 1.01;
const LOG_GROWTH = Math.log(GROWTH);
/** Values are kept in microseconds; below 1 µs is clock noise. */
const MIN_MICROS = 1;

export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export class LatencyHistogram {
  readonly #buckets = new Map<number, number>();
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Records one latency in milliseconds. */
  record(ms: number): void {
    const micros = Math.max(MIN_MICROS, ms * 1000);
    const index = Math.floor(Math.log(micros) / LOG_GROWTH);
    this.#buckets.set(index, (this.#buckets.get(index) ?? 0) + 1);
    this.#count++;
    this.#sum += ms;
    this.#max = Math.max(this.#max, ms);
  }

  merge(other: LatencyHistogram): void {
    for (const [index, n] of other.#buckets) this.#buckets.set(index, (this.#buckets.get(index) ?? 0) + n);
    this.#count += other.#count;
    this.#sum += other.#sum;
    this.#max = Math.max(this.#max, other.#max);
  }

  get count(): number {
    return this.#count;
  }

  /** The latency (ms) that `p` percent of the samples do not exceed. */
  percentile(p: number): number {
    if (this.#count === 0) return 0;
    const rank = Math.max(1, Math.ceil((p / 100) * this.#count));
    let seen = 0;
    for (const index of [...this.#buckets.keys()].sort((a, b) => a - b)) {
      seen += this.#buckets.get(index)!;
      // The bucket's upper edge, capped by the largest sample actually seen.
      if (seen >= rank) return Math.min(this.#max, GROWTH ** (index + 1) / 1000);
    }
    return this.#max;
  }

  summary(): LatencySummary {
    const round = (ms: number) => Math.round(ms * 100) / 100;
    return {
      count: this.#count,
      mean: round(this.#count ? this.#sum / this.#count : 0),
      p50: round(this.percentile(50)),
      p95: round(this.percentile(95)),
      p99: round(this.percentile(99)),
      max: round(this.#max),
    };
  }
}
