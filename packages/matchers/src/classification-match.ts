/**
 * The Python library's `ClassificationMatch`: derive one label and one
 * distance per query from its k neighbours, then count true/false
 * positives/negatives at every distance threshold.
 */
import {
  type DistanceMatrix,
  type LabelMatrix,
  type RowsLike,
  ShapeError,
  StateError,
  toDistanceMatrix,
  toLabelMatrix,
  toLabels,
  toVector,
} from '@tfsim/utils/core';

/** One derived label and distance per query. */
export interface DerivedMatch {
  labels: Float64Array;
  /** float32, as the Python library computes them. */
  distances: Float32Array;
}

/** Counts per distance threshold (float32 like the Python library's), and the number of queries. */
export interface MatchCounts {
  tp: Float32Array;
  fp: Float32Array;
  tn: Float32Array;
  fn: Float32Array;
  count: number;
}

export interface MatcherConfig {
  name: string;
  canonicalName: string;
  distanceThresholds: number[] | null;
}

/** First index j with sorted[j] >= value (sorted.length when none). */
function lowerBound(sorted: Float32Array, value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! >= value) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * Base class of the matching strategies. A subclass implements `deriveMatch`;
 * `compile` sets the thresholds; `computeCount` fills `tp`, `fp`, `tn`, `fn`
 * and `count`.
 *
 * A query is a positive at threshold t when its derived distance is <= t; it
 * is true when the derived label equals the query label.
 */
export abstract class ClassificationMatch {
  /** The thresholds, float32 and sorted ascending; null until `compile`. */
  distanceThresholds: Float32Array | null = null;
  private counts: MatchCounts | null = null;

  constructor(
    public name = '',
    readonly canonicalName = '',
  ) {}

  toString(): string {
    return this.name;
  }

  getConfig(): MatcherConfig {
    return {
      name: this.name,
      canonicalName: this.canonicalName,
      distanceThresholds: this.distanceThresholds ? Array.from(this.distanceThresholds) : null,
    };
  }

  /** Sets the distance thresholds (sorted ascending); `[Infinity]` when omitted. */
  compile(distanceThresholds?: ArrayLike<number> | null): void {
    const thresholds = distanceThresholds ?? [Number.POSITIVE_INFINITY];
    this.distanceThresholds = toVector(thresholds, { name: 'distanceThresholds', op: 'compile', rule: 'number' }).sort();
  }

  /**
   * One label and one distance per query from its neighbours' labels and
   * distances ([queries x k] each).
   */
  deriveMatch(lookupLabels: RowsLike, lookupDistances: RowsLike): DerivedMatch {
    const labels = toLabelMatrix(lookupLabels, { op: 'deriveMatch' });
    const distances = toDistanceMatrix(lookupDistances, { op: 'deriveMatch' });
    checkLookupShapes(labels, distances);
    return this.derive(labels, distances);
  }

  /** `deriveMatch` on checked matrices of equal shape. */
  protected abstract derive(labels: LabelMatrix, distances: DistanceMatrix): DerivedMatch;

  /**
   * The match indicators: `matchMask[i]` is 1 when the derived label of query
   * i equals its label; `distanceMask[i * T + j]` is 1 when its derived
   * distance is <= threshold j (T thresholds).
   */
  computeMatchIndicators(
    queryLabels: ArrayLike<number> | ReadonlyArray<ArrayLike<number>>,
    lookupLabels: RowsLike,
    lookupDistances: RowsLike,
  ): { matchMask: Uint8Array; distanceMask: Uint8Array; thresholds: number } {
    const thresholds = this.requireThresholds();
    const { match, derived } = this.prepare(queryLabels, lookupLabels, lookupDistances);
    const t = thresholds.length;
    const distanceMask = new Uint8Array(match.length * t);
    for (let i = 0; i < match.length; i++) {
      const d = derived.distances[i]!;
      for (let j = 0; j < t; j++) distanceMask[i * t + j] = d <= thresholds[j]! ? 1 : 0;
    }
    return { matchMask: match, distanceMask, thresholds: t };
  }

