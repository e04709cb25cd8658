/**
 * @tfsim/layers: TensorFlow.js layers for similarity models. Importing this
 * package registers the layers with TensorFlow.js' serialization, so models
 * that use them save and reload with `model.save` / `tf.loadLayersModel`.
 */
export { MetricEmbedding, metricEmbedding, type MetricEmbeddingArgs } from './metric-embedding';
export {
  GeneralizedMeanPooling,
  GeneralizedMeanPooling1D,
  GeneralizedMeanPooling2D,
  generalizedMeanPooling1d,
  generalizedMeanPooling2d,
  type DataFormat,
  type GeneralizedMeanPoolingArgs,
  type PowerConfig,
} from './gem';
export { ActivationStdLoggingLayer, activationStdLayers, activationStdLogger, type ActivationStdLoggingLayerArgs } from './activation-std';
export { l2Normalize, L2_EPSILON } from './l2';
export { Normalization, type NormalizationArgs } from './normalization';
export {
  FreezableBatchNormalization,
  NonAffineBatchNormalization,
  type BatchNormalizationArgs,
  type NonAffineBatchNormalizationArgs,
} from './batch-normalization';
