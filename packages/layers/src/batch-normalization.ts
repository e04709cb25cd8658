import { serialization } from '@tensorflow/tfjs-core';
import type { layers } from '@tensorflow/tfjs-layers';
import { BackendError } from '@tfsim/utils';
import './tfjs';
import type { Kwargs, Tensor } from './tfjs';

export type BatchNormalizationArgs = NonNullable<Parameters<typeof layers.batchNormalization>[0]>;

interface BatchNormalizationConstructor {
  new (args?: BatchNormalizationArgs): layers.Layer;
  className: string;
  fromConfig: serialization.FromConfigMethod<serialization.Serializable>;
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
  static override className = 'FreezableBatchNormalization';

  constructor(args: BatchNormalizationArgs = {}) {
    super(args);
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor | Tensor[] {
    return super.call(inputs, this.trainable ? kwargs : { ...kwargs, training: false });
  }
}
serialization.registerClass(FreezableBatchNormalization, 'Similarity');
