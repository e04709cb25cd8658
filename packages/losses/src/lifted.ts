/**
 * Lifted structured loss (Oh Song et al., CVPR 2016) with a mined positive,
 * as the Python library computes it.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { type Distance, type DistanceIdentifier, oneHotFloat } from '@tfsim/distances';

import type { LabelsInput } from './inputs';
import { batchMasks, type KeyOptions, type LossOptions, MetricLoss, metricLossValues, type PairBatch } from './loss';
import { logsumexp, POSITIVE_MINING, positiveDistances, type PositiveMining } from './mining';
import { choiceOption, metricDistanceOption, numberOption, type OptionRulesOf, type ResolvedOptions } from './option-rules';
import { tfc } from './tf';

export interface LiftedStructLossOptions extends LossOptions {
  /** Default 'cosine'. */
  distance?: DistanceIdentifier;
  /** 'hard' (default) or 'easy'. */
  positiveMiningStrategy?: PositiveMining;
  /** Default 1. */
  margin?: number;
}

const RULES = {
  distance: metricDistanceOption('cosine'),
  positiveMiningStrategy: choiceOption<PositiveMining>('hard', POSITIVE_MINING),
  margin: numberOption(1.0),
} satisfies OptionRulesOf<LiftedStructLossOptions>;

type Resolved = ResolvedOptions<typeof RULES>;

function perExample(batch: PairBatch, o: Resolved): Tensor1D {
  const tf = tfc();
  const d = o.distance.call(batch.queryEmbeddings, batch.keyEmbeddings);
  const { positiveMask, negativeMask } = batchMasks(batch);
  const positive = positiveDistances(o.positiveMiningStrategy, d, positiveMask);
  // As the Python library does: the columns of the mined positives' indices
  // (tf.gather on axis 1) joined to the anchor's own distances.
  // (tf.gather(d, idx, 1) is d . onehot(idx)^T; a product, for wasm's sake.)
  const chosen = oneHotFloat(positive.indices, d.shape[1]);
  const reordered = tf.matMul(d, chosen, false, true);
  const negatives = tf.cast(negativeMask, 'float32');
  const reorderedNegatives = tf.matMul(negatives, chosen, false, true);
  const joined = tf.concat([d, reordered], 1) as Tensor2D;
  const joinedNegatives = tf.concat([negatives, reorderedNegatives], 1);
  const negativeTerm = logsumexp(tf.sub(o.margin, joined) as Tensor2D, joinedNegatives);
  return tf.reshape(tf.div(tf.add(negativeTerm, positive.values), 2), [-1]);
}

/** Per-example lifted structured losses `[batch]` (the Python `lifted_struct_loss`). */
export function liftedStructLoss(labels: LabelsInput, embeddings: Tensor2D, options: LiftedStructLossOptions & KeyOptions = {}): Tensor1D {
  return metricLossValues('LiftedStructLoss', RULES, perExample, labels, embeddings, options);
}

/**
 * Lifted structured loss: per anchor i with mined positive p,
 * `(log(1 + sum_{k in N} exp(margin - d_ik) + sum_{k: y_p(k) != y_i} exp(margin - d_{i,p(k)})) + d_ip) / 2`,
 * where the second sum runs over the columns of the mined positives, as in
 * the Python library.
 */
export class LiftedStructLoss extends MetricLoss {
  readonly className = 'LiftedStructLoss';
  static override readonly optionRules = RULES;
  declare readonly distance: Distance;
  declare readonly positiveMiningStrategy: PositiveMining;
  declare readonly margin: number;

  constructor(options: LiftedStructLossOptions = {}) {
    super(options, 'lifted_struct_loss');
  }

  computePerExample(batch: PairBatch): Tensor1D {
    return perExample(batch, this);
  }
}
