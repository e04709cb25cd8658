/**
 * Circle loss (Sun et al., CVPR 2020) on distances, as in the Python library:
 * each pair weighted by how far it is from its optimum.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { type Distance, type DistanceIdentifier } from '@tfsim/distances';
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

export interface CircleLossOptions extends LossOptions {
  /** Default 'cosine'. */
  distance?: DistanceIdentifier;
  /** Scale of the pair terms. Default 80. */
  gamma?: number;
  /** Relaxation margin m: optimum distances m (positives) and 1 + m (negatives), decision margins m and 1 - m. Default 0.4. */
  margin?: number;
}

interface Resolved {
  distance: Distance;
  gamma: number;
  margin: number;
}

function resolve(options: CircleLossOptions, loss: string): Resolved {
  return {
    distance: lossDistance(options.distance ?? 'cosine', loss),
    gamma: checkNumber(options.gamma ?? 80.0, 'gamma', loss, '>0'),
    margin: checkNumber(options.margin ?? 0.4, 'margin', loss),
  };
}

function perExample(batch: PairBatch, o: Resolved): Tensor1D {
  const tf = tfc();
  const optimumPositive = o.margin;
  const optimumNegative = 1 + o.margin;
  const deltaPositive = o.margin;
  const deltaNegative = 1 - o.margin;
  const d = o.distance.call(batch.queryEmbeddings, batch.keyEmbeddings);
  const masks = batchMasks(batch);
  const validAnchors = tf.cast(tf.logicalAnd(tf.any(masks.positiveMask, 1), tf.any(masks.negativeMask, 1)), 'float32');
  const positiveMask = tf.cast(masks.positiveMask, 'float32');
  const negativeMask = tf.cast(masks.negativeMask, 'float32');
  const positiveWeights = tf.maximum(tf.mul(tf.add(d, optimumPositive), positiveMask), 0);
  const negativeWeights = tf.maximum(tf.mul(tf.sub(optimumNegative, d), negativeMask), 0);
  const positiveTerms = tf.mul(tf.mul(positiveWeights, tf.sub(deltaPositive, d)), -o.gamma) as Tensor2D;
  const negativeTerms = tf.mul(tf.mul(negativeWeights, tf.sub(deltaNegative, d)), o.gamma) as Tensor2D;
  const loss = tf.add(logsumexp(positiveTerms, positiveMask), logsumexp(negativeTerms, negativeMask));
  return tf.mul(tf.reshape(loss, [-1]), validAnchors);
}

/** Per-example circle losses `[batch]` (the Python `circle_loss`). */
export function circleLoss(labels: LabelsInput, embeddings: Tensor2D, options: CircleLossOptions & KeyOptions = {}): Tensor1D {
  const o = resolve(options, 'CircleLoss');
  return tfc().tidy(() => perExample(pairBatch(labels, embeddings, options, 'CircleLoss'), o));
}

/**
 * Circle loss: per anchor with positives and negatives,
 * `log(1 + sum_P exp(-gamma [d + m]+ (m - d))) + log(1 + sum_N exp(gamma [1 + m - d]+ (1 - m - d)))`.
 */
export class CircleLoss extends MetricLoss {
  readonly className = 'CircleLoss';
  static override readonly optionKeys: OptionKeys<CircleLossOptions> = { ...Loss.optionKeys, distance: true, gamma: true, margin: true };
  readonly distance: Distance;
  readonly gamma: number;
  readonly margin: number;

  constructor(options: CircleLossOptions = {}) {
    super(options, 'circle_loss');
    const o = resolve(options, this.className);
    this.distance = o.distance;
    this.gamma = o.gamma;
    this.margin = o.margin;
  }

  computePerExample(batch: PairBatch): Tensor1D {
    return perExample(batch, this);
  }

  getConfig(): LossConfig {
    return { ...this.commonConfig(), distance: this.distance.name, gamma: this.gamma, margin: this.margin };
  }
}
