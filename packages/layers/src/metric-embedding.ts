import { serialization, type Tensor, tidy } from '@tensorflow/tfjs-core';
import { checkOptions } from '@tfsim/utils';

import { l2Normalize } from './l2';
import { DENSE_ARG_KEYS, denseClass, type DenseLayerArgs, type Kwargs, singleTensor } from './tfjs';

export type MetricEmbeddingArgs = DenseLayerArgs;

/**
 * A Dense layer whose outputs are L2-normalised along the last axis: the
 * usual last layer of a similarity model, especially with the cosine
 * distance. Same arguments as `tf.layers.dense`, with Keras' defaults like the
 * Python library's MetricEmbedding (which subclasses Keras' Dense): a
 * Glorot-uniform kernel (tfjs' Dense defaults to Glorot-normal), zero bias,
 * linear activation.
 */
export class MetricEmbedding extends denseClass() {
  static override className = 'MetricEmbedding';
  static readonly optionKeys: Readonly<Record<string, true>> = DENSE_ARG_KEYS;

  constructor(args: MetricEmbeddingArgs) {
    checkOptions(args, new.target.optionKeys, new.target.name);
    // tfjs' Dense defaults to Glorot-normal; Keras' (and so the Python
    // layer's) to Glorot-uniform.
    super({ ...args, kernelInitializer: args.kernelInitializer ?? 'glorotUniform' });
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    // The Python layer normalises axis 1, which is the last axis for its
    // intended rank-2 input; for higher ranks the feature axis is the right one.
    return tidy(() => l2Normalize(singleTensor(super.call(inputs, kwargs), 'MetricEmbedding'), -1));
  }
}
serialization.registerClass(MetricEmbedding, 'Similarity');

/** `new MetricEmbedding(args)`, in the style of `tf.layers.dense`. */
export function metricEmbedding(args: MetricEmbeddingArgs): MetricEmbedding {
  return new MetricEmbedding(args);
}
