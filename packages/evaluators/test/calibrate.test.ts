import { EmptyIndexError, type Lookup, ShapeError, UnknownNameError, ValueError } from '@tfsim/utils';

import { lastArgExtreme, MemoryEvaluator } from '../src';

/*
 * Seven queries, one neighbour each, distances 0.1 .. 0.7. Queries 3, 5 and 7
 * are matched to a wrong label. By hand, with a threshold at each distance:
 *
 *   threshold   0.1   0.2   0.3   0.4   0.5   0.6   0.7
 *   tp           1     2     2     3     3     4     4
 *   fp           0     0     1     1     2     2     3
 *   fn           3     2     2     1     1     0     0
 *   tn           3     3     2     2     1     1     0
 *   precision    1     1    2/3   3/4   3/5   2/3   4/7     (decreasing)
 *   recall      1/4   1/2   1/2   3/4   3/4    1     1      (increasing)
 *   fpr          0     0    1/3   1/3   2/3   2/3    1      (to minimise)
 *   accuracy    1/7   2/7   2/7   3/7   3/7   4/7   4/7     (tp / 7)
 */
const queryLabels = [0, 1, 2, 3, 4, 5, 6];
const nearest = [0, 1, 9, 3, 8, 5, 7];
const lookups: Lookup[][] = nearest.map((label, i) => [{ rank: 1, distance: (i + 1) / 10, label }]);
const f = Math.fround;
const curve = {
  distance: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7].map(f),
  precision: [1, 1, 2 / 3, 3 / 4, 3 / 5, 2 / 3, 4 / 7].map(f),
  recall: [1 / 4, 1 / 2, 1 / 2, 3 / 4, 3 / 4, 1, 1].map(f),
  fpr: [0, 0, 1 / 3, 1 / 3, 2 / 3, 2 / 3, 1].map(f),
  binary_accuracy: [1, 2, 2, 3, 3, 4, 4].map((x) => f(x / 7)),
};
const ev = new MemoryEvaluator();

function near(a: number, b: number): boolean {
  return Math.abs(a - b) < 1e-6;
}

describe('calibrate on hand-built lookups', () => {
  it('returns the full threshold curve: every distinct distance, each metric, and value', () => {
    const res = ev.calibrate(queryLabels, lookups, {}, 'precision', 'match_nearest', {
      extraMetrics: ['recall', 'fpr', 'binary_accuracy'],
      verbose: false,
    });
    expect(Object.keys(res.thresholds)).toEqual(['distance', 'recall', 'fpr', 'binary_accuracy', 'precision', 'value']);
    for (const [key, values] of Object.entries(curve)) {
      Array.from(res.thresholds[key]!).forEach((v, i) => expect([key, i, near(v, values[i]!)]).toEqual([key, i, true]));
    }
    expect(res.thresholds.value).toBe(res.thresholds.precision);
  });

  it('non-increasing metric (precision): optimal at the LAST maximum; targets take the last index reaching them', () => {
    const res = ev.calibrate(queryLabels, lookups, { '0.7': 0.7, '0.95': 0.95, '1.1': 1.1 }, 'precision', 'match_nearest', {
      extraMetrics: ['recall'],
      verbose: false,
    });
    // precision is 1 at 0.1 and at 0.2: the last one wins
    expect(res.cutpoints.optimal).toEqual({ name: 'optimal', value: 1, distance: f(0.2), recall: 0.5, precision: 1 });
    // >= 0.7 at 0.1, 0.2 and 0.4 -> the last: 0.4
    expect(res.cutpoints['0.7']).toEqual({ name: '0.7', value: 0.75, distance: f(0.4), recall: 0.75, precision: 0.75 });
    expect(res.cutpoints['0.95']!.distance).toBe(f(0.2));
    // never reached: no cutpoint
    expect(res.cutpoints['1.1']).toBeUndefined();
    expect(Object.keys(res.cutpoints)).toEqual(['optimal', '0.7', '0.95']);
  });

  it('increasing metric (recall): optimal at the last maximum; targets take the first index reaching them', () => {
    const res = ev.calibrate(queryLabels, lookups, { half: 0.5, '0.75': 0.75, all: 1 }, 'recall', 'match_nearest', { verbose: false });
    // recall is 1 at 0.6 and 0.7: the last one
    expect(res.cutpoints.optimal!.distance).toBe(f(0.7));
    expect(res.cutpoints.optimal!.value).toBe(1);
    expect(res.cutpoints.half!.distance).toBe(f(0.2));
    expect(res.cutpoints['0.75']!.distance).toBe(f(0.4));
    expect(res.cutpoints.all!.distance).toBe(f(0.6));
  });

  it('binary accuracy (increasing, ties at the top): the last maximum', () => {
    const res = ev.calibrate(queryLabels, lookups, { '0.4': 0.4 }, 'binary_accuracy', 'match_nearest', { verbose: false });
    expect(res.cutpoints.optimal!.distance).toBe(f(0.7));
    expect(near(res.cutpoints.optimal!.value, 4 / 7)).toBe(true);
    expect(res.cutpoints['0.4']!.distance).toBe(f(0.4));
  });

  it('a metric to minimise (FPR): optimal at the last minimum', () => {
    const res = ev.calibrate(queryLabels, lookups, {}, 'fpr', 'match_nearest', { verbose: false });
    expect(res.cutpoints.optimal!.distance).toBe(f(0.2));
    expect(res.cutpoints.optimal!.value).toBe(0);
  });

  it('F1: optimal where precision and recall balance best', () => {
    const res = ev.calibrate(queryLabels, lookups, {}, 'f1', 'match_nearest', { verbose: false });
    // F1 = 2PR/(P+R): 0.4, 0.667, 0.571, 0.75, 0.667, 0.8, 0.727
    expect(res.cutpoints.optimal!.distance).toBe(f(0.6));
    expect(near(res.cutpoints.optimal!.value, 0.8)).toBe(true);
  });

  it('distances equal after rounding are one threshold', () => {
    const lk: Lookup[][] = [0.301, 0.304, 0.296, 0.5].map((distance, i) => [{ rank: 1, distance, label: i }]);
    const res = ev.calibrate([0, 1, 2, 3], lk, {}, 'f1', 'match_nearest', { distanceRounding: 2, verbose: false });
    expect(Array.from(res.thresholds.distance!)).toEqual([f(0.3), f(0.5)]);
  });

  it('lastArgExtreme picks the last of equal values', () => {
    expect(lastArgExtreme([0.1, 0.5, 0.2, 0.5, 0.3], true)).toBe(3);
    expect(lastArgExtreme([0.1, 0.5, 0.1, 0.5, 0.3], false)).toBe(2);
    expect(lastArgExtreme([0.7], true)).toBe(0);
  });
});

