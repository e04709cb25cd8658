/** SimilarityModel and ContrastiveModel: train with a metric loss, index and serve in one object. */
export const PACKAGE_NAME = '@tfsim/models';
export {
  type CalibrationResults,
  type CreateIndexOptions,
  type CutpointEvaluation,
  type EmbeddingHead,
  type IndexHost,
  type IndexOptions,
  type LabelsInput,
  type MatchOptions,
  type ModelCalibrateOptions,
  type ModelEvaluateClassificationOptions,
  type ModelInput,
  type RetrievalMetricList,
  countExamples,
  toLabelArray,
  withIndex,
} from './index-api';
export * from './contrastive';
export * from './schedules';
export {
  type CompileChoices,
  type DatasetLike,
  type LoadModelOptions,
  type LossFunction,
  type LossSpec,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
  type MetricFunction,
  type MetricSpec,
  type SamplerLike,
  type SimilarityCompileArgs,
  type SimilarityFitArgs,
  type SimilaritySaveConfig,
  SimilarityModel,
  loadModel,
} from './similarity-model';
export { readLayersModel, writeLayersModel } from './model-files';
export {
  type AdamFusion,
  GraphTrainer,
  type GraphReport,
  type GraphTrainerOptions,
  type JsCounter,
  opLibraryPath,
  type TrainStep,
} from './graph';
