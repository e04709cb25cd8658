/**
 * Soft nearest neighbour loss (Frosst et al., ICML 2019): how much of each
 * example's neighbourhood, weighted by exp(-d / T), belongs to its class.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { type Distance, type DistanceIdentifier, withoutGradient } from '@tfsim/distances';

import type { LabelsInput } from './inputs';
import { batchMasks, type KeyOptions, type LossOptions, MetricLoss, metricLossValues, type PairBatch } from './loss';
import { metricDistanceOption, numberOption, type OptionRulesOf, type ResolvedOptions } from './option-rules';
import { tfc } from './tf';

export interface SoftNearestNeighborLossOptions extends LossOptions {
  /** Default 'sql2' (squared euclidean). */
  distance?: DistanceIdentifier;
  /** Temperature T. Default 1. */
  temperature?: number;
}

/** Added inside the log, as in Python, so that an example with no close positive gives a large finite loss. */
const LOG_EPSILON = 1e-9;

const RULES = {
  distance: metricDistanceOption('sql2'),
  temperature: numberOption(1, '>0'),
} satisfies OptionRulesOf<SoftNearestNeighborLossOptions>;

type Resolved = ResolvedOptions<typeof RULES>;

function perExample(batch: PairBatch, o: Resolved): Tensor1D {
  const tf = tfc();
  const d = tf.div(o.distance.call(batch.queryEmbeddings, batch.keyEmbeddings), o.temperature);
  const [rows, cols] = d.shape as [number, number];
  const offDiagonal = tf.sub(1, tf.eye(rows, cols));
  const weights = tf.mul(tf.exp(tf.neg(d)), offDiagonal);
  const positiveMask = tf.cast(batchMasks(batch).positiveMask, 'float32');
  const all = tf.sum(weights, 1);
  const sameClass = tf.sum(tf.mul(weights, positiveMask), 1);
  const hasPositive = tf.cast(tf.notEqual(tf.sum(positiveMask, 1), 0), 'float32');
  // A row without neighbours (a batch of one) has 0 / 0: Python's NaN * 0 is
  // NaN there; we divide by 1 instead, so the excluded row is 0 with a 0 gradient.
  const safeAll = tf.where(
    withoutGradient(() => tf.greater(all, 0)),
    all,
    tf.onesLike(all),
  );
  return tf.neg(tf.mul(tf.log(tf.add(LOG_EPSILON, tf.div(sameClass, safeAll))), hasPositive));
}

/** Per-example soft nearest neighbour losses `[batch]` (the Python `soft_nn_loss`). */
export function softNnLoss(labels: LabelsInput, embeddings: Tensor2D, options: SoftNearestNeighborLossOptions & KeyOptions = {}): Tensor1D {
  return metricLossValues('SoftNearestNeighborLoss', RULES, perExample, labels, embeddings, options);
}

/**
 * Soft nearest neighbour loss: per example with a positive,
 * `-log(1e-9 + sum_{j in P} exp(-d_ij / T) / sum_{j != i} exp(-d_ij / T))`; 0 otherwise.
 */
export class SoftNearestNeighborLoss extends MetricLoss {
  readonly className = 'SoftNearestNeighborLoss';
  static override readonly optionRules = RULES;
  declare readonly distance: Distance;
  declare readonly temperature: number;

  constructor(options: SoftNearestNeighborLossOptions = {}) {
    super(options, 'soft_nn_loss');
  }

  computePerExample(batch: PairBatch): Tensor1D {
    return perExample(batch, this);
  }
}
