import { loadReference } from '@tfsim/test-utils/reference';

import { type ClassificationMetric, makeClassificationMetric } from '../src';
import { BinaryAccuracy, F1Score, FalsePositiveRate, NegativePredictiveValue, Precision, Recall } from '../src';

type Case = Record<'tp' | 'fp' | 'tn' | 'fn' | 'f1' | 'precision' | 'recall' | 'binary_accuracy' | 'fpr' | 'npv', number[]> & {
  count: number;
};
interface PyConfig {
  name: string;
  canonical_name: string;
  maximize: boolean;
  increasing: boolean;
}
const ref = loadReference<{ cases: Case[]; names: Record<string, PyConfig> }>(__dirname);

const metrics: Array<[keyof Case, () => ClassificationMetric]> = [
  ['f1', () => new F1Score()],
  ['precision', () => new Precision()],
  ['recall', () => new Recall()],
  ['binary_accuracy', () => new BinaryAccuracy()],
  ['fpr', () => new FalsePositiveRate()],
  ['npv', () => new NegativePredictiveValue()],
];

describe('classification metrics against the Python library (tools/reference/tfsim_reference.py)', () => {
  it.each(ref.cases.map((c, i) => [i, c] as const))('case %i: every metric, bit for bit (float32)', (_i, c) => {
    for (const [key, make] of metrics) {
      expect([key, Array.from(make().compute(c.tp, c.fp, c.tn, c.fn, c.count))]).toEqual([key, c[key]]);
    }
  });

  it('names, canonical names and flags by alias', () => {
    for (const [alias, config] of Object.entries(ref.names)) {
      expect(makeClassificationMetric(alias).getConfig()).toEqual({
        name: config.name,
        canonicalName: config.canonical_name,
        maximize: config.maximize,
        increasing: config.increasing,
      });
    }
  });
});
