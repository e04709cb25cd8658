/** TensorFlow.js layers for similarity models: MetricEmbedding and generalized-mean pooling. */
export const PACKAGE_NAME = '@tfsim/layers';
