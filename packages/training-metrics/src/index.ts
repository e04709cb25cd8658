/**
 * @tfsim/training-metrics: distance statistics tracked during training, as
 * TensorFlow Similarity's `training_metrics` (avg_pos, min_neg, dist_gap,
 * ...), usable as tfjs-layers metrics (`metric.metricFunction`) and with
 * Keras' update/result/reset state for custom training loops.
 */
export {
  DistanceGapMetric,
  DistanceMetric,
  type Aggregate,
  type Anchor,
  type DistanceGapMetricConfig,
  type DistanceMetricConfig,
  type DistanceMetricOptions,
  type LayersMetricFunction,
  type NegativeMiningStrategy,
  type PositiveMiningStrategy,
} from './distance-metric';
export {
  avgNeg,
  avgPos,
  deserializeTrainingMetric,
  distGap,
  fromPythonConfig,
  getTrainingMetric,
  maxNeg,
  maxPos,
  minNeg,
  minPos,
  sumNeg,
  sumPos,
  trainingMetricNames,
  type TrainingMetric,
} from './shortcuts';
export { batchClassRatio, type LabelledBatch } from './batch-class-ratio';
