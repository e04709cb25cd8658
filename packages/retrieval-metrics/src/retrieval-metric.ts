/**
 * The Python library's `RetrievalMetric`: a score of the k nearest neighbours
 * found for each query, averaged over the queries (micro) or over the classes
 * (macro).
 */
import { assertInteger, checkOptions, type OptionKeys, ShapeError, toLabels, toRows, ValueError } from '@tfsim/utils/core';

import { computeMatchMask, type Mask, type RetrievalInputs } from './inputs';

export type Average = 'micro' | 'macro';

export interface RetrievalMetricOptions {
  /** Base of the metric's name (`recall` gives `recall@5`). */
  name?: string;
  canonicalName?: string;
  /** Number of neighbours the metric looks at. Default 5. */
  k?: number;
  /** Neighbours farther than this do not count (used by BNDCG, as in Python). Default Infinity. */
  distanceThreshold?: number;
  /** `micro`: mean over queries; `macro`: mean over classes of the per-class means. Default `micro`. */
  average?: Average;
  /** Skip the nearest neighbour: use when the queries are themselves indexed. Default false. */
  dropClosestLookup?: boolean;
}

export interface RetrievalMetricConfig {
  name: string;
  canonicalName: string;
  k: number;
  distanceThreshold: number;
  [key: string]: unknown;
}

/** A float as Python's `str(float)` writes it (`0.1`, `1.0`, `1e-05`), so names match the Python library's. */
export function pythonFloat(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  const abs = Math.abs(x);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e16)) {
    const [mantissa, exponent] = x.toExponential().split('e') as [string, string];
    const sign = exponent.startsWith('-') ? '-' : '+';
    const digits = exponent.replace(/^[+-]/, '').padStart(2, '0');
    return `${mantissa}e${sign}${digits}`;
  }
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

export const RETRIEVAL_METRIC_OPTION_KEYS: OptionKeys<RetrievalMetricOptions> = {
  name: true,
  canonicalName: true,
  k: true,
  distanceThreshold: true,
  average: true,
  dropClosestLookup: true,
};

export abstract class RetrievalMetric {
  /** The option keys the constructor accepts; a subclass with other options declares its own. */
  static readonly optionKeys: Readonly<Record<string, true>> = RETRIEVAL_METRIC_OPTION_KEYS;
  protected baseName: string;
  readonly canonicalName: string;
  k: number;
  distanceThreshold: number;
  average: Average;
  dropClosestLookup: boolean;

  /** `fixedK`: the k of a metric whose k is not an option (R-precision's 1). */
  constructor(options: RetrievalMetricOptions, defaults: { name: string; canonicalName: string }, fixedK?: number) {
    checkOptions(options, new.target.optionKeys, new.target.name);
    this.baseName = options.name ?? defaults.name;
    this.canonicalName = options.canonicalName ?? defaults.canonicalName;
    this.k = fixedK ?? options.k ?? 5;
    assertInteger(this.k, 'k', 1);
    this.distanceThreshold = options.distanceThreshold ?? Number.POSITIVE_INFINITY;
    if (typeof this.distanceThreshold !== 'number' || Number.isNaN(this.distanceThreshold)) {
      throw new ValueError(`distanceThreshold must be a number, got ${String(options.distanceThreshold)}`);
    }
    this.average = options.average ?? 'micro';
    if (this.average !== 'micro' && this.average !== 'macro') {
      throw new ValueError(`average must be "micro" or "macro", got "${String(this.average)}"`);
    }
    this.dropClosestLookup = options.dropClosestLookup ?? false;
  }

  /** `recall@5`, or `recall@5 : distance_threshold@0.1` with a finite, non-zero threshold. */
  get name(): string {
    if (this.distanceThreshold && this.distanceThreshold !== Number.POSITIVE_INFINITY) {
      return `${this.baseName}@${this.k} : distance_threshold@${pythonFloat(this.distanceThreshold)}`;
    }
    return `${this.baseName}@${this.k}`;
  }

  toString(): string {
    return this.name;
  }

  /** The Python `repr`: `recall@k : recall@5`. */
  describe(): string {
    return `${this.canonicalName} : ${this.name}`;
  }

  getConfig(): RetrievalMetricConfig {
    return { name: this.name, canonicalName: this.canonicalName, k: this.k, distanceThreshold: this.distanceThreshold };
  }

