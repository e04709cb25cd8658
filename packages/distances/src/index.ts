/** Every distance of TensorFlow Similarity by name and alias, as pairwise matrices on tensors and on typed arrays. */
export type { Distance, DistanceConfig } from './distance';
export const PACKAGE_NAME = '@tfsim/distances';
