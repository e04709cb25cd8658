import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { BackendError, checkOptions, type OptionKeys, ShapeError, ValueError } from '@tfsim/utils';

import type { Kwargs, Tensor } from './tfjs';
import { LAYER_KEYS } from './tfjs';

export type BatchNormalizationArgs = NonNullable<Parameters<typeof layers.batchNormalization>[0]>;

/** The keys of tfjs-layers' BatchNormalization arguments (typed against them). */
export const BATCH_NORMALIZATION_ARG_KEYS: OptionKeys<BatchNormalizationArgs> = {
  ...LAYER_KEYS,
  axis: true,
  momentum: true,
  epsilon: true,
  center: true,
  scale: true,
  betaInitializer: true,
  gammaInitializer: true,
  movingMeanInitializer: true,
  movingVarianceInitializer: true,
  betaConstraint: true,
  gammaConstraint: true,
  betaRegularizer: true,
  gammaRegularizer: true,
};

interface BatchNormalizationConstructor {
  new (args?: BatchNormalizationArgs): layers.Layer;
  className: string;
  fromConfig: serialization.FromConfigMethod<serialization.Serializable>;
}

/** What the layer reads of tfjs' BatchNormalization (declared private there). */
interface BatchNormalizationState {
  axis: number;
  momentum: number;
  epsilon: number;
  movingMean: { read(): Tensor; write(value: Tensor): void };
  movingVariance: { read(): Tensor; write(value: Tensor): void };
}

function batchNormalizationClass(): BatchNormalizationConstructor {
  const entry = serialization.SerializationMap.getMap().classNameMap['BatchNormalization'];
  if (!entry) throw new BackendError('@tensorflow/tfjs-layers did not register its BatchNormalization layer');
  return entry[0] as unknown as BatchNormalizationConstructor;
}

/**
 * tfjs' BatchNormalization with Keras' (2.1 and later) meaning of freezing:
 * when the layer is not trainable it runs in inference mode, also during
 * `fit`, so it neither normalises with the batch statistics nor updates its
 * moving mean and variance. tfjs' own layer ignores `trainable` there, which
 * would let a frozen pretrained backbone drift. Same arguments and config as
 * `tf.layers.batchNormalization`.
 */
export class FreezableBatchNormalization extends batchNormalizationClass() {
  static readonly optionKeys: Readonly<Record<string, true>> = BATCH_NORMALIZATION_ARG_KEYS;
  static override className = 'FreezableBatchNormalization';

  constructor(args: BatchNormalizationArgs = {}) {
    checkOptions(args, new.target.optionKeys, new.target.name);
    super(args);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[] {
    return super.call(inputs, this.trainable ? kwargs : { ...kwargs, training: false });
  }
}
serialization.registerClass(FreezableBatchNormalization, 'Similarity');

/**
 * Batch normalisation with no learned shift or scale (Keras'
 * `BatchNormalization(center=False, scale=False)`), which the contrastive
 * projector's output uses (SimSiam paper, p. 5). tfjs-layers' own layer accepts
 * those arguments but fails in training mode (its training path reads gamma and
 * beta unconditionally), so training is done here; inference and the saved
 * config are tfjs' own.
 */
/** Options of NonAffineBatchNormalization: tfjs' BatchNormalization options without center and scale. */
export type NonAffineBatchNormalizationArgs = Omit<BatchNormalizationArgs, 'center' | 'scale' | 'betaInitializer' | 'gammaInitializer'>;

/**
 * `x -> (x - mean) / sqrt(variance + epsilon)` over the batch in training
 * (updating the moving mean and variance by `momentum`, as Keras does), over
 * the moving statistics in inference. Normalises the last axis only.
 */
export class NonAffineBatchNormalization extends batchNormalizationClass() {
  // BatchNormalization's keys: its own config (center: false, the unused initializers) comes back through fromConfig.
  static readonly optionKeys: Readonly<Record<string, true>> = BATCH_NORMALIZATION_ARG_KEYS;
  static override className = 'NonAffineBatchNormalization';

  constructor(args: NonAffineBatchNormalizationArgs = {}) {
    const given = args as BatchNormalizationArgs;
    if (given.center === true || given.scale === true) {
      throw new ValueError('NonAffineBatchNormalization has no center or scale; use tf.layers.batchNormalization for those');
    }
    checkOptions(args, new.target.optionKeys, new.target.name);
    if (args.axis !== undefined && args.axis !== -1) {
      throw new ValueError(`NonAffineBatchNormalization normalises the last axis only (axis -1), got axis ${args.axis}`);
    }
    super({ ...args, center: false, scale: false });
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[] {
    if (!kwargs?.training) return super.call(inputs, kwargs);
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    if (!x || (Array.isArray(inputs) && inputs.length !== 1)) {
      throw new ShapeError(`${this.name} takes one input tensor`);
    }
    if (x.rank < 2) throw new ShapeError(`${this.name} expects [batch, ..., features], got shape [${x.shape.join(', ')}]`);
    const state = this as unknown as BatchNormalizationState;
    return tf.tidy(() => {
      const reductionAxes = Array.from({ length: x.rank - 1 }, (_, i) => i);
      const { mean, variance } = tf.moments(x, reductionAxes);
      const decay = 1 - state.momentum;
      // moving <- moving - (moving - batch) * (1 - momentum), as tfjs and Keras update it.
      for (const [variable, value] of [
        [state.movingMean, mean],
        [state.movingVariance, variance],
      ] as const) {
        const previous = variable.read();
        variable.write(tf.sub(previous, tf.mul(tf.sub(previous, value), decay)));
      }
      // Written out: tfjs-node's batchNorm kernel needs an offset and a scale.
      return tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, state.epsilon)));
    });
  }
}
serialization.registerClass(NonAffineBatchNormalization, 'Similarity');
