import type { Tensor2D } from '@tensorflow/tfjs-core';

import { BaseDistance, dot, type PairKernel, type Tf } from './base';

/**
 * Cosine distance `max(1 - q . k, 0)`, from 0 (same direction) up. As in the
 * Python library the embeddings are expected to be L2-normalised already:
 * the distance does not normalise them itself.
 */
export class CosineDistance extends BaseDistance {
  readonly name = 'cosine';
  readonly aliases = ['cosine', 'cosinedistance'] as const;

  protected compute(tf: Tf, queries: Tensor2D, keys: Tensor2D): Tensor2D {
    return tf.maximum(tf.sub(1, tf.matMul(queries, keys, false, true)), 0);
  }

  protected kernel: PairKernel = (a, aOff, b, bOff, dim) => Math.max(1 - dot(a, aOff, b, bOff, dim), 0);
}
