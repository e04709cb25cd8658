import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, Rng, ShapeError } from '@tfsim/utils';

import { Augmenter } from './augmenter';

/** Makes one augmented example from one example, drawing its randomness from `rng`. */
export type ExampleProcess = (example: tf.Tensor, rng: Rng) => tf.Tensor;

/**
 * The Python library's `ContrastiveAugmenter`: each view applies `process`
 * to every example of the batch on its own, and stacks the results. For
 * per-example pipelines that are not batched; the built-in augmenters are.
 */
export class ContrastiveAugmenter extends Augmenter {
  readonly rng: Rng;

  constructor(
    readonly process: ExampleProcess,
    options: { seed?: number } = {},
  ) {
    super();
    this.rng = new Rng(options.seed);
  }

  augment(x: tf.Tensor, _y?: tf.Tensor, numAugmentationsPerExample = 2, _isWarmup = true): tf.Tensor[] {
    assertInteger(numAugmentationsPerExample, 'numAugmentationsPerExample', 1);
    if (x.rank < 1 || x.shape[0] === 0)
      throw new ShapeError(`ContrastiveAugmenter needs a non-empty batch, got shape [${x.shape.join(', ')}]`);
    return tf.tidy(() => {
      const examples = tf.unstack(x);
      const views: tf.Tensor[] = [];
      for (let v = 0; v < numAugmentationsPerExample; v++) views.push(tf.stack(examples.map((e) => this.process(e, this.rng))));
      return views;
    });
  }
}
