/**
 * The losses inside tfjs-layers: `loss.lossFunction` in `model.compile`,
 * with labels as tfjs-layers passes them (float, [batch, 1]).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeEachBackend, expectClose } from '@tfsim/test-utils';
import { Rng } from '@tfsim/utils';

import { type MetricLoss, SoftNearestNeighborLoss, TripletLoss } from '../src';

/** One noisy cluster per class in 4-D input space, embedded in 3-D. */
function data(rng: Rng, perClass: number) {
  const xs: number[][] = [];
  const ys: number[] = [];
  for (let c = 0; c < 3; c++) {
    for (let i = 0; i < perClass; i++) {
      xs.push(Array.from({ length: 4 }, (_, j) => (j === c ? 1 : 0) + 0.5 * rng.normal()));
      ys.push(c);
    }
  }
  return { xs, ys };
}

/** A linear embedding (unnormalised: the losses below use euclidean distances). */
function model(seed: number): tfl.LayersModel {
  const input = tfl.input({ shape: [4] });
  const dense = tfl.layers
    .dense({ units: 3, kernelInitializer: tfl.initializers.glorotNormal({ seed }) })
    .apply(input) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: dense });
}

describeEachBackend('tfjs-layers: loss.lossFunction in model.compile', () => {
  it.each([
    ['TripletLoss', () => new TripletLoss({ distance: 'euclidean', margin: 2 })],
    ['SoftNearestNeighborLoss', () => new SoftNearestNeighborLoss()],
  ] as const)('%s: the loss falls over a few fit epochs (labels tiled to the output shape, float)', async (_name, make) => {
    const loss: MetricLoss = make();
    const { xs, ys } = data(new Rng(4), 8);
    const m = model(7);
    m.compile({ optimizer: tf.train.adam(0.05), loss: loss.lossFunction });
    const x = tf.tensor2d(xs);
    // tfjs-layers checks targets against the output shape: labels are given
    // repeated across the 3 output columns, the loss reads column 0.
    const y = tf.tile(tf.tensor2d(ys, [ys.length, 1]), [1, 3]);
    // The first epoch creates the optimizer's state; later ones must not add tensors.
    const first = await m.fit(x, y, { epochs: 1, batchSize: 12, shuffle: false, verbose: 0 });
    const before = tf.memory().numTensors;
    const history = await m.fit(x, y, { epochs: 6, batchSize: 12, shuffle: false, verbose: 0 });
    expect(tf.memory().numTensors).toBe(before);
    const losses = [first.history.loss[0] as number, ...(history.history.loss as number[])];
    expect(losses[losses.length - 1]!).toBeLessThan(losses[0]!);
    // The reported loss is the loss of the batch.
    const out = m.predict(x) as tf.Tensor2D;
    const labels = tf.tensor2d(ys, [ys.length, 1]);
    const direct = loss.call(labels, out);
    const fromLayers = loss.lossFunction(labels, out);
    expectClose(fromLayers, direct, 1e-7);
    const tiled = tf.tile(labels, [1, 3]);
    const fromTiled = loss.lossFunction(tiled, out);
    expectClose(fromTiled, direct, 1e-7);
    tf.dispose([out, labels, direct, fromLayers, tiled, fromTiled]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, y]);
    m.dispose();
  });

  it('labels as int32 [batch], float32 [batch, 1] and plain numbers give the same loss', () => {
    const loss = new TripletLoss();
    const e = tf.tensor2d([
      [1, 0],
      [0.8, 0.6],
      [0, 1],
      [0.6, 0.8],
    ]);
    const values = [tf.tensor1d([3, 3, 5, 5], 'int32'), tf.tensor2d([3, 3, 5, 5], [4, 1]), [3, 3, 5, 5]].map((labels) => {
      const v = loss.call(labels, e);
      const out = v.dataSync()[0]!;
      v.dispose();
      return out;
    });
    expect(values[1]).toBe(values[0]);
    expect(values[2]).toBe(values[0]);
    e.dispose();
  });
});
