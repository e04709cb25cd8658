import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeEachBackend, expectClose, expectNoLeak } from '@tfsim/test-utils';
import { ShapeError, ValueError } from '@tfsim/utils';

import { FreezableBatchNormalization, Normalization } from '../src';
import { seededValues } from './reference';

describeEachBackend('Normalization', () => {
  it('computes (x - mean) / sqrt(variance) per feature of the last axis', async () => {
    const mean = [1, -2, 0.5];
    const variance = [4, 0.25, 1e-20];
    const values = seededValues(2 * 2 * 3, 1, -3, 3);
    const x = tf.tensor3d(values, [2, 2, 3]);
    const layer = new Normalization({ mean, variance });
    layer.apply(x, {}); // build
    const y = await expectNoLeak(() => layer.apply(x) as tf.Tensor, 1);
    // A variance below 1e-14 is floored at std 1e-7, as in Keras.
    const expected = Array.from(values, (v, i) => (v - mean[i % 3]!) / Math.max(Math.sqrt(variance[i % 3]!), 1e-7));
    expectClose(y, expected, { atol: 1e-5, rtol: 1e-5 });
    tf.dispose([x, y]);
  });

  it('is the identity without statistics and holds Keras weights mean, variance, count (2C + 1 values)', () => {
    const layer = new Normalization({ name: 'normalization' });
    const x = tf.tensor2d(seededValues(8, 2), [2, 4]);
    const y = layer.apply(x) as tf.Tensor;
    expect(Array.from(y.dataSync())).toEqual(Array.from(x.dataSync()));
    expect(layer.weights.map((w) => [w.originalName, w.shape, w.dtype, w.trainable])).toEqual([
      ['normalization/mean', [4], 'float32', false],
      ['normalization/variance', [4], 'float32', false],
      ['normalization/count', [], 'int32', false],
    ]);
    expect(layer.countParams()).toBe(9);
    tf.dispose([x, y]);
  });

  it('rejects half-given statistics, a mismatched length and another axis', () => {
    expect(() => new Normalization({ mean: [0] })).toThrow(ValueError);
    expect(() => new Normalization({ mean: [0, 1], variance: [1] })).toThrow(/2 values but variance has 1/);
    expect(() => new Normalization({ axis: 1 })).toThrow(/only axis -1/);
    const x = tf.zeros([2, 3]);
    expect(() => new Normalization({ mean: [0, 0], variance: [1, 1] }).apply(x)).toThrow(ShapeError);
    x.dispose();
  });
});

describeEachBackend('FreezableBatchNormalization', () => {
  async function fitOnce(
    layerFactory: () => tfl.layers.Layer,
    trainable: boolean,
  ): Promise<{ before: number[]; after: number[]; trainOut: number[]; inferOut: number[] }> {
    const input = tfl.input({ shape: [3] });
    const bn = layerFactory();
    // A trainable layer in front, so that fit has something to train.
    const hidden = tfl.layers.dense({ units: 3 }).apply(input) as tfl.SymbolicTensor;
    const output = bn.apply(hidden) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    bn.trainable = trainable;
    model.compile({ optimizer: tf.train.sgd(0.1), loss: 'meanSquaredError' });
    const x = tf.tensor2d(seededValues(12, 5, 2, 6), [4, 3]);
    const y = tf.zeros([4, 3]);
    const movingMean = () => Array.from(bn.getWeights()[2]!.dataSync());
    const before = movingMean();
    await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    const after = movingMean();
    // The layer's output in training mode versus inference mode.
    const trainOut = tf.tidy(() => Array.from((bn.apply(x, { training: true }) as tf.Tensor).dataSync()));
    const inferOut = tf.tidy(() => Array.from((bn.apply(x, { training: false }) as tf.Tensor).dataSync()));
    tf.dispose([x, y]);
    model.dispose();
    return { before, after, trainOut, inferOut };
  }

  it('frozen: inference mode during fit, moving statistics untouched (Keras semantics)', async () => {
    const r = await fitOnce(() => new FreezableBatchNormalization(), false);
    expect(r.after).toEqual(r.before);
    expect(r.trainOut).toEqual(r.inferOut);
  });

  it('trainable: batch statistics during fit and moving statistics updated, like tfjs BatchNormalization', async () => {
    const r = await fitOnce(() => new FreezableBatchNormalization(), true);
    expect(r.after).not.toEqual(r.before);
    expect(r.trainOut).not.toEqual(r.inferOut);
    // tfjs' own layer, frozen, still drifts: the reason this layer exists.
    const plain = await fitOnce(() => tfl.layers.batchNormalization(), false);
    expect(plain.after).not.toEqual(plain.before);
  });

  it('has the BatchNormalization config under its own class name', () => {
    const layer = new FreezableBatchNormalization({ epsilon: 1.001e-5, name: 'conv1_bn' });
    expect(layer.getClassName()).toBe('FreezableBatchNormalization');
    expect(layer.getConfig()).toMatchObject({ epsilon: 1.001e-5, momentum: 0.99, axis: -1, name: 'conv1_bn' });
  });
});
