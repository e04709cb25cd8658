import * as tf from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import { CustomCallback, layers, type LayersModel, type Logs } from '@tensorflow/tfjs-layers';
import { checkOptions, type OptionKeys, ShapeError, ValueError } from '@tfsim/utils';

import { l2Normalize } from './l2';
import { type Kwargs, LAYER_KEYS, type LayerArgs, singleTensor, type Tensor } from './tfjs';

export interface ActivationStdLoggingLayerArgs extends LayerArgs {
  /** The layer's name, which is also the name of the logged value (required, as in Python). */
  name: string;
}

/**
 * A pass-through layer that measures how spread out the activations going
 * through it are: each batch contributes `mean(std(l2_normalize(x, -1), axis 0))`,
 * the per-feature standard deviation over the batch of the L2-normalised
 * activations, averaged over features. A collapsed representation (every
 * example mapped to the same point, the failure mode of self-supervised
 * training) drives it to 0.
 *
 * The Python layer logs it with Keras' `add_metric` (averaged over the
 * epoch). tfjs-layers has no `add_metric`, so the running mean lives in the
 * layer: read it with `result()`, clear it with `resetState()`, or pass
 * `activationStdLogger(model)` to `fit` to have it in the epoch logs
 * (and the History) under the layer's name.
 */
export class ActivationStdLoggingLayer extends layers.Layer {
  static readonly optionKeys: OptionKeys<ActivationStdLoggingLayerArgs> = LAYER_KEYS;
  static className = 'ActivationStdLoggingLayer';
  private total: tf.Variable | undefined;
  private batches = 0;

  constructor(args: ActivationStdLoggingLayerArgs) {
    checkOptions(args, new.target.optionKeys, new.target.name);
    if (!args || typeof args.name !== 'string' || args.name === '') {
      throw new ValueError('ActivationStdLoggingLayer needs a name: it is also the name of the logged value');
    }
    super(args);
  }

  override call(inputs: Tensor | Tensor[], _kwargs: Kwargs): Tensor {
    const x = singleTensor(inputs, 'ActivationStdLoggingLayer');
    if (x.rank < 2) {
      throw new ShapeError(`ActivationStdLoggingLayer '${this.name}' expects [batch, ...features], got shape [${x.shape.join(', ')}]`);
    }
    const value = tf.tidy(() => {
      const normalized = l2Normalize(x, -1);
      const std = tf.sqrt(tf.moments(normalized, 0).variance);
      // Stays on the device: no read-back on the training path.
      return tf.mean(std);
    });
    const total = this.runningTotal();
    const sum = tf.add(total, value);
    total.assign(sum);
    tf.dispose([sum, value]);
    this.batches += 1;
    // A new tensor sharing the input's data: the layers executor disposes
    // inputs it no longer needs, which must not take our output with them.
    return tf.clone(x);
  }

  override build(inputShape: Parameters<layers.Layer['build']>[0]): void {
    // Allocated with the model rather than on the first batch, so that
    // predict and fit leave the tensor count unchanged.
    this.runningTotal();
    super.build(inputShape);
  }

  /** The sum of the per-batch values: one scalar variable, not a layer weight (not saved, not counted). */
  private runningTotal(): tf.Variable {
    if (!this.total) {
      const zero = tf.scalar(0);
      this.total = tf.variable(zero, false);
      zero.dispose();
    }
    return this.total;
  }

  /** Mean of the per-batch values since the last reset (NaN before any batch). */
  result(): number {
    if (!this.total || this.batches === 0) return NaN;
    return this.total.dataSync()[0]! / this.batches;
  }

  /** Forgets the batches seen so far. */
  resetState(): void {
    if (this.total) {
      const zero = tf.scalar(0);
      this.total.assign(zero);
      zero.dispose();
    }
    this.batches = 0;
  }

  override dispose(): ReturnType<layers.Layer['dispose']> {
    this.total?.dispose();
    this.total = undefined;
    this.batches = 0;
    return super.dispose();
  }
}
serialization.registerClass(ActivationStdLoggingLayer, 'Similarity');

/** Every ActivationStdLoggingLayer of a model, nested models included. */
export function activationStdLayers(model: LayersModel): ActivationStdLoggingLayer[] {
  const found: ActivationStdLoggingLayer[] = [];
  const visit = (layer: layers.Layer): void => {
    if (layer instanceof ActivationStdLoggingLayer) found.push(layer);
    const inner = (layer as Partial<LayersModel>).layers;
    if (Array.isArray(inner)) inner.forEach(visit);
  };
  model.layers.forEach(visit);
  return found;
}

/**
 * A fit callback that resets every ActivationStdLoggingLayer of `model` at
 * the start of each epoch and writes its running mean into the batch and
 * epoch logs under the layer's name, as Keras' `add_metric` does.
 */
export function activationStdLogger(model: LayersModel): CustomCallback {
  const tracked = activationStdLayers(model);
  const write = (logs?: Logs): void => {
    if (!logs) return;
    for (const layer of tracked) logs[layer.name] = layer.result();
  };
  return new CustomCallback({
    onEpochBegin: async () => {
      for (const layer of tracked) layer.resetState();
    },
    onBatchEnd: async (_batch, logs) => write(logs),
    onEpochEnd: async (_epoch, logs) => write(logs),
  });
}
