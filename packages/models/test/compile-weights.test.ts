import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MetricEmbedding } from '@tfsim/layers';
import { MultiSimilarityLoss, TripletLoss } from '@tfsim/losses';
import { describeEachBackend, expectNoLeak } from '@tfsim/test-utils';
import { avgPos } from '@tfsim/training-metrics';

import { SimilarityModel } from '../src/similarity-model';

/** A shared dense trunk and two L2-normalised heads, 'a' and 'b', with seeded weights. */
function twoHeads(seed: number): SimilarityModel {
  const init = (s: number) => tfl.initializers.glorotUniform({ seed: s });
  const input = tfl.input({ shape: [4], name: 'x' });
  const trunk = tfl.layers
    .dense({ units: 6, activation: 'tanh', kernelInitializer: init(seed), name: 'trunk' })
    .apply(input) as tfl.SymbolicTensor;
  const head = (name: string, s: number) => {
    return new MetricEmbedding({ units: 3, kernelInitializer: init(s), name }).apply(trunk) as tfl.SymbolicTensor;
  };
  return new SimilarityModel({ inputs: input, outputs: [head('a', seed + 1), head('b', seed + 2)], name: 'two_heads' });
}

const X = [
  [1, 0.2, -0.3, 0.5],
  [0.9, 0.1, -0.2, 0.4],
  [-0.5, 1, 0.3, 0],
  [-0.4, 0.8, 0.5, 0.1],
  [0.2, -0.7, 1, 0.3],
  [0.1, -0.9, 0.8, 0.2],
];
const Y = [0, 0, 1, 1, 2, 2];
const LR = 0.1;

