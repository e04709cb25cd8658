/**
 * Mining and margin helpers of the triplet-style losses (the Python
 * library's `losses/utils.py`), built on the shared masks of
 * @tfsim/distances' algebra.
 */
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { maskedMax, maskedMin, type MaskedReduction, oneHotFloat, withoutGradient } from '@tfsim/distances';

import { stopGradient, tfc } from './tf';

export const POSITIVE_MINING = ['hard', 'easy'] as const;
export const NEGATIVE_MINING = ['hard', 'semi-hard', 'easy'] as const;
export type PositiveMining = (typeof POSITIVE_MINING)[number];
export type NegativeMining = (typeof NEGATIVE_MINING)[number];

/** Hard: the farthest positive of each anchor; easy: the closest. */
export function positiveDistances(strategy: PositiveMining, distances: Tensor2D, positiveMask: Tensor): MaskedReduction {
  return strategy === 'hard' ? maskedMax(distances, positiveMask) : maskedMin(distances, positiveMask);
}

/**
 * Hard: the closest negative; easy: the farthest. Semi-hard: the closest
 * negative farther than the anchor's farthest positive, or, when there is
 * none, the farthest negative.
 */
export function negativeDistances(
  strategy: NegativeMining,
  distances: Tensor2D,
  negativeMask: Tensor,
  positiveMask: Tensor,
): MaskedReduction {
  if (strategy === 'hard') return maskedMin(distances, negativeMask);
  if (strategy === 'easy') return maskedMax(distances, negativeMask);
  const tf = tfc();
  // Which negative each anchor uses is a selection, not a function to
  // differentiate: only the chosen distance carries a gradient.
  const semiHardMask = withoutGradient(() => {
    const maxPositive = maskedMax(distances, positiveMask).values;
    const beyond = tf.cast(tf.greater(distances, maxPositive), 'float32');
    const farthestNegative = maskedMax(distances, negativeMask).indices;
    const fallback = oneHotFloat(farthestNegative, distances.shape[1]);
    // where(beyond, negative, fallback), in float arithmetic: the wasm
    // backend's select on boolean tensors gives wrong values.
    const negative = tf.cast(negativeMask, 'float32');
    return tf.add(tf.mul(beyond, negative), tf.mul(tf.sub(1, beyond), fallback));
  });
  return maskedMin(distances, semiHardMask);
}

/**
 * `log(1 + sum_j mask_ij * exp(x_ij))` per row, `[n, 1]`, computed stably
 * around the row maximum (over all entries, masked or not, as in Python; a
 * non-finite maximum is replaced by 0). The 1 keeps the loss >= 0.
 */
export function logsumexp(x: Tensor2D, mask: Tensor): Tensor2D {
  const tf = tfc();
  const rawMax = tf.max(x, 1, true);
  const shift = stopGradient(tf.where(tf.isFinite(rawMax), rawMax, tf.zerosLike(rawMax)));
  const sum = tf.sum(tf.mul(tf.exp(tf.sub(x, shift)), mask), 1, true);
  return tf.add(tf.log(tf.add(tf.exp(tf.neg(shift)), sum)), shift) as Tensor2D;
}

/** `softplus(pos - neg)` (as logsumexp with the 1) when `margin` is null, else `max(pos - neg + margin, 0)`. */
export function marginLoss(positive: Tensor2D, negative: Tensor2D, margin: number | null): Tensor2D {
  const tf = tfc();
  const diff = tf.sub(positive, negative) as Tensor2D;
  if (margin === null) return logsumexp(diff, tf.onesLike(diff));
  return tf.maximum(tf.add(diff, margin), 0) as Tensor2D;
}
