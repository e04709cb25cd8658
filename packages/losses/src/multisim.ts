/**
 * Multi-similarity loss (Wang et al., CVPR 2019), with its pair mining, on
 * distances as in the Python library.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { type Distance, type DistanceIdentifier, maskedMax, maskedMin, withoutGradient } from '@tfsim/distances';

import type { LabelsInput } from './inputs';
import { batchMasks, type KeyOptions, type LossOptions, MetricLoss, metricLossValues, type PairBatch } from './loss';
import { logsumexp } from './mining';
import { metricDistanceOption, numberOption, type OptionRulesOf, type ResolvedOptions } from './option-rules';
import { tfc } from './tf';

export interface MultiSimilarityLossOptions extends LossOptions {
  /** Default 'cosine'. */
  distance?: DistanceIdentifier;
  /** Weight of the positive terms. Default 2. */
  alpha?: number;
  /** Weight of the negative terms. Default 40. */
  beta?: number;
  /** Mining slack: keep positives farther than (closest negative - epsilon) and negatives closer than (farthest positive + epsilon). Default 0.1. */
  epsilon?: number;
  /** Similarity threshold, as a shift of the distances. Default 0.5. */
  lmda?: number;
  /** Centre of the distances (1 for cosine). Default 1. */
  center?: number;
}

const RULES = {
  distance: metricDistanceOption('cosine'),
  alpha: numberOption(2.0, '>0'),
  beta: numberOption(40.0, '>0'),
  epsilon: numberOption(0.1),
  lmda: numberOption(0.5),
  center: numberOption(1.0),
} satisfies OptionRulesOf<MultiSimilarityLossOptions>;

type Resolved = ResolvedOptions<typeof RULES>;

function perExample(batch: PairBatch, o: Resolved): Tensor1D {
  const tf = tfc();
  const d = o.distance.call(batch.queryEmbeddings, batch.keyEmbeddings);
  const { positiveMask, negativeMask } = batchMasks(batch);
  // Informative pairs: positives farther than the closest negative - epsilon,
  // negatives closer than the farthest positive + epsilon.
  // (A selection: constants for autodiff.)
  const positivePairs = withoutGradient(() => {
    const closestNegative = tf.sub(maskedMin(d, negativeMask).values, o.epsilon);
    return tf.logicalAnd(tf.greater(d, closestNegative), positiveMask);
  });
  const negativePairs = withoutGradient(() => {
    const farthestPositive = tf.add(maskedMax(d, positiveMask).values, o.epsilon);
    return tf.logicalAnd(tf.less(d, farthestPositive), negativeMask);
  });
  const validAnchors = withoutGradient(() => tf.cast(tf.logicalAnd(tf.any(positivePairs, 1), tf.any(negativePairs, 1)), 'float32'));
  const shifted = tf.sub(tf.add(d, o.lmda), o.center) as Tensor2D;
  const positiveLoss = tf.div(logsumexp(tf.mul(shifted, o.alpha), tf.cast(positivePairs, 'float32')), o.alpha);
  const negativeLoss = tf.div(logsumexp(tf.mul(shifted, -o.beta), tf.cast(negativePairs, 'float32')), o.beta);
  return tf.mul(tf.reshape(tf.add(positiveLoss, negativeLoss), [-1]), validAnchors);
}

/** Per-example multi-similarity losses `[batch]` (the Python `multisimilarity_loss`). */
export function multisimilarityLoss(
  labels: LabelsInput,
  embeddings: Tensor2D,
  options: MultiSimilarityLossOptions & KeyOptions = {},
): Tensor1D {
  return metricLossValues('MultiSimilarityLoss', RULES, perExample, labels, embeddings, options);
}

/**
 * Multi-similarity loss: per anchor with informative pairs,
 * `log(1 + sum_P exp(alpha (d + lmda - center))) / alpha +
 * log(1 + sum_N exp(-beta (d + lmda - center))) / beta`, over the mined
 * positive (P) and negative (N) pairs; 0 for other anchors.
 */
export class MultiSimilarityLoss extends MetricLoss {
  readonly className = 'MultiSimilarityLoss';
  static override readonly optionRules = RULES;
  declare readonly distance: Distance;
  declare readonly alpha: number;
  declare readonly beta: number;
  declare readonly epsilon: number;
  declare readonly lmda: number;
  declare readonly center: number;

  constructor(options: MultiSimilarityLossOptions = {}) {
    super(options, 'multisim_loss');
  }

  computePerExample(batch: PairBatch): Tensor1D {
    return perExample(batch, this);
  }
}
