import { Registry, TfsimError } from '@tfsim/utils/core';

import { ClassificationMetric } from './classification-metric';
import { BinaryAccuracy, F1Score, FalsePositiveRate, NegativePredictiveValue, Precision, Recall } from './metrics';

/**
 * Classification metrics by name, with the Python library's aliases
 * (including its misspelt `negative_predicitve_value`).
 */
export const classificationMetrics = new Registry<ClassificationMetric>('classification metric');
classificationMetrics.register(['f1_score', 'f1', 'f1score'], () => new F1Score());
classificationMetrics.register(['precision'], () => new Precision());
classificationMetrics.register(['recall'], () => new Recall());
classificationMetrics.register(['binary_accuracy'], () => new BinaryAccuracy());
classificationMetrics.register(['false_positive_rate', 'fpr'], () => new FalsePositiveRate());
classificationMetrics.register(['negative_predictive_value', 'npv', 'negative_predicitve_value'], () => new NegativePredictiveValue());

/**
 * A metric for a name (a new instance named after the lower-cased name it was
 * asked by, as in Python: `'f1_score'` gives a metric named `f1_score`), or
 * the instance itself. `name`, when given, renames it.
 */
export function makeClassificationMetric(metric: string | ClassificationMetric, name = ''): ClassificationMetric {
  let m: ClassificationMetric;
  if (typeof metric === 'string') {
    m = classificationMetrics.get(metric);
    m.name = metric.toLowerCase();
  } else if (
    metric instanceof ClassificationMetric ||
    (metric !== null && typeof metric === 'object' && typeof (metric as ClassificationMetric).compute === 'function')
  ) {
    m = metric;
  } else {
    throw new TfsimError(
      `a classification metric must be a name (${classificationMetrics.names().join(', ')}) or a ClassificationMetric, got ${String(metric)}`,
    );
  }
  if (name) m.name = name;
  return m;
}
