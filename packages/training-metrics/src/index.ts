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
// The shortcuts module is public as a whole: the Python names (avg_pos ... dist_gap) and the lookups by name.
export * from './shortcuts';
export { batchClassRatio, type LabelledBatch } from './batch-class-ratio';
