import { makeClassificationMetric } from '@tfsim/classification-metrics';
import { BNDCG, MapAtK, PrecisionAtK, RecallAtK, type RetrievalMetric } from '@tfsim/retrieval-metrics';
import { loadReference } from '@tfsim/test-utils/reference';
import type { Lookup } from '@tfsim/utils';

import { MemoryEvaluator, roundDistance } from '../src';

interface CalibrationCase {
  target_labels: number[];
  lookups: Lookup[][];
  calibration_metric: string;
  matcher: string;
  extra_metrics: string[];
  thresholds_targets: Record<string, number>;
  cutpoints: Record<string, Record<string, number | string>>;
  thresholds: Record<string, number[]>;
  cutpoint_keys?: Record<string, string[]>;
  threshold_keys?: string[];
}
interface Reference {
  calibrations: CalibrationCase[];
  ragged: CalibrationCase;
  rounding: Array<{ decimals: number; input: number[]; thresholds: number[] }>;
  retrievals: Array<{
    target_labels: number[];
    lookups: Lookup[][];
    metrics: Array<{ metric: string; params: Record<string, unknown> }>;
    results: Record<string, number>;
  }>;
  classifications: Array<{
    query_labels: number[];
    lookup_labels: number[][];
    lookup_distances: number[][];
    distance_thresholds: number[];
    matcher: string;
    results: Record<string, number[]>;
  }>;
}

const ref = loadReference<Reference>(__dirname);
const ev = new MemoryEvaluator();

function calibrate(c: CalibrationCase) {
  return ev.calibrate(c.target_labels, c.lookups, c.thresholds_targets, makeClassificationMetric(c.calibration_metric), c.matcher, {
    extraMetrics: c.extra_metrics,
    verbose: false,
  });
}

describe('MemoryEvaluator against the Python library (tools/reference/tfsim_reference.py)', () => {
  it.each(ref.calibrations.map((c, i) => [i, c.calibration_metric, c.matcher, c] as const))(
    'calibrate case %i (%s, %s): curve, cutpoints and key order, bit for bit',
    (_i, _metric, _matcher, c) => {
      const res = calibrate(c);
      expect(Object.keys(res.thresholds)).toEqual(c.threshold_keys);
      for (const [key, values] of Object.entries(c.thresholds)) expect([key, Array.from(res.thresholds[key]!)]).toEqual([key, values]);
      expect(res.cutpoints).toEqual(c.cutpoints);
      for (const [name, keys] of Object.entries(c.cutpoint_keys!)) expect(Object.keys(res.cutpoints[name]!)).toEqual(keys);
      expect(Object.keys(res.cutpoints)).toEqual(Object.keys(c.cutpoints));
    },
  );

  it('calibrate pads short lookup rows as Python does (label 0x7FFFFFFF, distance Infinity)', () => {
    const res = calibrate(ref.ragged);
    for (const [key, values] of Object.entries(ref.ragged.thresholds)) expect(Array.from(res.thresholds[key]!)).toEqual(values);
    expect(res.cutpoints).toEqual(ref.ragged.cutpoints);
  });

  it.each(ref.rounding.map((r) => [r.decimals, r] as const))('distance rounding to %i decimals (float32, half to even)', (digits, r) => {
    const expected = [...new Set(r.input.map((d) => roundDistance(d, digits)))].sort((a, b) => a - b);
    expect(expected).toEqual(r.thresholds);
    const lookups = r.input.map((d) => [{ rank: 1, distance: d, label: 0 }]);
    const res = ev.calibrate(new Array(lookups.length).fill(0), lookups, {}, 'f1', 'match_nearest', {
      distanceRounding: digits,
      verbose: false,
    });
    expect(Array.from(res.thresholds.distance!)).toEqual(r.thresholds);
  });

  it.each(ref.retrievals.map((r, i) => [i, r] as const))('evaluateRetrieval case %i', (_i, r) => {
    const metrics: RetrievalMetric[] = r.metrics.map(({ metric, params: p }) => {
      const o = {
        k: p.k as number,
        average: p.average as 'micro' | 'macro' | undefined,
        dropClosestLookup: p.drop_closest_lookup as boolean | undefined,
        distanceThreshold: p.distance_threshold as number | undefined,
        r: p.r as Record<number, number> | undefined,
        clipAtR: p.clip_at_r as boolean | undefined,
        name: p.name as string | undefined,
      };
      if (metric === 'recall_at_k') return new RecallAtK(o);
      if (metric === 'precision_at_k') return new PrecisionAtK(o);
      if (metric === 'map_at_k') return new MapAtK(o);
      return new BNDCG(o);
    });
    const res = ev.evaluateRetrieval(r.target_labels, r.lookups, metrics);
    expect(Object.keys(res)).toEqual(Object.keys(r.results));
    for (const [name, value] of Object.entries(r.results)) {
      // means over queries: within a float32 ulp of TensorFlow's SIMD summation
      expect(Math.abs(res[name]! - value)).toBeLessThanOrEqual(2e-7);
    }
  });

  it.each(ref.classifications.map((c, i) => [i, c.matcher, c] as const))('evaluateClassification case %i (%s)', (_i, matcher, c) => {
    const res = ev.evaluateClassification(
      c.query_labels,
      c.lookup_labels,
      c.lookup_distances,
      c.distance_thresholds,
      ['f1', 'precision', 'recall', 'binary_accuracy', 'fpr', 'npv'],
      matcher,
      { verbose: false },
    );
    expect(Object.keys(res)).toEqual(Object.keys(c.results));
    for (const [key, values] of Object.entries(c.results)) expect([key, Array.from(res[key]!)]).toEqual([key, values]);
  });
});
