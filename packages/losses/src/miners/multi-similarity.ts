/**
 * MultiSimilarityMiner (pytorch-metric-learning; Wang et al., CVPR 2019):
 * keeps the positive pairs less similar than the anchor's most similar
 * negative plus epsilon, and the negative pairs more similar than its least
 * similar positive minus epsilon. Output: positive and negative pairs.
 */
import type { Tensor2D } from '@tensorflow/tfjs-core';
import type { PairMasks } from '@tfsim/distances';

import { checkNumber } from '../inputs';
import type { PairBatch } from '../loss';
import { tfc } from '../tf';
import { Miner, type MinerConfig, type MinerOptions } from './miner';

export interface MultiSimilarityMinerOptions extends MinerOptions {
  /** Slack of the comparisons. Default 0.1. */
  epsilon?: number;
}

export class MultiSimilarityMiner extends Miner {
  readonly className = 'MultiSimilarityMiner';
  readonly epsilon: number;

  /** Default distance: 'inner_product' of L2-normalised embeddings (PML's CosineSimilarity). */
  constructor(options: MultiSimilarityMinerOptions = {}) {
    super(options, 'inner_product');
    this.epsilon = checkNumber(options.epsilon ?? 0.1, 'epsilon', this.className);
  }

  minePairs(batch: PairBatch): PairMasks {
    const tf = tfc();
    const d = this.distances(batch);
    const { positiveMask, negativeMask } = this.labelMasks(batch);
    const rowExtreme = (mask: Tensor2D, largest: boolean) =>
      largest
        ? tf.max(tf.where(mask, d, tf.fill(d.shape, -Infinity)), 1, true)
        : tf.min(tf.where(mask, d, tf.fill(d.shape, Infinity)), 1, true);
    const e = this.epsilon;
    // Rows without negatives (positives) keep no positive (negative): their
    // extreme is infinite and every comparison with it fails, as in PML.
    if (this.distance.isSimilarity) {
      return {
        positiveMask: tf.logicalAnd(positiveMask, tf.less(tf.sub(d, e), rowExtreme(negativeMask, true))) as Tensor2D,
        negativeMask: tf.logicalAnd(negativeMask, tf.greater(tf.add(d, e), rowExtreme(positiveMask, false))) as Tensor2D,
      };
    }
    return {
      positiveMask: tf.logicalAnd(positiveMask, tf.greater(tf.add(d, e), rowExtreme(negativeMask, false))) as Tensor2D,
      negativeMask: tf.logicalAnd(negativeMask, tf.less(tf.sub(d, e), rowExtreme(positiveMask, true))) as Tensor2D,
    };
  }

  override getConfig(): MinerConfig {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}
