/**
 * A metric loss fed by a miner (pytorch-metric-learning's
 * `loss(embeddings, labels, miner(embeddings, labels))`): the loss sees only
 * the pairs the miner picked. Triplet miners give their triplets' pairs
 * (PML's convert_to_pairs); each anchor then goes through the loss's own
 * formula over its mined positives and negatives, and an anchor for which
 * the miner picked no pair contributes 0. The batch loss is the mean over
 * the batch, as for the loss alone.
 */
import type { Tensor1D, Tensor2D, Tensor3D } from '@tensorflow/tfjs-core';
import { type Distance, withoutGradient } from '@tfsim/distances';
import { ValueError } from '@tfsim/utils';

import { CircleLoss } from '../circle';
import { ContrastiveLoss } from '../contrastive';
import { LiftedStructLoss } from '../lifted';
import { type LossConfig, type LossOptions, MetricLoss, type PairBatch } from '../loss';
import { MultiSimilarityLoss } from '../multisim';
import { SoftNearestNeighborLoss } from '../softnn';
import { SupConLoss } from '../supcon';
import { tfc } from '../tf';
import { TripletLoss } from '../triplet';
import type { Miner } from './miner';

/** The losses whose formula reads the batch's pair masks (PNLoss through TripletLoss). */
const MINABLE = [TripletLoss, MultiSimilarityLoss, CircleLoss, SoftNearestNeighborLoss, LiftedStructLoss, ContrastiveLoss, SupConLoss];

export type MinedLossOptions = LossOptions;

export class MinedLoss extends MetricLoss {
  readonly className = 'MinedLoss';
  readonly distance: Distance;

  constructor(
    readonly loss: MetricLoss,
    readonly miner: Miner,
    options: MinedLossOptions = {},
  ) {
    super(options, 'mined_loss');
    if (!MINABLE.some((kind) => loss instanceof kind)) {
      const known = MINABLE.map((kind) => kind.name).join(', ');
      throw new ValueError(`MinedLoss: ${String(loss?.className ?? loss)} does not take mined pairs; it works with ${known} (and PNLoss)`);
    }
    if (typeof miner?.minePairs !== 'function') throw new ValueError(`MinedLoss: miner must be a Miner, got ${String(miner)}`);
    this.distance = loss.distance;
  }

  computePerExample(batch: PairBatch): Tensor1D {
    const tf = tfc();
    // A selection: constants for autodiff (argmax and comparisons have no gradient in tfjs).
    const mined = withoutGradient(() => {
      const masks = this.miner.minePairs(batch);
      return tf.stack([masks.positiveMask, masks.negativeMask]) as Tensor3D;
    });
    const [positiveMask, negativeMask] = tf.unstack(mined) as [Tensor2D, Tensor2D];
    const perExample = this.loss.computePerExample({ ...batch, mined: { positiveMask, negativeMask } });
    const hasPair = tf.logicalOr(tf.any(positiveMask, 1), tf.any(negativeMask, 1));
    return tf.where(hasPair, perExample, tf.zerosLike(perExample));
  }

  override getConfig(): LossConfig {
    return {
      ...this.commonConfig(),
      loss: { className: this.loss.className, config: this.loss.getConfig() },
      miner: { className: this.miner.className, config: this.miner.getConfig() },
    };
  }
}
