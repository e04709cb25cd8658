import type { Tensor2D } from '@tensorflow/tfjs-core';

import { BaseDistance, dot, type PairKernel, type Tf } from './base';

/**
 * The inner product q . k, a similarity: larger means closer. Not a distance,
 * so most built-in losses (which expect a distance) flip their margin with it.
 */
export class InnerProductSimilarity extends BaseDistance {
  readonly name = 'inner_product';
  readonly aliases = ['inner_product', 'ip', 'innerproductsimilarity'] as const;
  override readonly isSimilarity = true;

  protected compute(tf: Tf, queries: Tensor2D, keys: Tensor2D): Tensor2D {
    return tf.matMul(queries, keys, false, true);
  }

  protected kernel: PairKernel = dot;
}
