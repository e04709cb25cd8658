/** SimilarityModel and ContrastiveModel: train with a metric loss, index and serve in one object. */
export const PACKAGE_NAME = '@tfsim/models';
