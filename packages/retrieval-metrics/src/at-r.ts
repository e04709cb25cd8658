/**
 * Metrics that pytorch-metric-learning users rely on and the Python library
 * lacks, with its AccuracyCalculator's semantics: R-precision and MAP@R with
 * each class's own R (its number of indexed examples), mean reciprocal rank
 * and precision@1. Queries of a class with no other indexed example ("lone"
 * queries) are left out, and values are float64.
 */
import { type OptionKeys, StateError, ValueError } from '@tfsim/utils/core';

import { type Mask, type RetrievalInputs, toCountMap } from './inputs';
import { type Average, RetrievalMetric, type RetrievalMetricConfig, type RetrievalMetricOptions } from './retrieval-metric';

export interface AtROptions extends Omit<RetrievalMetricOptions, 'k' | 'distanceThreshold'> {
  /**
   * Number of indexed examples per class (label -> count). When omitted, the
   * class counts passed to `compute` (the evaluator passes the index's) are
   * used.
   */
  r?: ReadonlyMap<number, number> | Readonly<Record<number, number>> | null;
}

/** Mean of per-query values: over queries (micro) or of the per-class means (macro, PML's avg_of_avgs). */
function average(values: Float64Array, labels: Float64Array, keep: Uint8Array, how: Average): number {
  if (how === 'micro') {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < values.length; i++) {
      if (keep[i]) {
        sum += values[i]!;
        n++;
      }
    }
    return n === 0 ? Number.NaN : sum / n;
  }
  const sums = new Map<number, { sum: number; n: number }>();
  for (let i = 0; i < values.length; i++) {
    if (!keep[i]) continue;
    const s = sums.get(labels[i]!) ?? { sum: 0, n: 0 };
    s.sum += values[i]!;
    s.n++;
    sums.set(labels[i]!, s);
  }
  if (sums.size === 0) return Number.NaN;
  let total = 0;
  for (const { sum, n } of sums.values()) total += sum / n;
  return total / sums.size;
}

/** Neighbours to look up for these counts: the largest R. */
function largestR(counts: ReadonlyMap<number, number> | null): number {
  if (!counts || counts.size === 0) return 1;
  return Math.max(1, ...counts.values());
}

/** Shared machinery: R per query, lone queries, the first neighbour looked at. */
abstract class RelevanceMetric extends RetrievalMetric {
  static override readonly optionKeys: OptionKeys<AtROptions> = {
    name: true,
    canonicalName: true,
    average: true,
    dropClosestLookup: true,
    r: true,
  };
  r: Map<number, number> | null;

  constructor(options: AtROptions, k: number, defaults: { name: string; canonicalName: string }) {
    super(options, defaults, k);
    this.r = toCountMap(options.r);
  }

  override getConfig(): RetrievalMetricConfig {
    return { ...super.getConfig(), r: this.r ? Object.fromEntries(this.r) : null, average: this.average };
  }

  /** The counts in use: the metric's own `r`, else the ones passed to compute. */
  protected counts(inputs: RetrievalInputs, required: boolean): Map<number, number> | null {
    const counts = this.r ?? toCountMap(inputs.classCounts, 'classCounts');
    if (!counts && required) {
      throw new StateError(`${this.name} needs the number of indexed examples per class: pass r to the metric or classCounts to compute`);
    }
    return counts;
  }

  /** R of each query (minus one when the query is itself indexed); 0 marks a lone query. */
  protected perQueryR(queryLabels: Float64Array, counts: Map<number, number>): Int32Array {
    const out = new Int32Array(queryLabels.length);
    const self = this.dropClosestLookup ? 1 : 0;
    for (let i = 0; i < queryLabels.length; i++) out[i] = Math.max(0, (counts.get(queryLabels[i]!) ?? 0) - self);
    return out;
  }

  protected finish(values: Float64Array, queryLabels: Float64Array, keep: Uint8Array): number {
    return average(values, queryLabels, keep, this.average);
  }
}

/**
 * R-precision: for each query, the share of its first R neighbours that have
 * its label, R being the number of indexed examples of its class. When fewer
 * than R neighbours were looked up, only those count (and the share is of
 * them), as pytorch-metric-learning does. `k` (read-only in spirit) is the
 * largest R, so an indexer looks up enough neighbours.
 */
export class RPrecision extends RelevanceMetric {
  constructor(options: AtROptions = {}) {
    super(options, 1, { name: 'r_precision', canonicalName: 'r_precision' });
    this.k = largestR(this.r);
  }

  override get name(): string {
    return this.baseName;
  }

  /** R comes from the index unless the metric has its own `r`. */
  override needsClassCounts(): boolean {
    return this.r == null;
  }

  /** The largest R of the index's counts, unless the metric has its own `r` (then its k). */
  override neededK(classCounts: ReadonlyMap<number, number> | null): number {
    return this.r == null ? largestR(classCounts) : this.k;
  }

