/**
 * Training callbacks: EvalCallback evaluates a model's embeddings at the end
 * of every epoch (the Python library's `callbacks` module), logging to the
 * console, a JSON-lines file and TensorBoard.
 */
export {
  type ClassificationMetricSpec,
  type DistanceSpec,
  EvalCallback,
  type EvalCallbackOptions,
  type EvalInputs,
  type MatcherSpec,
  type RetrievalMetricSpec,
} from './eval-callback';
export {
  type BatchSourceOptions,
  type BatchStream,
  type CollectedBatches,
  collectBatches,
  type DatasetLike,
  type LabeledBatch,
} from './batch-source';
export { ConsoleLogger, type EpochLogger, JsonlLogger, TensorBoardLogger } from './loggers';
export { type ResultValue, unpackResults } from './unpack-results';
