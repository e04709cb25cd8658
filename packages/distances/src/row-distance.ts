/**
 * The index side's view of a distance: its names and the pairwise math on
 * typed arrays. Declared apart from `Distance` so that it names no
 * TensorFlow.js type.
 */
import type { MatrixLike } from '@tfsim/utils/core';

export interface DistanceConfig {
  /** Canonical name: `cosine`, `euclidean`, ... */
  name: string;
}

export interface RowDistance {
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
   * Pairwise values on typed arrays, row-major `[nq * nk]`, computed in
   * float64 and stored as float32. Takes a `Matrix` (used as is) or a list of
   * rows (copied once).
   */
  pairwise(queries: MatrixLike, keys: MatrixLike): Float32Array;
  /** The value between two vectors of the same length. */
  between(a: ArrayLike<number>, b: ArrayLike<number>): number;
  getConfig(): DistanceConfig;
}
