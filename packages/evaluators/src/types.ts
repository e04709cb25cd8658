import type { ClassificationMetric } from '@tfsim/classification-metrics';
import type { ClassificationMatch } from '@tfsim/matchers';
import type { RetrievalMetric } from '@tfsim/retrieval-metrics';
import type { Label, Lookup, RowsLike } from '@tfsim/utils/core';

/**
 * One calibrated operating point: its name (`optimal` or a target's name),
 * the calibration metric's value, the distance threshold and every metric
 * computed at that distance.
 */
export interface Cutpoint {
  name: string;
  value: number;
  distance: number;
  [metric: string]: number | string;
}

/**
 * What calibration returns: the cutpoints, and the full threshold curve:
 * `distance` (every distinct distance, ascending), one array per metric, and
 * `value` (the calibration metric).
 */
export interface CalibrationResults {
  cutpoints: Record<string, Cutpoint>;
  thresholds: Record<string, Float32Array>;
}

export type Verbose = boolean | number | undefined;

export interface EvaluateRetrievalOptions {
  /** Decimals kept of each distance (float32, half to even). Default 8. */
  distanceRounding?: number;
  /** Indexed examples per class, for metrics that need R (RPrecision, MapAtR) and were given none. */
  classCounts?: ReadonlyMap<number, number> | Readonly<Record<number, number>>;
}

export interface EvaluateClassificationOptions {
  /**
   * The Python signature's `distance_rounding` (default 8): checked, and,
   * as in the Python library, not applied here (the distances are rounded
   * by whoever unpacks the lookups, as `calibrate` does).
   */
  distanceRounding?: number;
  /** Progress on a terminal: true, false, or undefined for "when stderr is a TTY". */
  verbose?: Verbose;
}

export interface CalibrateOptions {
  /** Metrics computed and reported besides the calibration metric. Default none. */
  extraMetrics?: ReadonlyArray<string | ClassificationMetric>;
  /** Decimals kept of each distance to decide if it changed. Default 8. */
  distanceRounding?: number;
  /**
   * The Python signature's `metric_rounding` (default 6): checked, and, as
   * in the Python library 0.18, not applied (its calibration compares the
   * metric values unrounded; rounding them would move the cutpoints).
   */
  metricRounding?: number;
  verbose?: Verbose;
}

export type LabelsLike = ArrayLike<Label> | ReadonlyArray<Label>;

/**
 * The arguments of `evaluateClassification`, named: one parameter list for
 * the interface and its implementations (a class method does not take its
 * parameter types from the interface it implements).
 */
export type EvaluateClassificationArgs = [
  queryLabels: LabelsLike,
  lookupLabels: RowsLike,
  lookupDistances: RowsLike,
  distanceThresholds: ArrayLike<number>,
  metrics: ReadonlyArray<string | ClassificationMetric>,
  matcher: string | ClassificationMatch,
  options?: EvaluateClassificationOptions,
];

/** The Python library's `Evaluator`: evaluates lookups and calibrates thresholds. */
export interface Evaluator {
  evaluateRetrieval(
    targetLabels: LabelsLike,
    lookups: ReadonlyArray<ReadonlyArray<Lookup>>,
    retrievalMetrics: ReadonlyArray<RetrievalMetric>,
    options?: EvaluateRetrievalOptions,
  ): Record<string, number>;
  evaluateClassification(...args: EvaluateClassificationArgs): Record<string, Float32Array>;
  calibrate(
    targetLabels: LabelsLike,
    lookups: ReadonlyArray<ReadonlyArray<Lookup>>,
    thresholdsTargets: Readonly<Record<string, number>>,
    calibrationMetric: string | ClassificationMetric,
    matcher: string | ClassificationMatch,
    options?: CalibrateOptions,
  ): CalibrationResults;
}
