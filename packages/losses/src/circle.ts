/**
 * Circle loss (Sun et al., CVPR 2020) on distances, as in the Python library:
 * each pair weighted by how far it is from its optimum.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { Distance, DistanceIdentifier } from '@tfsim/distances';

import type { LabelsInput } from './inputs';
import { batchMasks, type KeyOptions, type LossOptions, MetricLoss, metricLossValues, type PairBatch } from './loss';
import { logsumexp } from './mining';
import { metricDistanceOption, numberOption, type OptionRulesOf, type ResolvedOptions } from './option-rules';
import { tfc } from './tf';

export interface CircleLossOptions extends LossOptions {
  /** Default 'cosine'. */
  distance?: DistanceIdentifier;
  /** Scale of the pair terms. Default 80. */
  gamma?: number;
  /** Relaxation margin m: optimum distances m (positives) and 1 + m (negatives), decision margins m and 1 - m. Default 0.4. */
  margin?: number;
}

const RULES = {
  distance: metricDistanceOption('cosine'),
  gamma: numberOption(80.0, '>0'),
  margin: numberOption(0.4),
} satisfies OptionRulesOf<CircleLossOptions>;

type Resolved = ResolvedOptions<typeof RULES>;

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
  return metricLossValues('CircleLoss', RULES, perExample, labels, embeddings, options);
}

/**
 * Circle loss: per anchor with positives and negatives,
 * `log(1 + sum_P exp(-gamma [d + m]+ (m - d))) + log(1 + sum_N exp(gamma [1 + m - d]+ (1 - m - d)))`.
 */
export class CircleLoss extends MetricLoss {
  readonly className = 'CircleLoss';
  static override readonly optionRules = RULES;
  declare readonly distance: Distance;
  declare readonly gamma: number;
  declare readonly margin: number;

  constructor(options: CircleLossOptions = {}) {
    super(options, 'circle_loss');
  }

  computePerExample(batch: PairBatch): Tensor1D {
    return perExample(batch, this);
  }
}
