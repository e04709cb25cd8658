import { UnknownNameError } from '@tfsim/utils';

import {
  BinaryAccuracy,
  classificationMetrics,
  F1Score,
  FalsePositiveRate,
  makeClassificationMetric,
  NegativePredictiveValue,
  Precision,
  Recall,
} from '../src';

describe('makeClassificationMetric', () => {
  it.each([
    ['f1', F1Score],
    ['f1score', F1Score],
    ['f1_score', F1Score],
    ['precision', Precision],
    ['recall', Recall],
    ['binary_accuracy', BinaryAccuracy],
    ['fpr', FalsePositiveRate],
    ['false_positive_rate', FalsePositiveRate],
    ['npv', NegativePredictiveValue],
    ['negative_predicitve_value', NegativePredictiveValue],
    ['negative_predictive_value', NegativePredictiveValue],
  ] as const)('%s', (name, cls) => {
    const m = makeClassificationMetric(name);
    expect(m).toBeInstanceOf(cls);
    // named after the name it was asked by, as in Python
    expect(m.name).toBe(name);
  });

  it('lower-cases the name, renames on request and passes instances through', () => {
    expect(makeClassificationMetric('F1').name).toBe('f1');
    expect(makeClassificationMetric('false_positive_rate', 'foo').name).toBe('foo');
    const m = new Recall();
    expect(makeClassificationMetric(m)).toBe(m);
    expect(makeClassificationMetric(m, 'r@0.5').name).toBe('r@0.5');
  });

  it('an unknown name is an UnknownNameError', () => {
    expect(() => makeClassificationMetric('foo')).toThrow(UnknownNameError);
    expect(() => makeClassificationMetric('foo')).toThrow(
      /unknown classification metric "foo"; known classification metrics: f1_score, precision/,
    );
    expect(classificationMetrics.names()).toEqual([
      'f1_score',
      'precision',
      'recall',
      'binary_accuracy',
      'false_positive_rate',
      'negative_predictive_value',
    ]);
  });
});
