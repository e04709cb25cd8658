/**
 * The Python library's `MemoryEvaluator`: evaluation and calibration of
 * lookups held in memory.
 */
import { type ClassificationMetric, makeClassificationMetric } from '@tfsim/classification-metrics';
import { type ClassificationMatch, makeClassificationMatcher } from '@tfsim/matchers';
import { assertRetrievalMetrics, computeMatchMask, type RetrievalMetric } from '@tfsim/retrieval-metrics';
import { assertInteger, createProgress, type Lookup, ShapeError, toLabels, ValueError } from '@tfsim/utils/core';

import type {
  CalibrateOptions,
  CalibrationResults,
  Cutpoint,
  EvaluateClassificationArgs,
  EvaluateRetrievalOptions,
  Evaluator,
  LabelsLike,
  Verbose,
} from './types';
import { unpackLookupDistances, unpackLookupLabels } from './unpack';

function progressOn(verbose: Verbose): boolean | undefined {
  if (verbose === undefined) return undefined;
  return Boolean(verbose);
}

/** Index of the last largest (or smallest) value: ties resolve to the larger distance. */
export function lastArgExtreme(values: ArrayLike<number>, largest: boolean): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) {
    const v = values[i]!;
    const b = values[best]!;
    if (largest ? v >= b : v <= b) best = i;
  }
  return best;
}

function cutpointAt(name: string, results: Record<string, Float32Array>, metricName: string, idx: number): Cutpoint {
  const cp: Cutpoint = { name, value: results[metricName]![idx]!, distance: 0 };
  for (const [key, values] of Object.entries(results)) cp[key] = values[idx]!;
  return cp;
}

export class MemoryEvaluator implements Evaluator {
  /**
   * Every retrieval metric over the lookups; keys are the metrics' names.
   * Distances are rounded to `distanceRounding` decimals first.
   */
  evaluateRetrieval(
    targetLabels: LabelsLike,
    lookups: ReadonlyArray<ReadonlyArray<Lookup>>,
    retrievalMetrics: ReadonlyArray<RetrievalMetric>,
    options: EvaluateRetrievalOptions = {},
  ): Record<string, number> {
    const queryLabels = toLabels(targetLabels, { name: 'targetLabels', op: 'evaluateRetrieval' });
    if (queryLabels.length !== lookups.length) {
      throw new ShapeError(`targetLabels has ${queryLabels.length} labels but there are ${lookups.length} lookup sets`);
    }
    if (lookups.length === 0) throw new ValueError('lookups must not be empty');
    assertRetrievalMetrics(retrievalMetrics);
    const labels = unpackLookupLabels(lookups);
    const distances = unpackLookupDistances(lookups, options.distanceRounding ?? 8);
    for (const m of retrievalMetrics) {
      if (labels.cols < m.k) {
        throw new ValueError(
          `Each query example returned ${labels.cols} neighbors, but retrieval metric ${m.name} requires the K >= ${m.k}.`,
        );
      }
    }
    const matchMask = computeMatchMask(queryLabels, labels);
    const evaluation: Record<string, number> = {};
    for (const m of retrievalMetrics) {
      evaluation[m.name] = m.compute({
        queryLabels,
        lookupLabels: labels,
        lookupDistances: distances,
        matchMask,
        classCounts: options.classCounts,
      });
    }
    return evaluation;
  }

  /**
   * Every classification metric at each distance threshold: `distance` (the
   * thresholds, sorted ascending) and one array per metric name.
   */
  evaluateClassification(
    ...[queryLabels, lookupLabels, lookupDistances, distanceThresholds, metrics, matcher, options = {}]: EvaluateClassificationArgs
  ): Record<string, Float32Array> {
    assertInteger(options.distanceRounding ?? 8, 'distanceRounding', 0);
    const ms = metrics.map((m) => makeClassificationMetric(m));
    const match = makeClassificationMatcher(matcher);
    match.compile(distanceThresholds);
    const counts = match.computeCount(queryLabels, lookupLabels, lookupDistances);
    const progress = createProgress({ label: 'evaluating', total: ms.length, enabled: progressOn(options.verbose) });
    // The curve pairs each value with its (sorted) threshold.
    const results: Record<string, Float32Array> = { distance: match.distanceThresholds!.slice() };
    for (const m of ms) {
      results[m.name] = m.compute(counts);
      progress.tick();
    }
    progress.done();
    return results;
  }

  /**
   * The distance thresholds that meet targets of the calibration metric. The
   * thresholds tried are every distinct distance of the lookups (rounded to
   * `distanceRounding` decimals). `optimal` is the last threshold where the
   * metric is largest (smallest for a metric to minimise, like FPR). A target
   * `{name: value}` gives the first threshold where the metric reaches the
   * value for an increasing metric, the last one for a decreasing metric;
   * none when it is never reached.
   */
  calibrate(
    targetLabels: LabelsLike,
    lookups: ReadonlyArray<ReadonlyArray<Lookup>>,
    thresholdsTargets: Readonly<Record<string, number>> = {},
    calibrationMetric: string | ClassificationMetric = 'f1_score',
    matcher: string | ClassificationMatch = 'match_nearest',
    options: CalibrateOptions = {},
  ): CalibrationResults {
    if (!Array.isArray(lookups) || lookups.length === 0) {
      throw new ValueError('lookups must not be empty. Is there no data in the index?');
    }
    const queryLabels = toLabels(targetLabels, { name: 'targetLabels', op: 'calibrate' });
    if (queryLabels.length !== lookups.length) {
      throw new ShapeError(`targetLabels has ${queryLabels.length} labels but there are ${lookups.length} lookup sets`);
    }
    for (const [name, value] of Object.entries(thresholdsTargets ?? {})) {
      if (typeof value !== 'number' || Number.isNaN(value)) {
        throw new ValueError(`thresholdsTargets["${name}"] must be a number, got ${String(value)}`);
      }
    }
    assertInteger(options.metricRounding ?? 6, 'metricRounding', 0);
    const calibration = makeClassificationMetric(calibrationMetric);
    const combined = [...(options.extraMetrics ?? []).map((m) => makeClassificationMetric(m)), calibration];

    const distances = unpackLookupDistances(lookups, options.distanceRounding ?? 8);
    const labels = unpackLookupLabels(lookups);
    const thresholds = Float32Array.from(new Set(distances.data)).sort();

    const progress = createProgress({ label: 'calibrating', total: 1, enabled: progressOn(options.verbose) });
    const results = this.evaluateClassification(queryLabels, labels, distances, thresholds, combined, matcher, {
      verbose: false,
    });
    progress.tick(1, `${thresholds.length} thresholds`);

    const values = results[calibration.name]!;
    const cutpoints: Record<string, Cutpoint> = {};
    cutpoints.optimal = cutpointAt('optimal', results, calibration.name, lastArgExtreme(values, calibration.maximize));
    for (const [name, target] of Object.entries(thresholdsTargets ?? {})) {
      let first = -1;
      let last = -1;
      for (let i = 0; i < values.length; i++) {
        if (values[i]! >= target) {
          if (first < 0) first = i;
          last = i;
        }
      }
      if (first >= 0) cutpoints[name] = cutpointAt(name, results, calibration.name, calibration.increasing ? first : last);
    }
    results.value = values;
    progress.done();
    return { cutpoints, thresholds: results };
  }
}
