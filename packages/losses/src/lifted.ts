/**
 * Lifted structured loss (Oh Song et al., CVPR 2016) with a mined positive,
 * as the Python library computes it.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { type Distance, type DistanceIdentifier, oneHotFloat } from '@tfsim/distances';
import type { OptionKeys } from '@tfsim/utils';

import { checkChoice, checkNumber, type LabelsInput } from './inputs';
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
import { logsumexp, POSITIVE_MINING, positiveDistances, type PositiveMining } from './mining';
import { tfc } from './tf';

export interface LiftedStructLossOptions extends LossOptions {
  /** Default 'cosine'. */
  distance?: DistanceIdentifier;
  /** 'hard' (default) or 'easy'. */
  positiveMiningStrategy?: PositiveMining;
  /** Default 1. */
  margin?: number;
}

interface Resolved {
  distance: Distance;
  positiveMiningStrategy: PositiveMining;
  margin: number;
}

function resolve(options: LiftedStructLossOptions, loss: string): Resolved {
  return {
    distance: lossDistance(options.distance ?? 'cosine', loss),
    positiveMiningStrategy: checkChoice(options.positiveMiningStrategy ?? 'hard', POSITIVE_MINING, 'positiveMiningStrategy', loss),
    margin: checkNumber(options.margin ?? 1.0, 'margin', loss),
  };
}

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
  const o = resolve(options, 'LiftedStructLoss');
  return tfc().tidy(() => perExample(pairBatch(labels, embeddings, options, 'LiftedStructLoss'), o));
}

/**
 * Lifted structured loss: per anchor i with mined positive p,
 * `(log(1 + sum_{k in N} exp(margin - d_ik) + sum_{k: y_p(k) != y_i} exp(margin - d_{i,p(k)})) + d_ip) / 2`,
 * where the second sum runs over the columns of the mined positives, as in
 * the Python library.
 */
export class LiftedStructLoss extends MetricLoss {
  readonly className = 'LiftedStructLoss';
  static override readonly optionKeys: OptionKeys<LiftedStructLossOptions> = {
    ...Loss.optionKeys,
    distance: true,
    positiveMiningStrategy: true,
    margin: true,
  };
  readonly distance: Distance;
  readonly positiveMiningStrategy: PositiveMining;
  readonly margin: number;

  constructor(options: LiftedStructLossOptions = {}) {
    super(options, 'lifted_struct_loss');
    const o = resolve(options, this.className);
    this.distance = o.distance;
    this.positiveMiningStrategy = o.positiveMiningStrategy;
    this.margin = o.margin;
  }

  computePerExample(batch: PairBatch): Tensor1D {
    return perExample(batch, this);
  }

  getConfig(): LossConfig {
    return {
      ...this.commonConfig(),
      distance: this.distance.name,
      positiveMiningStrategy: this.positiveMiningStrategy,
      margin: this.margin,
    };
  }
}
