/** Metric-learning and self-supervised losses with mining strategies, for TensorFlow.js. */
export const PACKAGE_NAME = '@tfsim/losses';
