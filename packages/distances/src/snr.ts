import type { Tensor2D } from '@tensorflow/tfjs-core';

import { BaseDistance, type PairKernel, type Tf } from './base';

function variance(a: ArrayLike<number>, aOff: number, dim: number, b?: ArrayLike<number>, bOff = 0): number {
  let mean = 0;
  for (let t = 0; t < dim; t++) mean += b ? a[aOff + t]! - b[bOff + t]! : a[aOff + t]!;
  mean /= dim;
  let v = 0;
  for (let t = 0; t < dim; t++) {
    const x = (b ? a[aOff + t]! - b[bOff + t]! : a[aOff + t]!) - mean;
    v += x * x;
  }
  return v / dim;
}

/**
 * Signal-to-noise-ratio distance `var(q - k) / var(q)` (population
 * variances over the embedding dimension). Not symmetric: the query is the
 * anchor whose variance is the signal.
 */
export class SNRDistance extends BaseDistance {
  readonly name = 'snr';
  readonly aliases = ['snr', 'snrdistance', 'signal-to-noise-ratio'] as const;

  protected compute(tf: Tf, queries: Tensor2D, keys: Tensor2D): Tensor2D {
    const anchorVariance = tf.moments(queries, 1, true).variance;
    const deltas = tf.sub(tf.expandDims(queries, 1), tf.expandDims(keys, 0));
    const noiseVariance = tf.moments(deltas, 2).variance as Tensor2D;
    return tf.div(noiseVariance, anchorVariance);
  }

  protected kernel: PairKernel = (a, aOff, b, bOff, dim) => variance(a, aOff, dim, b, bOff) / variance(a, aOff, dim);
}