  /** The metric over all queries (a float32 value, as the Python library returns). */
  compute(inputs: RetrievalInputs): number {
    if (inputs == null || typeof inputs !== 'object') {
      throw new ValueError('compute takes {queryLabels, matchMask or lookupLabels, lookupDistances}');
    }
    const queryLabels = toLabels(inputs.queryLabels, { name: 'queryLabels', op: `${this.name}.compute` });
    let mask: Mask;
    if (inputs.matchMask != null) mask = toRows(inputs.matchMask, { name: 'matchMask', rule: 'mask', dtype: 'uint8' });
    else if (inputs.lookupLabels != null) mask = computeMatchMask(queryLabels, inputs.lookupLabels);
    else throw new ValueError(`${this.name}: compute needs matchMask or lookupLabels`);
    this.checkShape(queryLabels, mask);
    return this.computeChecked(queryLabels, mask, inputs);
  }

  /**
   * Whether `compute` needs the index's number of examples per class
   * (`classCounts`): true for the metrics with a per-class R and no `r` of
   * their own. An indexer reads this to know what to pass.
   */
  needsClassCounts(): boolean {
    return false;
  }

  /** Neighbours to look up per query, given the index's class counts: `k` unless R decides. */
  neededK(_classCounts: ReadonlyMap<number, number> | null): number {
    return this.k;
  }

  protected abstract computeChecked(queryLabels: Float64Array, mask: Mask, inputs: RetrievalInputs): number;

  /** Neighbours each query must have for compute: k by default. */
  protected minNeighbors(): number {
    return this.k;
  }

  /** Enough neighbours per query, one lookup set per query label. */
  protected checkShape(queryLabels: Float64Array, mask: Mask): void {
    if (mask.cols < this.minNeighbors()) {
      throw new ShapeError(`The number of neighbors must be >= K. Number of neighbors is ${mask.cols} but K is ${this.minNeighbors()}.`);
    }
    if (mask.rows !== queryLabels.length) {
      throw new ShapeError(
        `The number of lookup sets must equal the number of query labels. Number of lookup sets is ${mask.rows} but the number of query labels is ${queryLabels.length}.`,
      );
    }
    if (mask.rows === 0) throw new ShapeError(`${this.name}: there are no queries`);
  }
}

/**
 * Checks a list of retrieval metrics before anything is computed: at least
 * one, each a RetrievalMetric (the one check of the project; ValueError).
 */
export function assertRetrievalMetrics(metrics: unknown, what = 'retrievalMetrics'): asserts metrics is ReadonlyArray<RetrievalMetric> {
  if (!Array.isArray(metrics) || metrics.length === 0) {
    throw new ValueError(`${what} must list at least one RetrievalMetric, e.g. [new RecallAtK({ k: 5 })]`);
  }
  metrics.forEach((m: unknown, i) => {
    if (!(m instanceof RetrievalMetric)) {
      throw new ValueError(
        `${what}[${i}] is ${m === null ? 'null' : typeof m}, not a RetrievalMetric; create one with its k, e.g. new RecallAtK({ k: 5 })`,
      );
    }
  });
}

/** Unique labels in order of first appearance (the order of tf.unique). */
export function uniqueLabels(labels: Float64Array): number[] {
  return [...new Set(labels)];
}

/**
 * The Python library's averages in float32: micro is the mean of the
 * per-query values; macro sums each class's mean in float32 and divides by the
 * number of classes.
 */
export function averageFloat32(perExample: Float32Array, queryLabels: Float64Array, average: Average): number {
  if (average === 'micro') return meanFloat32(perExample);
  const classes = uniqueLabels(queryLabels);
  let acc = 0;
  for (const label of classes) {
    let sum = 0;
    let n = 0;
    for (let i = 0; i < perExample.length; i++) {
      if (queryLabels[i] === label) {
        sum += perExample[i]!;
        n++;
      }
    }
    acc = Math.fround(acc + Math.fround(sum / n));
  }
  return classes.length === 0 ? 0 : Math.fround(acc / classes.length);
}

/** Mean of float32 values (accumulated in float64, rounded once to float32). */
export function meanFloat32(values: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return Math.fround(sum / values.length);
}