  /** Fewer than R neighbours are allowed: only those looked up count. */
  protected override minNeighbors(): number {
    return 1;
  }

  protected computeChecked(queryLabels: Float64Array, mask: Mask, inputs: RetrievalInputs): number {
    return this.scoreQueries(queryLabels, mask, inputs, (hit, m) => {
      let hits = 0;
      for (let j = 0; j < m; j++) hits += hit(j);
      return hits / m;
    });
  }

  /**
   * Each query's value from its first `m = min(R, neighbours looked up)`
   * neighbours (`hit(j)` is 1 where the j-th is relevant), averaged over the
   * queries with R and m above 0.
   */
  protected scoreQueries(
    queryLabels: Float64Array,
    mask: Mask,
    inputs: RetrievalInputs,
    score: (hit: (j: number) => number, m: number, r: number) => number,
  ): number {
    const rs = this.perQueryR(queryLabels, this.counts(inputs, true)!);
    const start = this.dropClosestLookup ? 1 : 0;
    const available = Math.max(0, mask.cols - start);
    const values = new Float64Array(mask.rows);
    const keep = new Uint8Array(mask.rows);
    for (let i = 0; i < mask.rows; i++) {
      const r = rs[i]!;
      const m = Math.min(r, available);
      if (r === 0 || m === 0) continue;
      keep[i] = 1;
      const first = i * mask.cols + start;
      values[i] = score((j) => mask.data[first + j]!, m, r);
    }
    return this.finish(values, queryLabels, keep);
  }
}

/**
 * MAP@R: for each query, over its first R neighbours, the sum of the
 * precision at each relevant rank, divided by R (R of its class, not
 * clipped to the neighbours looked up, as in pytorch-metric-learning).
 */
export class MapAtR extends RPrecision {
  constructor(options: AtROptions = {}) {
    super({ name: 'map@r', canonicalName: 'map@r', ...options });
  }

  protected override computeChecked(queryLabels: Float64Array, mask: Mask, inputs: RetrievalInputs): number {
    return this.scoreQueries(queryLabels, mask, inputs, (hit, m, r) => {
      let hits = 0;
      let sum = 0;
      for (let j = 0; j < m; j++) {
        if (hit(j)) {
          hits++;
          sum += hits / (j + 1);
        }
      }
      return sum / r;
    });
  }
}

export interface RankOptions extends Omit<RetrievalMetricOptions, 'distanceThreshold'> {
  /** Class counts: when known (here or at compute), queries with no other example of their class are left out. */
  r?: ReadonlyMap<number, number> | Readonly<Record<number, number>> | null;
}

/** Mean reciprocal rank of the first neighbour with the query's label among the first k (0 when none). */
export class MeanReciprocalRank extends RelevanceMetric {
  static override readonly optionKeys: OptionKeys<RankOptions> = { ...RelevanceMetric.optionKeys, k: true };
  constructor(options: RankOptions = {}) {
    super(options, options.k ?? 5, { name: 'mrr', canonicalName: 'mean_reciprocal_rank' });
  }

  protected computeChecked(queryLabels: Float64Array, mask: Mask, inputs: RetrievalInputs): number {
    const counts = this.counts(inputs, false);
    const rs = counts ? this.perQueryR(queryLabels, counts) : null;
    const start = this.dropClosestLookup ? 1 : 0;
    const end = Math.min(mask.cols, start + this.k);
    const values = new Float64Array(mask.rows);
    const keep = new Uint8Array(mask.rows);
    for (let i = 0; i < mask.rows; i++) {
      if (rs && rs[i] === 0) continue;
      keep[i] = 1;
      for (let j = start; j < end; j++) {
        if (mask.data[i * mask.cols + j]) {
          values[i] = 1 / (j - start + 1);
          break;
        }
      }
    }
    return this.finish(values, queryLabels, keep);
  }
}

/** Precision@1: the share of queries whose nearest neighbour has their label. */
export class PrecisionAt1 extends RelevanceMetric {
  constructor(options: Omit<RankOptions, 'k'> = {}) {
    super(options, 1, { name: 'precision', canonicalName: 'precision@1' });
  }

  protected computeChecked(queryLabels: Float64Array, mask: Mask, inputs: RetrievalInputs): number {
    const counts = this.counts(inputs, false);
    const rs = counts ? this.perQueryR(queryLabels, counts) : null;
    const col = this.dropClosestLookup ? 1 : 0;
    if (col >= mask.cols) throw new ValueError(`${this.name}: dropClosestLookup needs at least 2 neighbours per query`);
    const values = new Float64Array(mask.rows);
    const keep = new Uint8Array(mask.rows);
    for (let i = 0; i < mask.rows; i++) {
      if (rs && rs[i] === 0) continue;
      keep[i] = 1;
      values[i] = mask.data[i * mask.cols + col]!;
    }
    return this.finish(values, queryLabels, keep);
  }
}
