/** Query latency statistics over a sliding window, as the Python indexer keeps them. */

export interface QueryPerformance {
  min: number;
  max: number;
  avg: number;
  median: number;
  /** Population standard deviation (numpy's default). */
  stddev: number;
}

export interface IndexStats {
  /** Queries answered since the index was created (or reset), across save and load. */
  numLookups: number;
  size: number;
  statBufferSize: number;
  /** Seconds per query over the last `statBufferSize` queries (all 0 before any query). */
  queryPerformance: QueryPerformance;
}

/** The most query latencies an index keeps (8 MB of float64). */
export const MAX_STAT_BUFFER_SIZE = 1_000_000;

/** A ring buffer of the last `capacity` latencies, in seconds. */
export class LatencyBuffer {
  private values: Float64Array;
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    this.values = new Float64Array(capacity);
  }

  push(seconds: number, times = 1): void {
    for (let i = 0; i < Math.min(times, this.capacity); i++) {
      if (this.count < this.capacity) {
        this.values[(this.start + this.count) % this.capacity] = seconds;
        this.count++;
      } else {
        this.values[this.start] = seconds;
        this.start = (this.start + 1) % this.capacity;
      }
    }
  }

  /** Oldest first. */
  toArray(): Float64Array {
    const out = new Float64Array(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.values[(this.start + i) % this.capacity]!;
    return out;
  }

  clear(): void {
    this.start = 0;
    this.count = 0;
  }

  static from(capacity: number, values: ArrayLike<number>): LatencyBuffer {
    const b = new LatencyBuffer(capacity);
    for (let i = Math.max(0, values.length - capacity); i < values.length; i++) b.push(values[i]!);
    return b;
  }
}

export function queryPerformance(timings: Float64Array): QueryPerformance {
  const values = timings.length > 0 ? Array.from(timings) : [0];
  const n = values.length;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  const avg = sum / n;
  let sq = 0;
  for (const v of values) sq += (v - avg) ** 2;
  const sorted = values.slice().sort((a, b) => a - b);
  const median = n % 2 === 1 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
  // Equal latencies have no spread; the sum above would leave float noise (1e-18) instead of 0.
  return { min, max, avg, median, stddev: min === max ? 0 : Math.sqrt(sq / n) };
}

/** A latency for people: milliseconds to three significant digits (`0.124 ms`, not `0.000124027403000004`). */
export function formatSeconds(seconds: number): string {
  return `${Number((seconds * 1000).toPrecision(3))} ms`;
}
