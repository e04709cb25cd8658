/**
 * The Python library's `random_apply` and `random_random_flip_top_bottom`
 * (augmentation_utils), drawing from a seeded Rng.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Rng, ValueError } from '@tfsim/utils';

import { applyToRows, assertImages } from './image-ops';
import { coin } from './transforms';

function checkProbability(p: number, what: string): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 1)) throw new ValueError(`${what}: p must be a probability in [0, 1], got ${String(p)}`);
}

/**
 * `fn(x)` with probability `p`, else a copy of `x` (one draw for the whole
 * tensor, as Python's `tf.cond`). The result is always a new tensor.
 */
export function randomApply<T extends tf.Tensor>(fn: (x: T) => T, p: number, x: T, rng: Rng): T {
  checkProbability(p, 'randomApply');
  return coin(rng, p) ? fn(x) : tf.clone(x);
}

/** Mirrors every image top to bottom (tf.image.flip_up_down). */
export function flipTopBottom(x: tf.Tensor4D): tf.Tensor4D {
  assertImages(x);
  return tf.reverse(x, 1);
}

/**
 * Mirrors each image top to bottom with probability `p`. As with
 * `randomFlipLeftRight`, `p` is the probability of the flip (Python's
 * version applies a random flip with probability p, so flips with p / 2).
 */
export function randomFlipTopBottom(x: tf.Tensor4D, rng: Rng, p = 0.5): tf.Tensor4D {
  assertImages(x);
  checkProbability(p, 'randomFlipTopBottom');
  const flipped: number[] = [];
  for (let i = 0; i < x.shape[0]; i++) if (coin(rng, p)) flipped.push(i);
  return applyToRows(x, [{ indices: flipped, fn: flipTopBottom }]);
}