  /**
   * Counts, at each threshold: TP (label matches, distance <= threshold), FP
   * (no match, distance <= threshold), FN (match, distance > threshold) and TN
   * (no match, distance > threshold). `compile` must have been called.
   */
  computeCount(
    queryLabels: ArrayLike<number> | ReadonlyArray<ArrayLike<number>>,
    lookupLabels: RowsLike,
    lookupDistances: RowsLike,
  ): MatchCounts {
    const thresholds = this.requireThresholds();
    const { match, derived } = this.prepare(queryLabels, lookupLabels, lookupDistances);
    const t = thresholds.length;
    // A query is positive from the first threshold >= its distance on: count
    // where each query starts, then take prefix sums (O(n log T + T)).
    const startMatched = new Float64Array(t + 1);
    const startUnmatched = new Float64Array(t + 1);
    let matched = 0;
    for (let i = 0; i < match.length; i++) {
      const d = derived.distances[i]!;
      const j0 = Number.isNaN(d) ? t : lowerBound(thresholds, d);
      if (match[i]) {
        startMatched[j0]!++;
        matched++;
      } else {
        startUnmatched[j0]!++;
      }
    }
    const unmatched = match.length - matched;
    const tp = new Float32Array(t);
    const fp = new Float32Array(t);
    const tn = new Float32Array(t);
    const fn = new Float32Array(t);
    let cumTp = 0;
    let cumFp = 0;
    for (let j = 0; j < t; j++) {
      cumTp += startMatched[j]!;
      cumFp += startUnmatched[j]!;
      tp[j] = cumTp;
      fp[j] = cumFp;
      fn[j] = matched - cumTp;
      tn[j] = unmatched - cumFp;
    }
    this.counts = { tp, fp, tn, fn, count: match.length };
    return this.counts;
  }

  get tp(): Float32Array {
    return this.requireCounts().tp;
  }

  get fp(): Float32Array {
    return this.requireCounts().fp;
  }

  get tn(): Float32Array {
    return this.requireCounts().tn;
  }

  get fn(): Float32Array {
    return this.requireCounts().fn;
  }

  /** The number of queries counted. */
  get count(): number {
    return this.requireCounts().count;
  }

  private requireCounts(): MatchCounts {
    if (!this.counts) throw new StateError(`${this.canonicalName || 'matcher'}: call computeCount() before reading the counts`);
    return this.counts;
  }

  private requireThresholds(): Float32Array {
    if (!this.distanceThresholds) {
      throw new StateError(`${this.canonicalName || 'matcher'}: call compile(distanceThresholds) before computing matches`);
    }
    return this.distanceThresholds;
  }

  private prepare(
    queryLabels: ArrayLike<number> | ReadonlyArray<ArrayLike<number>>,
    lookupLabels: RowsLike,
    lookupDistances: RowsLike,
  ): { match: Uint8Array; derived: DerivedMatch } {
    const q = toLabels(queryLabels, { name: 'queryLabels' });
    const labels = toLabelMatrix(lookupLabels);
    const distances = toDistanceMatrix(lookupDistances);
    if (q.length !== labels.rows) {
      throw new ShapeError(`the number of query labels (${q.length}) must match the number of lookup label sets (${labels.rows})`);
    }
    checkLookupShapes(labels, distances);
    const derived = this.derive(labels, distances);
    if (derived.labels.length !== q.length || derived.distances.length !== q.length) {
      throw new ShapeError(
        `${this.canonicalName}: deriveMatch returned ${derived.labels.length} labels and ${derived.distances.length} distances for ${q.length} queries`,
      );
    }
    const match = new Uint8Array(q.length);
    for (let i = 0; i < q.length; i++) match[i] = derived.labels[i] === q[i] ? 1 : 0;
    return { match, derived };
  }
}

function checkLookupShapes(labels: LabelMatrix, distances: DistanceMatrix): void {
  if (labels.rows !== distances.rows || labels.cols !== distances.cols) {
    throw new ShapeError(
      `lookup labels (${labels.rows} x ${labels.cols}) and lookup distances (${distances.rows} x ${distances.cols}) must have the same shape`,
    );
  }
  if (labels.rows > 0 && labels.cols === 0) {
    throw new ShapeError('each query needs at least one neighbour: lookup labels have 0 columns');
  }
}
