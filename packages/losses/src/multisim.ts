/**
 * Multi-similarity loss (Wang et al., CVPR 2019), with its pair mining, on
 * distances as in the Python library.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { type Distance, type DistanceIdentifier, maskedMax, maskedMin, withoutGradient } from '@tfsim/distances';
import type { OptionKeys } from '@tfsim/utils';

import { checkNumber, type LabelsInput } from './inputs';
import {
  batchMasks,
  type KeyOptions,
  Loss,
  type LossConfig,
  lossDistance,
  type LossOptions,
  MetricLoss,
  type PairBatch,
  pairBatch,
} from './loss';
import { logsumexp } from './mining';
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

interface Resolved {
  distance: Distance;
  alpha: number;
  beta: number;
  epsilon: number;
  lmda: number;
  center: number;
}

function resolve(options: MultiSimilarityLossOptions, loss: string): Resolved {
  return {
    distance: lossDistance(options.distance ?? 'cosine', loss),
    alpha: checkNumber(options.alpha ?? 2.0, 'alpha', loss, '>0'),
    beta: checkNumber(options.beta ?? 40.0, 'beta', loss, '>0'),
    epsilon: checkNumber(options.epsilon ?? 0.1, 'epsilon', loss),
    lmda: checkNumber(options.lmda ?? 0.5, 'lmda', loss),
    center: checkNumber(options.center ?? 1.0, 'center', loss),
  };
}

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
  const o = resolve(options, 'MultiSimilarityLoss');
  return tfc().tidy(() => perExample(pairBatch(labels, embeddings, options, 'MultiSimilarityLoss'), o));
}

/**
 * Multi-similarity loss: per anchor with informative pairs,
 * `log(1 + sum_P exp(alpha (d + lmda - center))) / alpha +
 * log(1 + sum_N exp(-beta (d + lmda - center))) / beta`, over the mined
 * positive (P) and negative (N) pairs; 0 for other anchors.
 */
export class MultiSimilarityLoss extends MetricLoss {
  readonly className = 'MultiSimilarityLoss';
  static override readonly optionKeys: OptionKeys<MultiSimilarityLossOptions> = {
    ...Loss.optionKeys,
    distance: true,
    alpha: true,
    beta: true,
    epsilon: true,
    lmda: true,
    center: true,
  };
  readonly distance: Distance;
  readonly alpha: number;
  readonly beta: number;
  readonly epsilon: number;
  readonly lmda: number;
  readonly center: number;

  constructor(options: MultiSimilarityLossOptions = {}) {
    super(options, 'multisim_loss');
    const o = resolve(options, this.className);
    this.distance = o.distance;
    this.alpha = o.alpha;
    this.beta = o.beta;
    this.epsilon = o.epsilon;
    this.lmda = o.lmda;
    this.center = o.center;
  }

  computePerExample(batch: PairBatch): Tensor1D {
    return perExample(batch, this);
  }

  getConfig(): LossConfig {
    const { alpha, beta, epsilon, lmda, center } = this;
    return { ...this.commonConfig(), distance: this.distance.name, alpha, beta, epsilon, lmda, center };
  }
}