describeEachBackend('SimilarityModel.compile lossWeights, losses by output name, weightedMetrics', ({ tol }) => {
  it("minimises the weighted sum of the outputs' losses and logs each output's loss unweighted (Keras)", async () => {
    const model = twoHeads(11);
    const lossA = new TripletLoss();
    const lossB = new MultiSimilarityLoss();
    const weights = { a: 0.25, b: 2 };
    const x = tf.tensor2d(X);
    const y = tf.tensor1d(Y, 'int32');
    const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const before = vars.map((v) => v.clone());

    // The reference: losses of the model as it is, and one SGD step on the gradient of their weighted sum.
    const { value, grads } = tf.variableGrads(() => {
      const [a, b] = model.apply(x, { training: true }) as tf.Tensor[];
      return tf.add(tf.mul(lossA.call(y, a!), weights.a), tf.mul(lossB.call(y, b!), weights.b)) as tf.Scalar;
    }, vars);
    const [outA, outB] = model.predict(x) as tf.Tensor[];
    const expectedA = (lossA.call(y, outA!) as tf.Scalar).dataSync()[0]!;
    const expectedB = (lossB.call(y, outB!) as tf.Scalar).dataSync()[0]!;
    const expectedTotal = value.dataSync()[0]!;
    expect(expectedTotal).toBeCloseTo(weights.a * expectedA + weights.b * expectedB, 5);
    const expectedWeights = vars.map((v, i) => tf.sub(before[i]!, tf.mul(grads[v.name]!, LR)));

    model.compile({ optimizer: tf.train.sgd(LR), loss: { b: lossB, a: lossA }, lossWeights: weights });
    expect(model.lossWeights).toEqual([0.25, 2]);
    const history = await expectNoLeak(() => model.fit(x, y, { epochs: 1, batchSize: X.length, verbose: 0, shuffle: false }));
    expect(Number(history.history.loss![0])).toBeCloseTo(expectedTotal, 5);
    expect(Number(history.history.a_loss![0])).toBeCloseTo(expectedA, 5);
    expect(Number(history.history.b_loss![0])).toBeCloseTo(expectedB, 5);
    model.trainableWeights.forEach((w, i) => {
      const got = w.read().dataSync();
      const want = expectedWeights[i]!.dataSync();
      got.forEach((g, j) => expect(Math.abs(g - want[j]!)).toBeLessThan(tol));
    });
    tf.dispose([x, y, value, outA!, outB!, ...Object.values(grads), ...before, ...expectedWeights]);
    model.dispose();
  });

  it('scales the one loss of a single-output model (our training loop, graph mode on the native backend)', async () => {
    const input = tfl.input({ shape: [4] });
    const out = new MetricEmbedding({ units: 3, kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) }).apply(
      input,
    ) as tfl.SymbolicTensor;
    const model = new SimilarityModel({ inputs: input, outputs: out });
    const x = tf.tensor2d(X);
    const y = tf.tensor1d(Y, 'int32');
    const loss = new MultiSimilarityLoss();
    const pred = model.predict(x) as tf.Tensor;
    const unweighted = (loss.call(y, pred) as tf.Scalar).dataSync()[0]!;
    model.compile({ optimizer: tf.train.sgd(0), loss, lossWeights: [3] });
    const history = await model.fit(x, y, { epochs: 1, batchSize: X.length, verbose: 0 });
    expect(Number(history.history.loss![0])).toBeCloseTo(3 * unweighted, 4);
    tf.dispose([x, y, pred]);
    model.dispose();
  });

  it('logs weighted metrics next to the metrics, weighted_<name> when the names meet, per output by name', async () => {
    const model = twoHeads(12);
    const x = tf.tensor2d(X);
    const y = tf.tensor1d(Y, 'int32');
    model.compile({
      optimizer: tf.train.sgd(0),
      loss: new TripletLoss(),
      metrics: { a: avgPos('cosine') },
      weightedMetrics: { a: avgPos('cosine'), b: avgPos('cosine') },
    });
    const history = await model.fit(x, y, { epochs: 1, batchSize: X.length, verbose: 0 });
    const keys = Object.keys(history.history).sort();
    expect(keys).toEqual(['a_mean_pos', 'a_loss', 'a_weighted_mean_pos', 'b_mean_pos', 'b_loss', 'loss'].sort());
    // No sample weights in tfjs-layers: the weighted value is the metric's value.
    expect(history.history.a_weighted_mean_pos![0]).toBeCloseTo(Number(history.history.a_mean_pos![0]), 6);
    // and mean_pos of head b is its mean distance to the farthest positive, computed here by hand
    const b = (model.predict(x) as tf.Tensor[])[1]!;
    const rows = b.arraySync() as number[][];
    const cos = (p: number[], q: number[]) => 1 - p.reduce((s, v, k) => s + v * q[k]!, 0);
    const farthest = rows.map((r, i) => Math.max(...rows.filter((_, j) => j !== i && Y[j] === Y[i]).map((q) => cos(r, q))));
    expect(Number(history.history.b_mean_pos![0])).toBeCloseTo(farthest.reduce((s, v) => s + v, 0) / farthest.length, 4);
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, classWeight: { 0: 1, 1: 2, 2: 1 } })).rejects.toMatchObject({
      code: 'ERR_VALUE',
      message: expect.stringMatching(/classWeight with weightedMetrics/),
    });
    tf.dispose([x, y, b]);
    model.dispose();
  });

  it('refuses classWeight with a @tfsim loss (tfjs-layers would weight every row by class 0) and leaves the weights untouched', async () => {
    const model = twoHeads(14);
    model.compile({ optimizer: tf.train.sgd(LR), loss: new TripletLoss() });
    const before = model.getWeights().map((w) => w.dataSync().slice());
    const x = tf.tensor2d(X);
    const y = tf.tensor1d(Y, 'int32');
    await expect(model.fit(x, y, { epochs: 1, verbose: 0, classWeight: { 0: 1, 1: 3, 2: 1 } })).rejects.toMatchObject({
      code: 'ERR_VALUE',
      message: expect.stringMatching(/classWeight with a @tfsim loss is not supported.*sampler/),
    });
    expect(model.getWeights().map((w) => w.dataSync().slice())).toEqual(before);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('refuses unknown or missing output names, wrong weight counts, non-finite weights and weighted loss names', () => {
    const model = twoHeads(13);
    const loss = new TripletLoss();
    const bad = (args: Parameters<SimilarityModel['compile']>[0], pattern: RegExp) =>
      expect(() => model.compile(args)).toThrow(expect.objectContaining({ code: 'ERR_VALUE', message: expect.stringMatching(pattern) }));
    bad({ loss: { a: loss, c: loss } }, /unknown output 'c'; the model's outputs are 'a', 'b'/);
    bad({ loss: { a: loss } }, /must name every output; missing 'b'/);
    bad({ loss, lossWeights: [1] }, /lossWeights has 1 entries but the model has 2 output/);
    bad({ loss, lossWeights: { a: Number.NaN } }, /lossWeights for output 'a' must be a finite number/);
    bad({ loss, lossWeights: { z: 1 } }, /lossWeights names an unknown output 'z'/);
    bad(
      { loss: ['meanSquaredError', 'meanSquaredError'], lossWeights: [2, 1], distance: 'cosine' },
      /lossWeights needs the loss 'meanSquaredError' as a function/,
    );
    bad({ loss, metrics: { q: avgPos('cosine') } }, /metrics names an unknown output 'q'/);
    model.dispose();
  });
});
