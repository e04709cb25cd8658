/**
 * Supervised contrastive loss (Khosla et al., NeurIPS 2020), as
 * pytorch-metric-learning defines it: every same-class example is a positive
 * in a softmax over all other examples.
 */
import type { Scalar, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { Distance, DistanceIdentifier } from '@tfsim/distances';

import type { LabelsInput } from './inputs';
import { batchMasks, type KeyOptions, type LossOptions, MetricLoss, metricLossValues, type PairBatch } from './loss';
import { distanceOption, numberOption, type OptionRulesOf, type ResolvedOptions } from './option-rules';
import { maskedLogSumExp, meanOfPositive, similarityMatrix } from './similarity';
import { stopGradient, tfc } from './tf';

/** float32's smallest normal number, pytorch-metric-learning's `small_val`: keeps 0 / 0 at 0. */
const TINY = 1.1754943508222875e-38;

export interface SupConLossOptions extends LossOptions {
  /** Default 'cosine' (embeddings are L2-normalised inside, as pytorch-metric-learning's CosineSimilarity). */
  distance?: DistanceIdentifier;
  /** Default 0.1. */
  temperature?: number;
}

const RULES = {
  distance: distanceOption('cosine'),
  temperature: numberOption(0.1, '>0'),
} satisfies OptionRulesOf<SupConLossOptions>;

type Resolved = ResolvedOptions<typeof RULES>;

function perExample(batch: PairBatch, o: Resolved): Tensor1D {
  const tf = tfc();
  const masks = batchMasks(batch);
  const positive = tf.cast(masks.positiveMask, 'float32');
  let negativeMask = masks.negativeMask as Tensor2D;
  if (batch.removeDiagonal) {
    // Pair (i, i) is neither a positive nor a negative.
    const [rows, cols] = negativeMask.shape;
    negativeMask = tf.logicalAnd(negativeMask, tf.logicalNot(tf.cast(tf.eye(rows, cols), 'bool'))) as Tensor2D;
  }
  const negative = tf.cast(negativeMask, 'float32');
  const scores = tf.div(similarityMatrix(o.distance, batch.queryEmbeddings, batch.keyEmbeddings), o.temperature);
  const shifted = tf.sub(scores, stopGradient(tf.max(scores, 1, true))) as Tensor2D;
  const denominator = maskedLogSumExp(shifted, tf.add(positive, negative) as Tensor2D, 1, false);
  const logProbability = tf.sub(shifted, denominator);
  const meanLogProbability = tf.div(tf.sum(tf.mul(positive, logProbability), 1), tf.add(tf.sum(positive, 1), TINY));
  // As pytorch-metric-learning: no loss at all without a positive pair and a
  // negative pair in the batch, or with at most one pair of each kind.
  const positivePairs = tf.sum(positive);
  const negativePairs = tf.sum(negative);
  const active = tf.cast(
    tf.logicalAnd(
      tf.logicalAnd(tf.greater(positivePairs, 0), tf.greater(negativePairs, 0)),
      tf.logicalOr(tf.greater(positivePairs, 1), tf.greater(negativePairs, 1)),
    ),
    'float32',
  );
  return tf.mul(tf.neg(meanLogProbability), active) as Tensor1D;
}

/** Per-example supervised contrastive losses `[batch]` (0 for an anchor without positives). */
export function supConLoss(labels: LabelsInput, embeddings: Tensor2D, options: SupConLossOptions & KeyOptions = {}): Tensor1D {
  return metricLossValues('SupConLoss', RULES, perExample, labels, embeddings, options);
}

/**
 * Supervised contrastive loss: per anchor i with positives P(i),
 * `-1/|P(i)| sum_{p in P(i)} log(exp(s_ip / T) / sum_{k != i} exp(s_ik / T))`,
 * s the cosine similarity. `call` averages the anchors whose loss is > 0
 * (pytorch-metric-learning's AvgNonZeroReducer), so anchors without a
 * positive do not dilute it.
 */
export class SupConLoss extends MetricLoss {
  readonly className = 'SupConLoss';
  static override readonly optionRules = RULES;
  declare readonly distance: Distance;
  declare readonly temperature: number;

  constructor(options: SupConLossOptions = {}) {
    super(options, 'supcon_loss');
  }

  computePerExample(batch: PairBatch): Tensor1D {
    return perExample(batch, this);
  }

  protected override reduce(values: Tensor1D): Scalar {
    return meanOfPositive(values) as Scalar;
  }
}
