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
