/**
 * Similarity matrices for the losses taken from pytorch-metric-learning,
 * whose cosine similarity normalises the embeddings itself.
 */
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { type Distance, withoutGradient } from '@tfsim/distances';

import { l2Normalize, stopGradient, tfc } from './tf';

/**
 * Larger-is-closer scores between queries and keys: for 'cosine', the dot
 * product of the L2-normalised rows (pytorch-metric-learning's
 * CosineSimilarity); for a similarity (inner product), its value; for any
 * other distance, its negation.
 */
export function similarityMatrix(distance: Distance, queries: Tensor2D, keys: Tensor2D): Tensor2D {
  const tf = tfc();
  if (distance.name === 'cosine') return tf.matMul(l2Normalize(queries), l2Normalize(keys), false, true);
  if (distance.isSimilarity) return distance.call(queries, keys);
  return tf.neg(distance.call(queries, keys));
}

/**
 * `log(sum_{j: keep} exp(x_ij))` along `axis` (keeping it), with `add_one` a
 * 0 joins the sum, so `log(1 + ...)`; 0 where nothing is kept
 * (pytorch-metric-learning's masked logsumexp).
 */
export function maskedLogSumExp(x: Tensor2D, keep: Tensor2D, axis: 0 | 1, addOne: boolean): Tensor2D {
  const tf = tfc();
  const keepBool = tf.cast(keep, 'bool');
  const kept = tf.where(keepBool, x, tf.fill(x.shape, -Infinity));
  let shift = tf.max(kept, axis, true);
  if (addOne) shift = tf.maximum(shift, 0);
  shift = stopGradient(tf.where(tf.isFinite(shift), shift, tf.zerosLike(shift)));
  // exp of -Infinity is 0 with a 0 gradient: masked entries never reach the sum.
  let sum = tf.sum(tf.exp(tf.sub(kept, shift)), axis, true);
  if (addOne) sum = tf.add(sum, tf.exp(tf.neg(shift)));
  const any = tf.any(keepBool, axis, true);
  // log of an empty sum (0) would be -Infinity, whose gradient through the
  // where below is 0 * Infinity = NaN: take the log of 1 there instead.
  const out = tf.add(tf.log(tf.where(any, sum, tf.onesLike(sum))), shift);
  return tf.where(any, out, tf.zerosLike(out)) as Tensor2D;
}

/** The mean of the values > 0, or 0 when there are none (pytorch-metric-learning's AvgNonZeroReducer). */
export function meanOfPositive(values: Tensor): Tensor {
  const tf = tfc();
  const positive = withoutGradient(() => tf.cast(tf.greater(values, 0), 'float32'));
  return tf.div(tf.sum(tf.mul(values, positive)), tf.maximum(tf.sum(positive), 1));
}
