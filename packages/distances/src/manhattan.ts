import type { Tensor2D } from '@tensorflow/tfjs-core';

import { BaseDistance, type PairKernel, type Tf } from './base';

/** Manhattan (L1) distance `sum |q - k|`. */
export class ManhattanDistance extends BaseDistance {
  readonly name = 'manhattan';
  readonly aliases = ['manhattan', 'manhattandistance', 'l1', 'taxicab'] as const;

  protected compute(tf: Tf, queries: Tensor2D, keys: Tensor2D): Tensor2D {
    const deltas = tf.sub(tf.expandDims(queries, 1), tf.expandDims(keys, 0));
    // |x| as x * sign(x): same values, and the gradient is sign(x) (0 at 0, as
    // in TensorFlow), where tfjs' own Abs gradient gives -1 at 0.
    return tf.sum(tf.mul(deltas, tf.sign(deltas)), 2);
  }

  protected kernel: PairKernel = (a, aOff, b, bOff, dim) => {
    let s = 0;
    for (let t = 0; t < dim; t++) s += Math.abs(a[aOff + t]! - b[bOff + t]!);
    return s;
  };
}
