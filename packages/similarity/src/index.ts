/**
 * The whole of `@tfsim` under one import, each package as a namespace named
 * after its Python module (`tensorflow_similarity.losses` is `tfsim.losses`,
 * `classification_metrics` is `tfsim.classificationMetrics`):
 *
 * ```ts
 * import * as tfsim from '@tfsim/similarity';
 * const loss = new tfsim.losses.MultiSimilarityLoss();
 * ```
 *
 * Importing it loads every package, including the model side's TensorFlow.js
 * peers; a light install (an index server, say) imports the packages it needs.
 */
export * as utils from '@tfsim/utils';
export * as distances from '@tfsim/distances';
export * as losses from '@tfsim/losses';
export * as samplers from '@tfsim/samplers';
export * as stores from '@tfsim/stores';
export * as search from '@tfsim/search';
export * as matchers from '@tfsim/matchers';
export * as classificationMetrics from '@tfsim/classification-metrics';
export * as retrievalMetrics from '@tfsim/retrieval-metrics';
export * as trainingMetrics from '@tfsim/training-metrics';
export * as evaluators from '@tfsim/evaluators';
export * as indexer from '@tfsim/indexer';
export * as layers from '@tfsim/layers';
export * as models from '@tfsim/models';
export * as architectures from '@tfsim/architectures';
export * as callbacks from '@tfsim/callbacks';
export * as visualization from '@tfsim/visualization';

/** The package behind each namespace, in the order above. */
export const NAMESPACES = {
  utils: '@tfsim/utils',
  distances: '@tfsim/distances',
  losses: '@tfsim/losses',
  samplers: '@tfsim/samplers',
  stores: '@tfsim/stores',
  search: '@tfsim/search',
  matchers: '@tfsim/matchers',
  classificationMetrics: '@tfsim/classification-metrics',
  retrievalMetrics: '@tfsim/retrieval-metrics',
  trainingMetrics: '@tfsim/training-metrics',
  evaluators: '@tfsim/evaluators',
  indexer: '@tfsim/indexer',
  layers: '@tfsim/layers',
  models: '@tfsim/models',
  architectures: '@tfsim/architectures',
  callbacks: '@tfsim/callbacks',
  visualization: '@tfsim/visualization',
} as const;

export const PACKAGE_NAME = '@tfsim/similarity';
