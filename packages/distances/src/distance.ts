/**
 * The Distance contract shared by the model side (tensors, for losses and
 * training metrics) and the index side (typed arrays, for search): one object
 * per distance, found by name or alias.
 */
import type { Tensor2D } from '@tensorflow/tfjs-core';
import type { MatrixLike } from '@tfsim/utils';

export interface DistanceConfig {
  /** Canonical name: `cosine`, `euclidean`, ... */
  name: string;
}

export interface Distance {
  /** Canonical name (the Python library's): `inner_product`, `cosine`, `euclidean`, `squared_euclidean`, `manhattan`, `snr`. */
  readonly name: string;
  /** Every accepted name, canonical first. */
  readonly aliases: readonly string[];
  /**
   * True when larger values mean closer (the inner product). Search ordering
   * and threshold calibration depend on it.
   */
  readonly isSimilarity: boolean;
  /**
   * Pairwise values on tensors: `[nq, d]` x `[nk, d]` -> `[nq, nk]`, with the
   * Python library's exact formula. TensorFlow.js is loaded only when called.
   */
  call(queries: Tensor2D, keys: Tensor2D): Tensor2D;
  /**
   * Pairwise values on typed arrays, row-major `[nq * nk]`, same formula as
   * `call` (computed in float64, stored as float32). For the index side.
   * Takes a `Matrix` (used as is) or a list of rows (copied once).
   */
  pairwise(queries: MatrixLike, keys: MatrixLike): Float32Array;
  /** The value between two vectors of the same length. */
  between(a: ArrayLike<number>, b: ArrayLike<number>): number;
  getConfig(): DistanceConfig;
}
