import type { Tensor2D } from '@tensorflow/tfjs-core';

import { BaseDistance, type PairKernel, type Tf } from './base';

/**
 * Below this squared distance, euclidean reports 0. The square root's
 * gradient is infinite at 0 (NaN after masking), so values are first raised
 * to this floor, then zeroed by a mask: the gradient there is 0, not NaN.
 */
export const SQRT_GUARD = 1e-18;

/** `|q|^2 - 2 q.k + |k|^2` for every pair, the way the Python library expands it. */
function squaredExpansion(tf: Tf, queries: Tensor2D, keys: Tensor2D): Tensor2D {
  const qNorm = tf.sum(tf.square(queries), 1, true);
  const kNorm = tf.sum(tf.square(keys), 1, true);
  const cross = tf.mul(2, tf.matMul(queries, keys, false, true));
  return tf.add(tf.sub(qNorm, cross), tf.transpose(kNorm));
}

function squaredDiff(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let t = 0;
  for (; t + 2 <= dim; t += 2) {
    const d0 = a[aOff + t]! - b[bOff + t]!;
    const d1 = a[aOff + t + 1]! - b[bOff + t + 1]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
  }
  if (t < dim) {
    const d = a[aOff + t]! - b[bOff + t]!;
    s0 += d * d;
  }
  return s0 + s1;
}

/** Euclidean (L2) distance `sqrt(|q - k|^2)`, 0 below a squared distance of 1e-18. */
export class EuclideanDistance extends BaseDistance {
  readonly name = 'euclidean';
  readonly aliases = ['euclidean', 'euclideandistance', 'l2', 'pythagorean'] as const;

  protected compute(tf: Tf, queries: Tensor2D, keys: Tensor2D): Tensor2D {
    const squared = squaredExpansion(tf, queries, keys);
    const keep = tf.cast(tf.greaterEqual(squared, SQRT_GUARD), 'float32');
    return tf.mul(tf.sqrt(tf.maximum(squared, SQRT_GUARD)), keep);
  }

  protected kernel: PairKernel = (a, aOff, b, bOff, dim) => {
    const s = squaredDiff(a, aOff, b, bOff, dim);
    return s >= SQRT_GUARD ? Math.sqrt(s) : 0;
  };
}

/** Squared euclidean distance `max(|q - k|^2, 0)` (the clip absorbs rounding below 0). */
export class SquaredEuclideanDistance extends BaseDistance {
  readonly name = 'squared_euclidean';
  readonly aliases = ['squared_euclidean', 'squaredeuclideandistance', 'sql2', 'sqeuclidean'] as const;

  protected compute(tf: Tf, queries: Tensor2D, keys: Tensor2D): Tensor2D {
    return tf.maximum(squaredExpansion(tf, queries, keys), 0);
  }

  protected kernel: PairKernel = squaredDiff;
}
