import { ShapeError, ValueError } from '@tfsim/utils';

import {
  BinaryAccuracy,
  type ClassificationCounts,
  type ClassificationMetric,
  F1Score,
  FalsePositiveRate,
  NegativePredictiveValue,
  Precision,
  Recall,
} from '../src';

// The four count sets of the Python library's tests.
const perfect: ClassificationCounts = { tp: [1, 1], fp: [0, 0], tn: [1, 1], fn: [0, 0], count: 2 };
const inverted: ClassificationCounts = { tp: [0, 0], fp: [1, 1], tn: [0, 0], fn: [1, 1], count: 2 };
const decent: ClassificationCounts = { tp: [10, 20], fp: [1, 2], tn: [10, 9], fn: [15, 5], count: 36 };
const single: ClassificationCounts = { tp: [1], fp: [0], tn: [1], fn: [0], count: 2 };

function expectClose(actual: ArrayLike<number>, expected: number[], rtol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  expected.forEach((e, i) => expect(Math.abs(actual[i]! - e)).toBeLessThanOrEqual(rtol * Math.abs(e) + 1e-7));
}

describe.each<[string, () => ClassificationMetric, number[][]]>([
  ['F1Score', () => new F1Score(), [[1, 1], [0, 0], [0.555556, 0.851064], [1]]],
  ['Precision', () => new Precision(), [[1, 1], [0, 0], [0.909091, 0.909091], [1]]],
  ['Recall', () => new Recall(), [[1, 1], [0, 0], [0.4, 0.8], [1]]],
  ['BinaryAccuracy', () => new BinaryAccuracy(), [[0.5, 0.5], [0, 0], [0.277778, 0.555556], [0.5]]],
  ['FalsePositiveRate', () => new FalsePositiveRate(), [[0, 0], [1, 1], [0.090909, 0.181818], [0]]],
  ['NegativePredictiveValue', () => new NegativePredictiveValue(), [[1, 1], [0, 0], [0.4, 0.642857], [1]]],
])('%s', (_name, make, expected) => {
  it.each([
    ['perfect classification', perfect, 0],
    ['inverted classification', inverted, 1],
    ['decent classification (DESIGN.md section 4)', decent, 2],
    ['single threshold', single, 3],
  ] as const)('%s', (_label, counts, i) => {
    expectClose(make().compute(counts), expected[i]!);
    // positional form, as Python's compute(tp, fp, tn, fn, count)
    expectClose(make().compute(counts.tp, counts.fp, counts.tn, counts.fn, counts.count), expected[i]!);
  });
});

describe('flags and names', () => {
  it.each<[ClassificationMetric, string, string, boolean, boolean]>([
    [new F1Score(), 'f1', 'f1_score', true, true],
    [new Precision(), 'precision', 'precision', true, false],
    [new Recall(), 'recall', 'recall', true, true],
    [new BinaryAccuracy(), 'binary_accuracy', 'binary_accuracy', true, true],
    [new FalsePositiveRate(), 'fpr', 'false_positive_rate', false, true],
    [new NegativePredictiveValue(), 'npv', 'negative_predictive_value', true, true],
  ])('%s', (m, name, canonicalName, maximize, increasing) => {
    expect(m.getConfig()).toEqual({ name, canonicalName, maximize, increasing });
    expect(String(m)).toBe(name);
  });
});

describe('division by zero', () => {
  it('gives 0 instead of NaN, at every threshold', () => {
    const zero: ClassificationCounts = { tp: [0, 0], fp: [0, 0], tn: [0, 0], fn: [0, 0], count: 0 };
    for (const m of [new F1Score(), new Recall(), new BinaryAccuracy(), new FalsePositiveRate(), new NegativePredictiveValue()]) {
      expect(Array.from(m.compute(zero))).toEqual([0, 0]);
    }
  });

  it('precision is 1 at the first threshold when nothing is matched there (and only when there are several)', () => {
    const counts = { tp: [0, 3, 4], fp: [0, 1, 4], tn: [5, 4, 1], fn: [5, 2, 1], count: 10 };
    expect(Array.from(new Precision().compute(counts))).toEqual([1, 0.75, 0.5]);
    expect(Array.from(new Precision().compute({ tp: [0], fp: [0], tn: [1], fn: [1], count: 2 }))).toEqual([0]);
    // matched but wrong at the first threshold: no adjustment
    expect(Array.from(new Precision().compute({ tp: [0, 1], fp: [1, 1], tn: [1, 0], fn: [0, 0], count: 2 }))).toEqual([0, 0.5]);
  });
});

describe('bad input', () => {
  it('rejects count vectors of different lengths or negative counts', () => {
    expect(() => new F1Score().compute([1, 2], [0], [0, 0], [0, 0], 2)).toThrow(ShapeError);
    expect(() => new F1Score().compute([1, 2], [0, 0], [0, 0], [0, 0], 2)).not.toThrow();
    expect(() => new F1Score().compute([1, -2], [0, 0], [0, 0], [0, 0], 2)).toThrow(ValueError);
    expect(() => new F1Score().compute([1, NaN], [0, 0], [0, 0], [0, 0], 2)).toThrow(/tp\[1\] is NaN/);
    expect(() => new BinaryAccuracy().compute([1], [0], [0], [0], NaN)).toThrow(/count/);
  });
});
