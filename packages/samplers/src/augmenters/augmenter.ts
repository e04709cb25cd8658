import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, checkOptions, Rng, ShapeError } from '@tfsim/utils';

/**
 * An augmenter as a plain function: gets a batch `x` (and its labels `y`)
 * and returns `numAugmentationsPerExample` views of it, each with the same
 * number of rows as `x`, in the same order.
 */
export type AugmenterFn = (x: tf.Tensor, y: tf.Tensor | undefined, numAugmentationsPerExample: number, isWarmup: boolean) => tf.Tensor[];

/**
 * Base of the augmenters (the Python library's `Augmenter`): `augment`
 * returns a list of views of the batch. Random parameters come from the
 * augmenter's seeded `Rng`, so a seed gives the same views on every backend.
 */
export abstract class Augmenter {
  abstract augment(x: tf.Tensor, y?: tf.Tensor, numAugmentationsPerExample?: number, isWarmup?: boolean): tf.Tensor[];
}

/**
 * Base of the image augmenters (SimCLR's, Barlow's): the options checked
 * against the class's `optionKeys`, the output size `[height, width]`, and
 * the `Rng` seeded by `seed`.
 */
export abstract class ImageAugmenter extends Augmenter {
  static readonly optionKeys: Readonly<Record<string, true>> = {};
  readonly height: number;
  readonly width: number;
  readonly rng: Rng;

  constructor(options: { height: number; width: number; seed?: number }) {
    super();
    checkOptions(options, new.target.optionKeys, new.target.name);
    assertInteger(options.height, 'height', 1);
    assertInteger(options.width, 'width', 1);
    this.height = options.height;
    this.width = options.width;
    this.rng = new Rng(options.seed);
  }
}

/** An `Augmenter` or a function with the same contract. */
export type AugmenterLike = Augmenter | AugmenterFn;

/**
 * Runs an augmenter on a batch for a sampler: the views are stacked along the
 * batch axis (view 0 of every example, then view 1, ...) and the labels are
 * repeated per view, so a batch of C classes x E examples with V views holds
 * each class E x V times. `tf.split(xs, V)` gives the views back.
 */
export function runAugmenter(
  augmenter: AugmenterLike,
  x: tf.Tensor,
  labels: readonly number[],
  numAugmentationsPerExample: number,
  isWarmup: boolean,
): { xs: tf.Tensor; ys: tf.Tensor1D } {
  assertInteger(numAugmentationsPerExample, 'numAugmentationsPerExample', 1);
  return tf.tidy(() => {
    const y = tf.tensor1d(Array.from(labels), 'int32');
    const views =
      typeof augmenter === 'function'
        ? augmenter(x, y, numAugmentationsPerExample, isWarmup)
        : augmenter.augment(x, y, numAugmentationsPerExample, isWarmup);
    if (!Array.isArray(views) || views.length !== numAugmentationsPerExample) {
      throw new ShapeError(
        `the augmenter must return a list of ${numAugmentationsPerExample} view(s), got ${Array.isArray(views) ? `${views.length}` : typeof views}`,
      );
    }
    views.forEach((view, i) => {
      if (view.shape[0] !== x.shape[0]) {
        throw new ShapeError(`augmented view ${i} has ${view.shape[0]} rows, the batch has ${x.shape[0]}`);
      }
    });
    let xs = views.length === 1 ? views[0]! : tf.concat(views, 0);
    // The caller disposes x; an identity augmenter must not hand it back.
    if (xs === x) xs = tf.clone(x);
    const ys = numAugmentationsPerExample === 1 ? y : tf.tile(y, [numAugmentationsPerExample]);
    return { xs, ys: ys as tf.Tensor1D };
  });
}
