/**
 * The Python signatures' `distance_rounding` (evaluate_classification) and
 * `metric_rounding` (calibrate): accepted and checked, and, as in the Python
 * library 0.18, not applied, so the values are the Python ones.
 */
import { type Lookup, ValueError } from '@tfsim/utils';

import { MemoryEvaluator } from '../src';

// Seven queries, one neighbour each; precision by threshold is
// [1, 1, 2/3, 3/4, 3/5, 2/3, 4/7] (calibrate.test.ts works it out by hand).
const queryLabels = [0, 1, 2, 3, 4, 5, 6];
const nearest = [0, 1, 9, 3, 8, 5, 7];
const lookups: Lookup[][] = nearest.map((label, i) => [{ rank: 1, distance: (i + 1) / 10 + 0.0123, label }]);
const ev = new MemoryEvaluator();

describe('metricRounding in calibrate', () => {
  it('does not round the metric: precision rounded to 0 decimals would be 1 everywhere and move the optimum to the last threshold', () => {
    for (const metricRounding of [undefined, 6, 0]) {
      const { cutpoints } = ev.calibrate(queryLabels, lookups, {}, 'precision', 'match_nearest', { metricRounding });
      expect(cutpoints.optimal!.distance).toBe(Math.fround(0.2123));
      expect(cutpoints.optimal!.value).toBe(1);
    }
  });

  it('must be an integer >= 0', () => {
    expect(() => ev.calibrate(queryLabels, lookups, {}, 'precision', 'match_nearest', { metricRounding: -1 })).toThrow(ValueError);
    expect(() => ev.calibrate(queryLabels, lookups, {}, 'precision', 'match_nearest', { metricRounding: 1.5 })).toThrow(
      'metricRounding must be an integer >= 0, got 1.5',
    );
  });
});

describe('distanceRounding in evaluateClassification', () => {
  const labels = nearest.map((l) => [l]);
  const distances = lookups.map((row) => [row[0]!.distance]);
  const thresholds = [0.1, 0.2123, 0.5];

  it('leaves the given distances as they are (Python rounds them in calibrate, not here)', () => {
    const plain = ev.evaluateClassification(queryLabels, labels, distances, thresholds, ['recall'], 'match_nearest');
    const rounded = ev.evaluateClassification(queryLabels, labels, distances, thresholds, ['recall'], 'match_nearest', {
      distanceRounding: 1,
    });
    // Rounded to 1 decimal, 0.1123 would be 0.1 and give recall 1/4 at threshold 0.1.
    expect(Array.from(plain.recall!)).toEqual([0, 0.5, 0.75]);
    expect(rounded).toEqual(plain);
  });

  it('must be an integer >= 0', () => {
    expect(() =>
      ev.evaluateClassification(queryLabels, labels, distances, thresholds, ['precision'], 'match_nearest', { distanceRounding: -2 }),
    ).toThrow('distanceRounding must be an integer >= 0, got -2');
  });
});