describe('evaluateClassification', () => {
  it('the Python test: precision 0.5 and recall 1 at Infinity', () => {
    const res = ev.evaluateClassification(
      [0, 0, 1, 1, 2, 2, 3, 3],
      [[0], [10], [1], [10], [2], [10], [3], [10]],
      [[0.0], [0.1], [0.2], [0.3], [0.4], [0.5], [0.6], [0.7]],
      [Infinity],
      ['precision', 'recall'],
      'match_nearest',
      { verbose: false },
    );
    expect(Array.from(res.precision!)).toEqual([0.5]);
    expect(Array.from(res.recall!)).toEqual([1]);
    expect(Array.from(res.distance!)).toEqual([Infinity]);
  });

  it('pairs each value with its threshold even when the thresholds come unsorted', () => {
    const res = ev.evaluateClassification([0, 1], [[0], [1]], [[0.1], [0.5]], [0.5, 0.1], ['recall'], 'match_nearest', { verbose: false });
    expect(Array.from(res.distance!)).toEqual([f(0.1), f(0.5)]);
    expect(Array.from(res.recall!)).toEqual([0.5, 1]);
  });
});

describe('bad input', () => {
  it('gives clear errors', () => {
    expect(() => ev.calibrate([], [], {}, 'f1', 'match_nearest')).toThrow('lookups must not be empty. Is there no data in the index?');
    expect(() => ev.calibrate([0, 1], [[], []], {}, 'f1', 'match_nearest')).toThrow(EmptyIndexError);
    expect(() => ev.calibrate([0, 1, 2], lookups.slice(0, 2), {}, 'f1', 'match_nearest')).toThrow(ShapeError);
    expect(() => ev.calibrate([0], [lookups[0]!], {}, 'f2', 'match_nearest')).toThrow(UnknownNameError);
    expect(() => ev.calibrate([0], [lookups[0]!], {}, 'f1', 'match_best')).toThrow(/unknown matcher "match_best"/);
    expect(() => ev.calibrate([0], [lookups[0]!], { x: Number.NaN }, 'f1', 'match_nearest')).toThrow(ValueError);
    expect(() => ev.calibrate([0], [[{ rank: 1, distance: 0.1, label: null }]], {}, 'f1', 'match_nearest')).toThrow(
      /lookups\[0\]\[0\] has label null/,
    );
    expect(() => ev.evaluateRetrieval([0], [[{ rank: 1, distance: 0.1, label: 0 }]], [{ k: 5 } as never])).toThrow(/not a RetrievalMetric/);
  });
});
