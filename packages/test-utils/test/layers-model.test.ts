import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import { expectNoLeak, roundTripModel, saveToMemory } from '../src';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

function smallModel(): tfl.LayersModel {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 2, activation: 'tanh', name: 'd' })] });
  model.layers[0]!.setWeights([
    tf.tensor2d([
      [0.5, -1],
      [2, 0.25],
      [-0.75, 1.5],
    ]),
    tf.tensor1d([0.1, -0.2]),
  ]);
  return model;
}

describe('layers model in memory', () => {
  it('saves the topology as plain JSON data and the weights as their bytes', async () => {
    const model = smallModel();
    const artifacts = await saveToMemory(model);
    expect(JSON.parse(JSON.stringify(artifacts.modelTopology))).toEqual(artifacts.modelTopology);
    expect(artifacts.weightSpecs!.map((w) => [w.name, w.shape])).toEqual([
      ['d/kernel', [3, 2]],
      ['d/bias', [2]],
    ]);
    expect(Array.from(new Float32Array(artifacts.weightData as ArrayBuffer))).toEqual(
      [0.5, -1, 2, 0.25, -0.75, 1.5, 0.1, -0.2].map(Math.fround),
    );
    model.dispose();
  });

  it('loads back a model that predicts the same values, bit for bit, and leaks nothing', async () => {
    const model = smallModel();
    const loaded = await roundTripModel(model);
    expect(loaded).not.toBe(model);
    const x = tf.tensor2d([
      [1, 2, 3],
      [-1, 0.5, 4],
    ]);
    const [a, b] = await expectNoLeak(() => {
      const ya = model.predict(x) as tf.Tensor;
      const yb = loaded.predict(x) as tf.Tensor;
      const out = [ya.dataSync().slice(), yb.dataSync().slice()];
      tf.dispose([ya, yb]);
      return out;
    });
    // tanh(x W + b) for the first row by hand: [tanh(0.5+4-2.25+0.1), tanh(-1+0.5+4.5-0.2)]
    expect(a![0]).toBeCloseTo(Math.tanh(2.35), 6);
    expect(a![1]).toBeCloseTo(Math.tanh(3.8), 6);
    expect(Array.from(b!)).toEqual(Array.from(a!));
    tf.dispose(x);
    model.dispose();
    loaded.dispose();
  });
});
