/**
 * The index: add embeddings with labels and data, look up nearest
 * neighbours, calibrate the distance threshold of a match, match, evaluate,
 * save and load, with statistics. Index side: no TensorFlow.js.
 */
export {
  type AddOptions,
  type CalibrateOptions,
  type EvaluateClassificationOptions,
  type IndexDataFrame,
  Indexer,
  type IndexLookup,
  type IndexRecord,
  type IndexerOptions,
  type LoadOptions,
  type MatchOptions,
  type SaveOptions,
  type Verbose,
} from './indexer';
export type { Prediction, Predictions } from './inputs';
export { INDEX_FORMAT, INDEX_FORMAT_VERSION } from './saved-index';
export { canonicalJson, type IndexLabel } from './labels';
export { type IndexStats, type QueryPerformance } from './stats';
export { isSearch, isStore, makeSearch, makeStore, type SearchSpec, type StoreSpec } from './resolve';
export { formatTable } from './table';
