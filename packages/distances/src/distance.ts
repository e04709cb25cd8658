/**
 * The Distance contract shared by the model side (tensors, for losses and
 * training metrics) and the index side (typed arrays, for search): one object
 * per distance, found by name or alias.
 */
import type { Tensor2D } from '@tensorflow/tfjs-core';

import type { RowDistance } from './row-distance';

export type { DistanceConfig } from './row-distance';

export interface Distance extends RowDistance {
  /**
   * Pairwise values on tensors: `[nq, d]` x `[nk, d]` -> `[nq, nk]`, with the
   * Python library's exact formula as `pairwise`. TensorFlow.js is loaded
   * only when called.
   */
  call(queries: Tensor2D, keys: Tensor2D): Tensor2D;
}
