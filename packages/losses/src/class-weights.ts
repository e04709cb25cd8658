/**
 * Losses that own one trainable vector per class (ArcFace's class centres,
 * Proxy-Anchor's proxies): creation, seeding, and access for training and
 * saving.
 */
import type { Tensor, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { ShapeError, type OptionKeys } from '@tfsim/utils';
import { checkInteger } from './inputs';
import { labelColumnFromLayers, Loss, type LossOptions } from './loss';
import { tfc } from './tf';

export interface ClassWeightsOptions extends LossOptions {
  numClasses: number;
  embeddingSize: number;
  /** Seed of the random initialisation (reproducible runs). */
  seed?: number;
  /** Initial values `[numClasses, embeddingSize]`, instead of random ones (copied). */
  initialWeights?: Tensor2D;
}

/** Base of the losses with a `[numClasses, embeddingSize]` variable. */
export abstract class ClassWeightsLoss extends Loss {
  static override readonly optionKeys: OptionKeys<ClassWeightsOptions> = {
    ...Loss.optionKeys, numClasses: true, embeddingSize: true, seed: true, initialWeights: true,
  };
  readonly numClasses: number;
  readonly embeddingSize: number;
  readonly seed: number | undefined;
  /** The trainable `[numClasses, embeddingSize]` variable (also in `trainableWeights`). */
  readonly weights: Variable;

  constructor(options: ClassWeightsOptions, defaultName: string, loss: string, std: (numClasses: number) => number) {
    super(options, defaultName);
    this.numClasses = checkInteger(options?.numClasses, 'numClasses', loss, 1);
    this.embeddingSize = checkInteger(options.embeddingSize, 'embeddingSize', loss, 1);
    this.seed = options.seed;
    const tf = tfc();
    let initial: Tensor;
    if (options.initialWeights !== undefined) {
      const shape = options.initialWeights.shape;
      if (shape.length !== 2 || shape[0] !== this.numClasses || shape[1] !== this.embeddingSize) {
        throw new ShapeError(
          `${loss}: initialWeights must have shape [${this.numClasses}, ${this.embeddingSize}], got [${shape.join(', ')}]`,
        );
      }
      initial = tf.clone(options.initialWeights);
    } else {
      initial = tf.randomNormal([this.numClasses, this.embeddingSize], 0, std(this.numClasses), 'float32', this.seed);
    }
    this.weights = tf.variable(initial, true);
    initial.dispose();
    this.trainableWeights.push(this.weights);
  }

  protected override labelsFromLayers(yTrue: Tensor): Tensor {
    return labelColumnFromLayers(yTrue);
  }

  /** A copy of the weights (the caller disposes it), e.g. to save them. */
  getWeights(): Tensor2D {
    return tfc().clone(this.weights) as Tensor2D;
  }

  /** Replaces the weights (same shape), e.g. after loading them. */
  setWeights(values: Tensor2D): void {
    const shape = values.shape;
    if (shape.length !== 2 || shape[0] !== this.numClasses || shape[1] !== this.embeddingSize) {
      throw new ShapeError(
        `${this.className}: weights must have shape [${this.numClasses}, ${this.embeddingSize}], got [${shape.join(', ')}]`,
      );
    }
    this.weights.assign(values);
  }

  override dispose(): void {
    this.weights.dispose();
  }
}
