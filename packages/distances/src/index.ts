/**
 * @tfsim/distances: every distance of TensorFlow Similarity by name and alias,
 * as pairwise matrices on tensors (model side) and on typed arrays (index
 * side), plus the mining helpers (`algebra`) the losses and training metrics
 * share. Loads without TensorFlow.js; the tensor functions load it when called.
 */
export type { Distance, DistanceConfig } from './distance';
export type { RowDistance } from './row-distance';
export { BaseDistance, type PairKernel } from './base';
export { InnerProductSimilarity } from './inner-product';
export { CosineDistance } from './cosine';
export { EuclideanDistance, SquaredEuclideanDistance, SQRT_GUARD } from './euclidean';
export { ManhattanDistance } from './manhattan';
export { SNRDistance } from './snr';
export {
  canonicalDistanceName,
  deserializeDistance,
  distanceAliases,
  distanceNames,
  fromPythonConfig,
  getDistance,
  isDistance,
  registerDistance,
  serializeDistance,
  type DistanceIdentifier,
} from './registry';
export { buildMasks, maskedMax, maskedMin, oneHotFloat, withoutGradient, type MaskedReduction, type PairMasks } from './algebra';
