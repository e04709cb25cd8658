/**
 * BatchHardMiner (pytorch-metric-learning; Hermans et al. 2017, "In Defense
 * of the Triplet Loss"): for each anchor with a positive and a negative, the
 * farthest positive and the closest negative, as one triplet.
 */
import type { Tensor2D } from '@tensorflow/tfjs-core';
import { oneHotFloat, type PairMasks } from '@tfsim/distances';

import type { LabelsInput } from '../inputs';
import type { KeyOptions, PairBatch } from '../loss';
import { tfc } from '../tf';
import { type MinedTuples, Miner, type MinerOptions } from './miner';

export type BatchHardMinerOptions = MinerOptions;

export class BatchHardMiner extends Miner {
  readonly className = 'BatchHardMiner';

  /** Default distance: euclidean on L2-normalised embeddings (PML's LpDistance). */
  constructor(options: BatchHardMinerOptions = {}) {
    super(options, 'euclidean');
  }

  minePairs(batch: PairBatch): PairMasks {
    const tf = tfc();
    const d = this.distances(batch);
    const { positiveMask, negativeMask } = this.labelMasks(batch);
    // Hardest = farthest positive and closest negative; for a similarity the
    // order flips. Rows without candidates are dropped by `valid`.
    const similarity = this.distance.isSimilarity;
    const pick = (mask: Tensor2D, largest: boolean) => {
      const fill = tf.fill(d.shape, largest ? -Infinity : Infinity);
      const candidates = tf.where(mask, d, fill);
      const index = largest ? tf.argMax(candidates, 1) : tf.argMin(candidates, 1);
      return tf.cast(oneHotFloat(index, d.shape[1]!), 'bool'); // a batch of one is depth 1, which tf.oneHot refuses
    };
    const valid = tf.reshape(tf.logicalAnd(tf.any(positiveMask, 1), tf.any(negativeMask, 1)), [-1, 1]);
    return {
      positiveMask: tf.logicalAnd(pick(positiveMask, !similarity), valid) as Tensor2D,
      negativeMask: tf.logicalAnd(pick(negativeMask, similarity), valid) as Tensor2D,
    };
  }

  /** PML's output: one triplet `[a, p, n]` per anchor that has a positive and a negative. */
  override mine(labels: LabelsInput, embeddings: Tensor2D, options: KeyOptions = {}): MinedTuples {
    const pairs = super.mine(labels, embeddings, options) as { positive: [number, number][]; negative: [number, number][] };
    // One positive and one negative per kept anchor, both sorted by anchor.
    return { triplets: pairs.positive.map(([a, p], i) => [a, p, pairs.negative[i]![1]] as [number, number, number]) };
  }
}
