/**
 * Classification metrics over distance thresholds: F1, precision, recall,
 * binary accuracy, false positive rate and negative predictive value, each
 * computed for a whole vector of thresholds from TP/FP/TN/FN counts.
 */
export { ClassificationMetric, type ClassificationCounts, type ClassificationMetricConfig, divideNoNan } from './classification-metric';
export { BinaryAccuracy, F1Score, FalsePositiveRate, NegativePredictiveValue, Precision, Recall } from './metrics';
export { classificationMetrics, makeClassificationMetric } from './registry';
