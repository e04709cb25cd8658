/**
 * Multiple negatives ranking loss (Henderson et al., 2017): each query's own
 * key (same row) against every other key of the batch, as in-batch negatives.
 */
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { type Distance, type DistanceIdentifier, getDistance } from '@tfsim/distances';
import { ShapeError, ValueError } from '@tfsim/utils';

import { checkEmbeddings } from './inputs';
import { Loss, type LossOptions } from './loss';
import { logsumexp } from './mining';
import { numberOption, type OptionRule, type OptionRulesOf, type ResolvedOptions, resolveOptions } from './option-rules';
import { diagPart, tfc } from './tf';

export interface MultiNegativesRankLossOptions extends LossOptions {
  /** Must be 'inner_product' (the default): the loss is a softmax over similarities. */
  distance?: DistanceIdentifier;
  /** Multiplies the similarities. Default 20. */
  scale?: number;
}

const innerProductOnly: OptionRule<Distance> = (value, _what, loss) => {
  const distance = getDistance((value ?? 'inner_product') as DistanceIdentifier);
  if (distance.name !== 'inner_product') {
    throw new ValueError(`${loss} needs the inner_product distance (a similarity), got ${distance.name}`);
  }
  return distance;
};

const RULES = { distance: innerProductOnly, scale: numberOption(20) } satisfies OptionRulesOf<MultiNegativesRankLossOptions>;

type Resolved = ResolvedOptions<typeof RULES>;

function perExample(queries: Tensor2D, keys: Tensor2D, o: Resolved, loss: string): Tensor1D {
  checkEmbeddings(queries, 'query embeddings', loss);
  checkEmbeddings(keys, 'key embeddings', loss);
  if (keys.shape[0] < queries.shape[0]) {
    throw new ShapeError(`${loss}: each of the ${queries.shape[0]} queries needs its own key (row i), got ${keys.shape[0]} keys`);
  }
  const tf = tfc();
  const similarities = tf.mul(o.distance.call(queries, keys), o.scale) as Tensor2D;
  const own = diagPart(similarities);
  const all = tf.reshape(logsumexp(similarities, tf.onesLike(similarities)), [-1]);
  return tf.sub(all, own) as Tensor1D;
}

/** Per-query losses `[nq]` (the Python `multineg_ranking_loss`); key i is query i's positive. */
export function multinegRankingLoss(
  queryEmbeddings: Tensor2D,
  keyEmbeddings: Tensor2D,
  options: MultiNegativesRankLossOptions = {},
): Tensor1D {
  const o = resolveOptions(RULES, options, 'MultiNegativesRankLoss');
  return tfc().tidy(() => perExample(queryEmbeddings, keyEmbeddings, o, 'MultiNegativesRankLoss'));
}

/**
 * Multiple negatives ranking loss: per query i,
 * `-s_ii + log(1 + sum_j exp(s_ij))` with `s = scale * q . k`. Takes the
 * query and key embeddings (not labels): `call(queries, keys)`.
 */
export class MultiNegativesRankLoss extends Loss {
  readonly className = 'MultiNegativesRankLoss';
  static override readonly optionRules = RULES;
  declare readonly distance: Distance;
  declare readonly scale: number;

  constructor(options: MultiNegativesRankLossOptions = {}) {
    super(options, 'multineg_rank_loss');
  }

  perExample(queryEmbeddings: Tensor2D, keyEmbeddings: Tensor2D): Tensor1D {
    return tfc().tidy(() => perExample(queryEmbeddings, keyEmbeddings, this, this.className));
  }

  call(queryEmbeddings: Tensor, keyEmbeddings: Tensor): Scalar {
    const tf = tfc();
    return tf.tidy(() => tf.mean(perExample(queryEmbeddings as Tensor2D, keyEmbeddings as Tensor2D, this, this.className)));
  }
}
