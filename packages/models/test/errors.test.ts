import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { MetricEmbedding } from '@tfsim/layers';
import { TripletLoss } from '@tfsim/losses';
import { describeEachBackend } from '@tfsim/test-utils';

import { SimilarityModel } from '../src/similarity-model';
import { buildMlp } from './fixture';

describeEachBackend('SimilarityModel bad input', () => {
  const x = () => tf.ones([4, 16]);

  it('refuses distance auto with a loss that is not a metric loss', () => {
    const model = buildMlp(16);
    const auto = "distance 'auto' only works when the (first) loss is a metric loss with a distance";
    expect(() => model.compile({ optimizer: 'sgd', loss: 'meanSquaredError' })).toThrow(`${auto}, but the loss is 'meanSquaredError'`);
    const mse = (a: tf.Tensor, b: tf.Tensor) => tf.losses.meanSquaredError(a, b);
    expect(() => model.compile({ optimizer: 'sgd', loss: mse })).toThrow(`${auto}, but the loss is function mse`);
    expect(model.indexerOrNull).toBeNull();
    // with an explicit distance it is fine
    model.compile({ optimizer: 'sgd', loss: 'meanSquaredError', distance: 'cosine' });
    expect(model.distance!.name).toBe('cosine');
    // losses by name and instance give their distance
    model.compile({ optimizer: 'sgd', loss: new TripletLoss({ distance: 'l2' }) });
    expect(model.distance!.name).toBe('euclidean');
    model.compile({ optimizer: 'sgd', loss: 'multisim_loss' });
    expect(model.distance!.name).toBe('cosine');
    model.dispose();
  });

  it('needs compile before index, lookup and fit; a non-empty index before lookup; x and y of one length', async () => {
    const model = buildMlp(16);
    const xs = x();
    await expect(model.index(xs, [0, 1, 2, 3])).rejects.toThrow('the model has no index: call compile() or createIndex() first');
    await expect(model.lookup(xs)).rejects.toThrow('the model has no index: call compile() or createIndex() first');
    await expect(model.fit(xs, [0, 1, 2, 3])).rejects.toThrow('compile() the model with a loss before fit()');
    model.compile({ optimizer: 'sgd', loss: new TripletLoss() });
    await expect(model.lookup(xs)).rejects.toThrow('the index is empty: call index() before lookup()');
    await expect(model.match(xs)).rejects.toThrow('the index is empty: call index() before match()');
    await expect(model.index(xs, [0, 1, 2])).rejects.toThrow('x has 4 examples but y has 3 labels');
    await expect(model.fit(xs, [0, 1, 2])).rejects.toThrow('x has 4 examples but y has 3 labels');
    await expect(model.calibrate(xs, [0, 1])).rejects.toThrow('the index is empty: call index() before calibrate()');
    await model.index(xs, [0, 1, 2, 3], null, { verbose: 0 });
    await expect(model.calibrate(xs, [0, 1])).rejects.toThrow('x has 4 examples but y has 2 labels');
    await expect(model.match(xs)).rejects.toThrow('the model is not calibrated: call calibrate() before match()');
    await expect(model.lookup(xs, 0)).rejects.toThrow('k');
    expect(() => model.createIndex({ embeddingOutput: 1 })).toThrow("embeddingOutput 1 exceeds the model's outputs (it has 1)");
    xs.dispose();
    model.dispose();
  });

  it('fit refuses labels that are not safe integers instead of casting them to int32 (issue 18 item 9)', async () => {
    const model = buildMlp(16);
    model.compile({ optimizer: 'sgd', loss: new TripletLoss() });
    const xs = x();
    const before = tf.memory().numTensors;
    await expect(model.fit(xs, [0, 1, '2', 3] as never)).rejects.toThrow(
      "y[2] (SimilarityModel.fit) is '2' (a string); labels must be safe integers",
    );
    await expect(model.fit(xs, [0, 1, 0.5, 3])).rejects.toThrow('y[2] (SimilarityModel.fit) is 0.5');
    await expect(model.fit(xs, [0, NaN, 1, 1])).rejects.toThrow('y[1] (SimilarityModel.fit) is NaN');
    const floatLabels = tf.tensor1d([0, 1, 1.5, 0]);
    await expect(model.fit(xs, floatLabels)).rejects.toThrow('y[2] (SimilarityModel.fit) is 1.5');
    floatLabels.dispose();
    expect(tf.memory().numTensors).toBe(before);
    xs.dispose();
    model.dispose();
  });

  it('gives a non-metric loss its targets as they are (no label repetition)', async () => {
    const inputs = tfl.input({ shape: [2] });
    const outputs = tfl.layers.dense({ units: 2, kernelInitializer: 'zeros', useBias: false }).apply(inputs) as tfl.SymbolicTensor;
    const model = new SimilarityModel({ inputs, outputs });
    model.compile({ optimizer: tf.train.sgd(0.5), loss: 'meanSquaredError', distance: 'l2' });
    const xs = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    const targets = tf.tensor2d([
      [2, 0],
      [0, 3],
    ]);
    // one full-batch step from zero weights: w -= 0.5 * dMSE/dw = 0.5 * (2/4) * x^T y
    await model.fit(xs, targets, { epochs: 1, batchSize: 2, shuffle: false, verbose: 0 });
    const kernel = model.getWeights()[0]!;
    expect(Array.from(kernel.dataSync())).toEqual([0.5, 0, 0, 0.75]);
    tf.dispose([xs, targets]); // getWeights returns the variables themselves
    model.dispose();
  });

  it('indexes the chosen output of a multi-output model', async () => {
    const inputs = tfl.input({ shape: [3] });
    const a = new MetricEmbedding({ units: 2, name: 'a' }).apply(inputs) as tfl.SymbolicTensor;
    const b = tfl.layers.dense({ units: 5, name: 'b' }).apply(inputs) as tfl.SymbolicTensor;
    const model = new SimilarityModel({ inputs, outputs: [a, b] });
    model.createIndex({ embeddingOutput: 1, distance: 'l2' });
    expect(model.indexer.embeddingSize).toBe(5);
    const xs = tf.tensor2d([
      [1, 2, 3],
      [0, 1, 0],
    ]);
    await model.index(xs, [7, 8], null, { verbose: 0 });
    const second = xs.slice([1, 0], [1, 3]);
    const first = (await model.lookup(second, 1, 0))[0]![0]!;
    second.dispose();
    expect(first.label).toBe(8);
    expect(first.distance).toBe(0);
    const dense = (model.predict(xs) as tf.Tensor[])[1]!;
    const records = await model.indexer.toRecords();
    expect(Array.from(records[0]!.embedding)).toEqual(Array.from((dense.arraySync() as number[][])[0]!).map((v) => Math.fround(v)));
    tf.dispose([xs, dense]);
    model.dispose();
  });
});
