/**
 * Contrastive (pair margin) loss (Hadsell et al., 2006), as
 * pytorch-metric-learning defines it: positive pairs pulled within a margin,
 * negative pairs pushed beyond another.
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { type Distance, type DistanceIdentifier, withoutGradient } from '@tfsim/distances';

import type { LabelsInput } from './inputs';
import { batchMasks, type KeyOptions, type LossOptions, MetricLoss, metricLossValues, type PairBatch } from './loss';
import { distanceOption, numberOption, type OptionRulesOf, type ResolvedOptions } from './option-rules';
import { tfc } from './tf';

export interface ContrastiveLossOptions extends LossOptions {
  /** Default 'euclidean' (on the embeddings as given). A similarity (inner product) flips the margins. */
  distance?: DistanceIdentifier;
  /** Positive pairs closer than this cost nothing. Default 0. */
  positiveMargin?: number;
  /** Negative pairs farther than this cost nothing. Default 1. */
  negativeMargin?: number;
}

const RULES = {
  distance: distanceOption('euclidean'),
  positiveMargin: numberOption(0),
  negativeMargin: numberOption(1),
} satisfies OptionRulesOf<ContrastiveLossOptions>;

type Resolved = ResolvedOptions<typeof RULES>;

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
  return metricLossValues('ContrastiveLoss', RULES, perExample, labels, embeddings, options);
}

/**
 * Contrastive loss: `mean+ over positive pairs of relu(d - positiveMargin)
 * + mean+ over negative pairs of relu(negativeMargin - d)`, where mean+
 * averages the pairs with a loss > 0 (pytorch-metric-learning's
 * AvgNonZeroReducer).
 */
export class ContrastiveLoss extends MetricLoss {
  readonly className = 'ContrastiveLoss';
  static override readonly optionRules = RULES;
  declare readonly distance: Distance;
  declare readonly positiveMargin: number;
  declare readonly negativeMargin: number;

  constructor(options: ContrastiveLossOptions = {}) {
    super(options, 'contrastive_loss');
  }

  computePerExample(batch: PairBatch): Tensor1D {
    return perExample(batch, this);
  }
}
