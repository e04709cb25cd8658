export {
  checkAlgorithm,
  CONTRASTIVE_ALGORITHMS,
  CONTRASTIVE_MODEL_FORMAT,
  CONTRASTIVE_MODEL_FORMAT_VERSION,
  type ContrastiveAlgorithm,
  type ContrastiveCallback,
  type ContrastiveCompileOptions,
  type ContrastiveEmbedding,
  type ContrastiveEvaluateOptions,
  type ContrastiveFitOptions,
  type ContrastiveHistory,
  type ContrastiveLoss,
  type ContrastiveLosses,
  ContrastiveModel,
  type ContrastiveModelOptions,
  type ContrastiveSaveOptions,
  defaultContrastiveLoss,
  type ViewLossFn,
} from './model';
export { createContrastiveModel, type CreateContrastiveModelOptions } from './create';
export { BN_EPSILON, getPredictor, getProjector, type PredictorOptions, type ProjectorOptions } from './heads';
export {
  type ContrastiveData,
  splitViews,
  type ViewAugmenter,
  type ViewAugmenterFn,
  type ViewAugmenterObject,
  type ViewSampler,
  type ViewSamplerBatch,
} from './views';
export { loadLayersModelFrom, saveLayersModel } from './layers-io';
