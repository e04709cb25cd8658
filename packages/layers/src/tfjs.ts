/**
 * The few TensorFlow.js pieces the layers share: the Layer base class, its
 * call arguments, and the Dense class (registered by tfjs-layers but not
 * exported by name).
 */
// Loaded for its side effect as well: it registers Dense, which denseClass reads.
import '@tensorflow/tfjs-layers';

import { serialization, type Tensor } from '@tensorflow/tfjs-core';
import type { layers, Shape } from '@tensorflow/tfjs-layers';
import { BackendError, type OptionKeys } from '@tfsim/utils';

export type Layer = layers.Layer;
/** The keyword arguments of `Layer.call` (`training`, `mask`). */
export type Kwargs = Parameters<layers.Layer['call']>[1];
export type LayerArgs = NonNullable<ConstructorParameters<typeof layers.Layer>[0]>;
export type DenseLayerArgs = Parameters<typeof layers.dense>[0];
export type { Shape, Tensor };

/**
 * The keys of tfjs-layers' `LayerArgs`, which every layer passes through to
 * tfjs; typed against tfjs' own interface, so a tfjs release that adds one
 * fails the typecheck instead of having it rejected at run time.
 */
export const LAYER_ARG_KEYS: OptionKeys<LayerArgs> = {
  inputShape: true,
  batchInputShape: true,
  batchSize: true,
  dtype: true,
  name: true,
  trainable: true,
  weights: true,
  inputDType: true,
};

/**
 * The key tfjs' deserialization adds to a layer's config before `new cls(config)`
 * (`deserializeKerasObject` tacks the custom objects on), so a layer reloaded
 * from a model JSON must accept it.
 */
const FROM_CONFIG_KEYS = { customObjects: true } as const;

/** LayerArgs plus what deserialization adds: the base of every layer's option keys. */
export const LAYER_KEYS = { ...LAYER_ARG_KEYS, ...FROM_CONFIG_KEYS };

/** The keys of tfjs-layers' Dense arguments. */
export const DENSE_ARG_KEYS: OptionKeys<DenseLayerArgs> = {
  ...LAYER_KEYS,
  units: true,
  activation: true,
  useBias: true,
  kernelInitializer: true,
  biasInitializer: true,
  inputDim: true,
  kernelConstraint: true,
  biasConstraint: true,
  kernelRegularizer: true,
  biasRegularizer: true,
  activityRegularizer: true,
};

/** The constructor of tfjs-layers' Dense layer, as a base class. */
export interface DenseConstructor {
  new (args: DenseLayerArgs): layers.Layer;
  className: string;
  fromConfig: serialization.FromConfigMethod<serialization.Serializable>;
}

/**
 * tfjs-layers registers Dense in the serialization map at import; taking the
 * class from there lets MetricEmbedding inherit Dense's weights, initialisers,
 * regularisers, constraints and config exactly, instead of re-writing them.
 */
export function denseClass(): DenseConstructor {
  const entry = serialization.SerializationMap.getMap().classNameMap['Dense'];
  if (!entry) {
    throw new BackendError('@tensorflow/tfjs-layers did not register its Dense layer; is it installed and loaded?');
  }
  return entry[0] as unknown as DenseConstructor;
}

/** A single tensor from what `Layer.call` receives. */
export function singleTensor(inputs: Tensor | Tensor[], layer: string): Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) throw new BackendError(`${layer} takes one input tensor, got ${inputs.length}`);
    return inputs[0]!;
  }
  return inputs;
}

/** A single shape from what `computeOutputShape` receives. */
export function singleShape(shape: Shape | Shape[]): Shape {
  return Array.isArray(shape[0]) ? (shape as Shape[])[0]! : (shape as Shape);
}
