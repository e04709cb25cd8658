import * as tf from '@tensorflow/tfjs-core';
import { isTensor, Rng, ShapeError } from '@tfsim/utils';

import { exampleCount } from './examples';
import { readLabels, resolveClassList, selectPositions } from './select';

export interface SelectExamplesOptions {
  /** Keep only these classes. Default: all. */
  classList?: readonly number[];
  /** Keep this many examples per class: without replacement, with replacement for a class that has fewer. */
  numExamplesPerClass?: number;
  /** Seed of the draws and the shuffle. Default: time. */
  seed?: number;
}

/**
 * The Python library's `select_examples`: the examples of the kept classes,
 * at most (exactly, when set) `numExamplesPerClass` of each, shuffled. `x`
 * comes back in its own form: a gathered tensor for a tensor, a list for a list.
 */
export function selectExamples<X>(
  x: tf.Tensor | ArrayLike<X>,
  y: tf.Tensor | ArrayLike<number>,
  options: SelectExamplesOptions = {},
): { x: tf.Tensor | X[]; y: number[] } {
  const labels = readLabels(y);
  const n = exampleCount(x);
  if (n !== labels.length) throw new ShapeError(`x and y must have the same length, got ${n} and ${labels.length}`);
  const classes = resolveClassList(options.classList, new Set(labels));
  const { positions } = selectPositions(labels, classes, { numExamplesPerClass: options.numExamplesPerClass, rng: new Rng(options.seed) });
  const picked = isTensor(x)
    ? tf.tidy(() => tf.gather(x, tf.tensor1d(Int32Array.from(positions), 'int32')))
    : positions.map((p) => (x as ArrayLike<X>)[p]!);
  return { x: picked, y: positions.map((p) => labels[p]!) };
}
