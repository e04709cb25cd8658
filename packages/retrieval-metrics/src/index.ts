/**
 * Retrieval metrics: how well the k nearest neighbours of each query match
 * its class. recall@k, precision@k (R-precision with clipAtR), MAP@k (MAP@R
 * with clipAtR), binary NDCG, micro and macro averaging, as in the Python
 * library; plus R-precision and MAP@R with each class's own R, mean
 * reciprocal rank and precision@1 as pytorch-metric-learning computes them.
 */
export {
  type Average,
  RetrievalMetric,
  type RetrievalMetricConfig,
  type RetrievalMetricOptions,
  assertRetrievalMetrics,
  pythonFloat,
} from './retrieval-metric';
export { computeMatchMask, type Mask, type RetrievalInputs } from './inputs';
export type { RowsLike } from '@tfsim/utils/core';
export { RecallAtK } from './recall-at-k';
export { PrecisionAtK, type PrecisionAtKOptions } from './precision-at-k';
export { MapAtK } from './map-at-k';
export { BNDCG } from './bndcg';
export { type AtROptions, MapAtR, MeanReciprocalRank, PrecisionAt1, RPrecision, type RankOptions } from './at-r';
export { type AnyRetrievalOptions, makeRetrievalMetric, retrievalMetrics } from './registry';
export {
  adjustedMutualInfoScore,
  AVERAGE_METHODS,
  expectedMutualInfo,
  mutualInfoScore,
  normalizedMutualInfoScore,
  type AverageMethod,
  type MutualInfoOptions,
} from './mutual-info';
export { clusteringScores, kMeans, type ClusteringScores, type KMeansOptions, type KMeansResult } from './clustering';
