import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeEachBackend, expectClose } from '@tfsim/test-utils';
import { ShapeError, ValueError } from '@tfsim/utils';

import { activationStdLayers, activationStdLogger, ActivationStdLoggingLayer } from '../src';
import { activationStdReference, seededValues } from './reference';

describeEachBackend('ActivationStdLoggingLayer', () => {
  it('passes its input through unchanged and averages the per-batch value', () => {
    const layer = new ActivationStdLoggingLayer({ name: 'act_std' });
    const a = seededValues(5 * 4, 1, -1, 2);
    const b = seededValues(3 * 4, 2, -3, 1);
    const xa = tf.tensor2d(a, [5, 4]);
    const xb = tf.tensor2d(b, [3, 4]);
    expect(layer.result()).toBeNaN();

    const ya = layer.apply(xa) as tf.Tensor;
    expect(Array.from(ya.dataSync())).toEqual(Array.from(a));
    expectClose(layer.result(), activationStdReference(a, 5, 4), 1e-6);

    const before = tf.memory().numTensors;
    const yb = layer.apply(xb) as tf.Tensor;
    // One new tensor (the output); the running total is updated in place.
    expect(tf.memory().numTensors - before).toBe(1);
    expectClose(layer.result(), (activationStdReference(a, 5, 4) + activationStdReference(b, 3, 4)) / 2, 1e-6);

    layer.resetState();
    expect(layer.result()).toBeNaN();
    tf.dispose([xa, xb, ya, yb]);
    layer.dispose();
  });

  it('is 0 for a collapsed batch (every row the same direction)', () => {
    const layer = new ActivationStdLoggingLayer({ name: 'collapsed' });
    const x = tf.tensor2d([
      [1, 2, 3],
      [2, 4, 6],
      [0.5, 1, 1.5],
    ]);
    tf.dispose(layer.apply(x) as tf.Tensor);
    expect(layer.result()).toBeLessThan(1e-6);
    x.dispose();
    layer.dispose();
  });

  it('puts its running mean in the fit logs and History under its name', async () => {
    const input = tfl.input({ shape: [4] });
    const hidden = tfl.layers
      .dense({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) })
      .apply(input) as tfl.SymbolicTensor;
    const logged = new ActivationStdLoggingLayer({ name: 'hidden_std' }).apply(hidden) as tfl.SymbolicTensor;
    const output = tfl.layers.dense({ units: 1 }).apply(logged) as tfl.SymbolicTensor;
    const model = tfl.model({ inputs: input, outputs: output });
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const x = tf.tensor2d(seededValues(16, 3), [4, 4]);
    const y = tf.tensor2d(seededValues(4, 4), [4, 1]);
    const batchValues: number[] = [];
    const history = await model.fit(x, y, {
      epochs: 2,
      batchSize: 2,
      verbose: 0,
      callbacks: [
        activationStdLogger(model),
        new tfl.CustomCallback({ onBatchEnd: async (_b, logs) => void batchValues.push(logs!['hidden_std'] as number) }),
      ],
    });
    expect(activationStdLayers(model).map((l) => l.name)).toEqual(['hidden_std']);
    expect(history.history['hidden_std']).toHaveLength(2);
    // Epoch value: the mean over that epoch's two batches.
    const epoch2 = history.history['hidden_std']![1] as number;
    expect(batchValues).toHaveLength(4);
    expectClose(epoch2, batchValues[3]!, 1e-6);
    expect(epoch2).toBeGreaterThan(0);
    tf.dispose([x, y]);
    model.dispose();
  });
});

describe('ActivationStdLoggingLayer arguments', () => {
  it('needs a name (it names the logged value) and a batch axis', () => {
    expect(() => new ActivationStdLoggingLayer({} as { name: string })).toThrow(ValueError);
    const layer = new ActivationStdLoggingLayer({ name: 'x' });
    const v = tf.tensor1d([1, 2, 3]);
    expect(() => layer.apply(v)).toThrow(ShapeError);
    v.dispose();
  });
});
