/**
 * Contrastive (pair margin) loss (Hadsell et al., 2006), as
 * pytorch-metric-learning defines it: positive pairs pulled within a margin,
 * negative pairs pushed beyond another.
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { type Distance, type DistanceIdentifier, getDistance, withoutGradient } from '@tfsim/distances';
import type { OptionKeys } from '@tfsim/utils';

import { checkNumber, type LabelsInput } from './inputs';
import { batchMasks, type KeyOptions, Loss, type LossConfig, type LossOptions, MetricLoss, type PairBatch, pairBatch } from './loss';
import { tfc } from './tf';

export interface ContrastiveLossOptions extends LossOptions {
  /** Default 'euclidean' (on the embeddings as given). A similarity (inner product) flips the margins. */
  distance?: DistanceIdentifier;
  /** Positive pairs closer than this cost nothing. Default 0. */
  positiveMargin?: number;
  /** Negative pairs farther than this cost nothing. Default 1. */
  negativeMargin?: number;
}

interface Resolved {
  distance: Distance;
  positiveMargin: number;
  negativeMargin: number;
}

function resolve(options: ContrastiveLossOptions, loss: string): Resolved {
  return {
    distance: getDistance(options.distance ?? 'euclidean'),
    positiveMargin: checkNumber(options.positiveMargin ?? 0, 'positiveMargin', loss),
    negativeMargin: checkNumber(options.negativeMargin ?? 1, 'negativeMargin', loss),
  };
}

/**
 * Each anchor's share of the batch loss, `n * (sum_j pos_ij / Pnz + sum_j
 * neg_ij / Nnz)`, so that the mean over anchors is the pair-averaged loss
 * (Pnz, Nnz: the numbers of positive and negative pairs with a loss > 0).
 */
function perExample(batch: PairBatch, o: Resolved): Tensor1D {
  const tf = tfc();
  const d = o.distance.call(batch.queryEmbeddings, batch.keyEmbeddings);
  const masks = batchMasks(batch);
  let negativeMask = masks.negativeMask as Tensor2D;
  if (batch.removeDiagonal) {
    const [rows, cols] = negativeMask.shape;
    negativeMask = tf.logicalAnd(negativeMask, tf.logicalNot(tf.cast(tf.eye(rows, cols), 'bool'))) as Tensor2D;
  }
  const positive = tf.cast(masks.positiveMask, 'float32');
  const negative = tf.cast(negativeMask, 'float32');
  const positiveLosses = o.distance.isSimilarity ? tf.relu(tf.sub(o.positiveMargin, d)) : tf.relu(tf.sub(d, o.positiveMargin));
  const negativeLosses = o.distance.isSimilarity ? tf.relu(tf.sub(d, o.negativeMargin)) : tf.relu(tf.sub(o.negativeMargin, d));
  const share = (losses: Tensor, mask: Tensor) => {
    const masked = tf.mul(losses, mask);
    const nonZero = withoutGradient(() => tf.sum(tf.cast(tf.greater(masked, 0), 'float32')));
    return tf.div(tf.sum(masked, 1), tf.maximum(nonZero, 1));
  };
  const rows = d.shape[0];
  const perAnchor = tf.mul(tf.add(share(positiveLosses, positive), share(negativeLosses, negative)), rows);
  // As pytorch-metric-learning: no loss when there is at most one pair of each kind.
  const pairs = tf.logicalOr(tf.greater(tf.sum(positive), 1), tf.greater(tf.sum(negative), 1));
  return tf.mul(perAnchor, tf.cast(pairs, 'float32')) as Tensor1D;
}

/** Each anchor's share `[batch]` of the contrastive loss (their mean is the loss). */
export function contrastiveLoss(labels: LabelsInput, embeddings: Tensor2D, options: ContrastiveLossOptions & KeyOptions = {}): Tensor1D {
  const o = resolve(options, 'ContrastiveLoss');
  return tfc().tidy(() => perExample(pairBatch(labels, embeddings, options, 'ContrastiveLoss'), o));
}

/**
 * Contrastive loss: `mean+ over positive pairs of relu(d - positiveMargin)
 * + mean+ over negative pairs of relu(negativeMargin - d)`, where mean+
 * averages the pairs with a loss > 0 (pytorch-metric-learning's
 * AvgNonZeroReducer).
 */
export class ContrastiveLoss extends MetricLoss {
  readonly className = 'ContrastiveLoss';
  static override readonly optionKeys: OptionKeys<ContrastiveLossOptions> = {
    ...Loss.optionKeys,
    distance: true,
    positiveMargin: true,
    negativeMargin: true,
  };
  readonly distance: Distance;
  readonly positiveMargin: number;
  readonly negativeMargin: number;

  constructor(options: ContrastiveLossOptions = {}) {
    super(options, 'contrastive_loss');
    const o = resolve(options, this.className);
    this.distance = o.distance;
    this.positiveMargin = o.positiveMargin;
    this.negativeMargin = o.negativeMargin;
  }

  computePerExample(batch: PairBatch): Tensor1D {
    return perExample(batch, this);
  }

  getConfig(): LossConfig {
    return {
      ...this.commonConfig(),
      distance: this.distance.name,
      positiveMargin: this.positiveMargin,
      negativeMargin: this.negativeMargin,
    };
  }
}
