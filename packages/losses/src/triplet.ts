/**
 * Triplet loss (FaceNet, https://arxiv.org/abs/1503.03832), mined online:
 * each anchor against one positive and one negative of the batch.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { Distance, DistanceIdentifier } from '@tfsim/distances';

import type { LabelsInput } from './inputs';
import { batchMasks, type KeyOptions, type LossOptions, MetricLoss, metricLossValues, type PairBatch } from './loss';
import {
  marginLoss,
  NEGATIVE_MINING,
  negativeDistances,
  type NegativeMining,
  POSITIVE_MINING,
  positiveDistances,
  type PositiveMining,
} from './mining';
import { choiceOption, metricDistanceOption, nullableNumberOption, type OptionRulesOf, type ResolvedOptions } from './option-rules';
import { diagPart, gatherRows, tfc } from './tf';

export interface TripletLossOptions extends LossOptions {
  /** Default 'cosine' (embeddings L2-normalised). */
  distance?: DistanceIdentifier;
  /** 'hard' (default, farthest positive) or 'easy' (closest). */
  positiveMiningStrategy?: PositiveMining;
  /** 'semi-hard' (default), 'hard' (closest negative) or 'easy' (farthest). */
  negativeMiningStrategy?: NegativeMining;
  /** Target gap between negative and positive distances; null or unset: soft margin `softplus(dp - dn)`. */
  margin?: number | null;
}

/** The options of TripletLoss and PNLoss. */
const RULES = {
  distance: metricDistanceOption('cosine'),
  positiveMiningStrategy: choiceOption<PositiveMining>('hard', POSITIVE_MINING),
  negativeMiningStrategy: choiceOption<NegativeMining>('semi-hard', NEGATIVE_MINING),
  margin: nullableNumberOption(),
} satisfies OptionRulesOf<TripletLossOptions>;

type Resolved = ResolvedOptions<typeof RULES>;

function mine(batch: PairBatch, o: Resolved) {
  const distances = o.distance.call(batch.queryEmbeddings, batch.keyEmbeddings);
  const { positiveMask, negativeMask } = batchMasks(batch);
  const positive = positiveDistances(o.positiveMiningStrategy, distances, positiveMask);
  const negative = negativeDistances(o.negativeMiningStrategy, distances, negativeMask, positiveMask);
  return { positive, negative };
}

function tripletPerExample(batch: PairBatch, o: Resolved): Tensor1D {
  const { positive, negative } = mine(batch, o);
  return tfc().reshape(marginLoss(positive.values, negative.values, o.margin), [-1]);
}

/**
 * PN loss (Ivis): the triplet loss whose negative distance is
 * `min(d(anchor, negative), d(positive, negative))`, so that the positive is
 * pushed from the negative too.
 */
function pnPerExample(batch: PairBatch, o: Resolved): Tensor1D {
  const tf = tfc();
  const { positive, negative } = mine(batch, o);
  // d(positive_i, negative_i) for each anchor: the diagonal of the distances
  // between the chosen positives and the chosen negatives.
  const chosenPositives = gatherRows(batch.keyEmbeddings, positive.indices) as Tensor2D;
  const chosenNegatives = gatherRows(batch.keyEmbeddings, negative.indices) as Tensor2D;
  const pn = tf.reshape(diagPart(o.distance.call(chosenPositives, chosenNegatives)), [-1, 1]) as Tensor2D;
  const negativeDistance = tf.minimum(pn, negative.values) as Tensor2D;
  return tf.reshape(marginLoss(positive.values, negativeDistance, o.margin), [-1]);
}

/** Per-example triplet losses `[batch]` (the Python `triplet_loss`). */
export function tripletLoss(labels: LabelsInput, embeddings: Tensor2D, options: TripletLossOptions & KeyOptions = {}): Tensor1D {
  return metricLossValues('TripletLoss', RULES, tripletPerExample, labels, embeddings, options);
}

/** Per-example PN losses `[batch]` (the Python `pn_loss`). */
export function pnLoss(labels: LabelsInput, embeddings: Tensor2D, options: TripletLossOptions & KeyOptions = {}): Tensor1D {
  return metricLossValues('PNLoss', RULES, pnPerExample, labels, embeddings, options);
}

/**
 * Triplet loss with online mining: per anchor, `softplus(dp - dn)` (soft
 * margin, the default) or `max(dp - dn + margin, 0)`, where `dp` is the mined
 * positive distance and `dn` the mined negative one.
 */
export class TripletLoss extends MetricLoss {
  readonly className: string = 'TripletLoss';
  static override readonly optionRules = RULES;
  declare readonly distance: Distance;
  declare readonly positiveMiningStrategy: PositiveMining;
  declare readonly negativeMiningStrategy: NegativeMining;
  declare readonly margin: number | null;

  constructor(options: TripletLossOptions = {}) {
    super(options, 'triplet_loss');
  }

  computePerExample(batch: PairBatch): Tensor1D {
    return tripletPerExample(batch, this);
  }
}

/** PN loss: the triplet loss with `dn = min(d(a, n), d(p, n))`. */
export class PNLoss extends TripletLoss {
  override readonly className: string = 'PNLoss';

  constructor(options: TripletLossOptions = {}) {
    super({ ...options, name: options.name ?? 'pn_loss' });
  }

  override computePerExample(batch: PairBatch): Tensor1D {
    return pnPerExample(batch, this);
  }
}
