import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { initializers, layers, type LayerVariable } from '@tensorflow/tfjs-layers';
import { checkOptions, type OptionKeys, ShapeError, ValueError } from '@tfsim/utils';

import { type Kwargs, LAYER_KEYS, type LayerArgs, type Shape, singleShape, singleTensor, type Tensor } from './tfjs';

export interface NormalizationArgs extends LayerArgs {
  /** The feature axis; only the last one (-1, the default) is supported. */
  axis?: number;
  /** Per-feature mean (default 0). */
  mean?: number[];
  /** Per-feature variance (default 1). */
  variance?: number[];
}

/** Keras' floor on the standard deviation. */
const STD_EPSILON = 1e-7;

/**
 * Keras' `Normalization` preprocessing layer, which tfjs-layers lacks:
 * `(x - mean) / max(sqrt(variance), 1e-7)` per feature of the last axis, with
 * non-trainable weights `mean`, `variance` and `count` named as in Keras, so
 * that Keras weights (EfficientNet's stem) load into it and parameter counts
 * agree. Without given statistics it is the identity, as an un-adapted Keras
 * layer in a model built with `weights=None`.
 */
export class Normalization extends layers.Layer {
  static readonly optionKeys: OptionKeys<NormalizationArgs> = { ...LAYER_KEYS, axis: true, mean: true, variance: true };
  static className = 'Normalization';
  readonly axis: number;
  private readonly initialMean: number[] | undefined;
  private readonly initialVariance: number[] | undefined;
  private meanWeight: LayerVariable | undefined;
  private varianceWeight: LayerVariable | undefined;

  constructor(args: NormalizationArgs = {}) {
    checkOptions(args, new.target.optionKeys, new.target.name);
    super(args);
    this.axis = args.axis ?? -1;
    if (this.axis !== -1) throw new ValueError(`Normalization: only axis -1 is supported, got ${this.axis}`);
    if ((args.mean === undefined) !== (args.variance === undefined)) {
      throw new ValueError('Normalization: give both mean and variance, or neither');
    }
    if (args.mean && args.variance && args.mean.length !== args.variance.length) {
      throw new ValueError(`Normalization: mean has ${args.mean.length} values but variance has ${args.variance.length}`);
    }
    this.initialMean = args.mean;
    this.initialVariance = args.variance;
  }

  override build(inputShape: Shape | Shape[]): void {
    const shape = singleShape(inputShape);
    const features = shape[shape.length - 1];
    if (typeof features !== 'number') {
      throw new ShapeError(`Normalization '${this.name}' needs a known last dimension, got [${shape.join(', ')}]`);
    }
    if (this.initialMean && this.initialMean.length !== features) {
      throw new ShapeError(`Normalization '${this.name}': ${this.initialMean.length} means for ${features} features`);
    }
    this.meanWeight = this.addWeight('mean', [features], 'float32', initializers.zeros(), undefined, false);
    this.varianceWeight = this.addWeight('variance', [features], 'float32', initializers.ones(), undefined, false);
    this.addWeight('count', [], 'int32', initializers.zeros(), undefined, false);
    if (this.initialMean && this.initialVariance) {
      const [mean, variance] = [tf.tensor1d(this.initialMean), tf.tensor1d(this.initialVariance)];
      this.meanWeight.write(mean);
      this.varianceWeight.write(variance);
      tf.dispose([mean, variance]);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: Shape | Shape[]): Shape {
    return singleShape(inputShape);
  }

  override call(inputs: Tensor | Tensor[], _kwargs: Kwargs): Tensor {
    const x = singleTensor(inputs, 'Normalization');
    const mean = this.meanWeight!.read();
    const variance = this.varianceWeight!.read();
    return tf.tidy(() => tf.div(tf.sub(x, mean), tf.maximum(tf.sqrt(variance), STD_EPSILON)));
  }

  override getConfig(): serialization.ConfigDict {
    const config: serialization.ConfigDict = { ...super.getConfig(), axis: this.axis };
    // The statistics live in the weights; the config only repeats what was given.
    if (this.initialMean && this.initialVariance) {
      config['mean'] = this.initialMean;
      config['variance'] = this.initialVariance;
    }
    return config;
  }
}
serialization.registerClass(Normalization, 'Similarity');
