/**
 * An exponential moving average of a model's weights over the last steps of
 * training (Polyak averaging; the "EMA of the weights" of mean teacher and
 * of most image-model recipes): the averaged weights sit nearer the middle
 * of the region the last steps wander in, which narrows the spread between
 * seeds. Kept in the examples: it is a recipe choice, not a model feature.
 */
import * as tf from '@tensorflow/tfjs-core';
import { ValueError } from '@tfsim/utils';

/** The variables averaged: what `read()` and `write()` of tfjs-layers' LayerVariable offer. */
export interface AveragedVariable {
  read(): tf.Tensor;
  write(value: tf.Tensor): unknown;
}

export class WeightAverage {
  private average: tf.Tensor[] | null = null;

  /**
   * `decay`: the weight of the running average at each update, in (0, 1);
   * `fromStep`: the first step (1-based) whose weights enter the average,
   * which starts as that step's weights.
   */
  constructor(
    private readonly variables: readonly AveragedVariable[],
    private readonly decay: number,
    private readonly fromStep: number,
  ) {
    if (!(decay > 0 && decay < 1)) throw new ValueError(`the weight-average decay must be in (0, 1), got ${decay}`);
    if (!Number.isInteger(fromStep) || fromStep < 1)
      throw new ValueError(`the weight-average first step must be an integer >= 1, got ${fromStep}`);
  }

  /** After training step `step` (1-based): average = decay * average + (1 - decay) * weights. */
  update(step: number): void {
    if (step < this.fromStep) return;
    const previous = this.average;
    this.average = tf.tidy(() =>
      this.variables.map((v, i) =>
        previous === null ? tf.clone(v.read()) : tf.add(tf.mul(previous[i]!, this.decay), tf.mul(v.read(), 1 - this.decay)),
      ),
    );
    if (previous !== null) tf.dispose(previous);
  }

  /** Steps averaged so far have their average written into the variables; returns whether there was one. */
  apply(): boolean {
    if (this.average === null) return false;
    this.variables.forEach((v, i) => v.write(this.average![i]!));
    this.dispose();
    return true;
  }

  dispose(): void {
    if (this.average !== null) tf.dispose(this.average);
    this.average = null;
  }
}
