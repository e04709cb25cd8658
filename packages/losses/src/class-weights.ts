/**
 * Losses that own one trainable vector per class (ArcFace's class centres,
 * Proxy-Anchor's proxies): creation, seeding, and access for training and
 * saving.
 */
import type { Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { type Distance, type DistanceIdentifier, getDistance } from '@tfsim/distances';
import { type OptionKeys, ShapeError, ValueError } from '@tfsim/utils';

import { checkClassIndices, checkEmbeddings, checkInteger, type LabelsInput, toLabelVector } from './inputs';
import { labelColumnFromLayers, Loss, type LossConfig, type LossOptions } from './loss';
import type { OptionRule } from './option-rules';
import { tfc } from './tf';

export interface ClassWeightsOptions extends LossOptions {
  numClasses: number;
  embeddingSize: number;
  /** Seed of the random initialisation (reproducible runs). */
  seed?: number;
  /** Initial values `[numClasses, embeddingSize]`, instead of random ones (copied). */
  initialWeights?: Tensor2D;
}

/** The cosine distance (the default): these losses compare angles to their class weights (`why`). */
export function cosineOnlyOption(why: string): OptionRule<Distance> {
  return (value, _what, loss) => {
    const distance = getDistance((value ?? 'cosine') as DistanceIdentifier);
    if (distance.name !== 'cosine') throw new ValueError(`${loss} ${why} and needs the cosine distance, got ${distance.name}`);
    return distance;
  };
}

/**
 * The batch's labels as class indices `[batch]`, checked against given class
 * weights `[numClasses, dim]` (`weightsName`: 'centres', 'proxies'). Call
 * inside a tidy.
 */
export function classIndices(labels: LabelsInput, embeddings: Tensor2D, weights: Tensor2D, weightsName: string, loss: string): Tensor1D {
  checkEmbeddings(embeddings, 'embeddings', loss);
  checkEmbeddings(weights, weightsName, loss);
  if (weights.shape[1] !== embeddings.shape[1]) {
    throw new ValueError(`${loss}: ${weightsName} have dimension ${weights.shape[1]} but embeddings have ${embeddings.shape[1]}`);
  }
  const y = toLabelVector(labels, embeddings.shape[0], 'labels', loss);
  checkClassIndices(y, weights.shape[0], loss);
  return y;
}

/** Base of the losses with a `[numClasses, embeddingSize]` variable. */
export abstract class ClassWeightsLoss extends Loss {
  static override readonly optionKeys: OptionKeys<ClassWeightsOptions> = {
    ...Loss.optionKeys,
    numClasses: true,
    embeddingSize: true,
    seed: true,
    initialWeights: true,
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

  /** The batch's labels as indices of this loss's classes, checked (call inside a tidy). */
  protected classIndices(labels: Tensor | LabelsInput, embeddings: Tensor): Tensor1D {
    checkEmbeddings(embeddings, 'embeddings', this.className);
    if (embeddings.shape[1] !== this.embeddingSize) {
      throw new ValueError(
        `${this.className}: embeddings have dimension ${embeddings.shape[1]}, the loss was built for ${this.embeddingSize}`,
      );
    }
    const y = toLabelVector(labels, embeddings.shape[0], 'labels', this.className);
    checkClassIndices(y, this.numClasses, this.className);
    return y;
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

  override getConfig(): LossConfig {
    return {
      ...super.getConfig(),
      numClasses: this.numClasses,
      embeddingSize: this.embeddingSize,
      ...(this.seed === undefined ? {} : { seed: this.seed }),
    };
  }

  override dispose(): void {
    this.weights.dispose();
  }
}
