import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ActivationStdLoggingLayer, MetricEmbedding } from '@tfsim/layers';
import { ArcFaceLoss, MultiSimilarityLoss, ProxyAnchorLoss } from '@tfsim/losses';
import { RecallAtK } from '@tfsim/retrieval-metrics';
import { MultiShotMemorySampler } from '@tfsim/samplers';
import { describeEachBackend, expectNoLeak, testBackends } from '@tfsim/test-utils';
import { avgPos } from '@tfsim/training-metrics';

import { SimilarityModel } from '../src/similarity-model';
import { buildMlp, clustersTensor, makeClusters, recallAt1 } from './fixture';

// Training is the slow part: it runs on the fastest backend only.
const fastest = testBackends()[0]!;

/** A metric in the training-metrics shape (`metricFunction`): MetricEmbedding rows have norm 1, so it logs exactly 1. */
function meanNormMetric() {
  const fn = (_y: tf.Tensor, p: tf.Tensor) => tf.mean(tf.norm(p, 'euclidean', 1));
  return { metricFunction: Object.defineProperty(fn, 'name', { value: 'mean_norm' }) };
}

/** Log entries of a tfjs History as plain numbers. */
function series(history: tfl.History, key: string): number[] {
  return (history.history[key] ?? []).map((v) => Number(v));
}

describeEachBackend(
  'SimilarityModel training',
  () => {
    const train = makeClusters(1, 8, 40);
    const held = makeClusters(2, 8, 20);

    it('learns the clusters with MultiSimilarityLoss from a sampler: loss falls, recall@1 on held-out points rises', async () => {
      const model = buildMlp(train.dim);
      // Training metrics are unwrapped to their metricFunction.
      model.compile({ optimizer: tf.train.adam(0.01), loss: new MultiSimilarityLoss(), metrics: [meanNormMetric(), avgPos('cosine')] });
      expect(model.distance!.name).toBe('cosine');
      const xTrain = clustersTensor(train);
      const xHeld = clustersTensor(held);

      await model.index(xTrain, train.y, null, { verbose: 0 });
      const recallBefore = recallAt1(await model.lookup(xHeld, 1, 0), held.y);

      const sampler = new MultiShotMemorySampler(xTrain, train.y, {
        classesPerBatch: 8,
        examplesPerClassPerBatch: 4,
        stepsPerEpoch: 20,
        seed: 3,
      });
      const started = Date.now();
      const history = await model.fit(sampler, { epochs: 5, verbose: 0 });
      const seconds = (Date.now() - started) / 1000;
      const loss = series(history, 'loss');
      expect(loss).toHaveLength(5);
      expect(loss[4]!).toBeLessThan(0.5 * loss[0]!);
      for (const v of series(history, 'mean_norm')) expect(v).toBeCloseTo(1, 5);
      // positives pull together: the mean distance to the farthest positive falls
      const meanPos = series(history, 'mean_pos');
      expect(meanPos).toHaveLength(5);
      expect(meanPos[4]!).toBeLessThan(meanPos[0]!);

      await model.resetIndex();
      await model.index(xTrain, train.y, null, { verbose: 0 });
      const lookups = await model.lookup(xHeld, 1, 0);
      const recallAfter = recallAt1(lookups, held.y);
      // Measured: 0.39 before, 0.86 after (loss 0.73 -> 0.24).
      expect(recallBefore).toBeLessThan(0.5);
      expect(recallAfter).toBeGreaterThan(0.8);
      const evaluated = await model.evaluateRetrieval(xHeld, held.y, [new RecallAtK({ k: 1 })], 0);
      expect(evaluated['recall@1']).toBeCloseTo(recallAfter, 6);
      console.log(
        `[${fastest}] MultiSimilarityLoss: loss ${loss.map((v) => v.toFixed(4)).join(' -> ')}; mean_pos ${meanPos.map((v) => v.toFixed(4)).join(' -> ')}; recall@1 ${recallBefore.toFixed(4)} -> ${recallAfter.toFixed(4)}; fit ${seconds.toFixed(1)} s`,
      );

      // No leaks: more training, indexing, lookups, calibration and matching leave the tensor count as it was.
      await expectNoLeak(async () => {
        await model.fit(sampler, { epochs: 2, verbose: 0 });
        await model.fit(xTrain, train.y, { epochs: 1, batchSize: 64, verbose: 0 });
        await model.index(xHeld, held.y, null, { verbose: 0 });
        await model.lookup(xHeld, 3, 0);
        const one = tf.tidy(() => xHeld.slice([0, 0], [1, held.dim]).reshape([held.dim]));
        await model.singleLookup(one, 2);
        one.dispose();
        await model.calibrate(xHeld, held.y, { verbose: 0 });
        await model.match(xHeld);
      });
      tf.dispose([xTrain, xHeld]);
      model.dispose();
    });

    it('shows a progress bar with the loss only when asked or on a terminal', async () => {
      const model = buildMlp(train.dim);
      model.compile({ optimizer: tf.train.sgd(0.01), loss: 'multisim_loss' });
      const x = clustersTensor(train);
      const writes: string[] = [];
      const spy = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
        writes.push(String(chunk));
        return true;
      });
      try {
        await model.fit(x, train.y, { epochs: 1, batchSize: 160 });
        const quiet = writes.length;
        await model.fit(x, train.y, { epochs: 2, batchSize: 160, verbose: 1 });
        expect(quiet).toBe(0); // jest's stderr is not a terminal
        const text = writes.join('');
        expect(text).toContain('epoch 1/2 [');
        expect(text).toContain('epoch 2/2 [');
        expect(text).toMatch(/2\/2 in [0-9.]+s loss \d\.\d{4}/);
      } finally {
        spy.mockRestore();
      }
      x.dispose();
      model.dispose();
    });

    it.each([
      ['ArcFaceLoss', () => new ArcFaceLoss({ numClasses: 8, embeddingSize: 8, seed: 5 }), 0.05],
      ['ProxyAnchorLoss', () => new ProxyAnchorLoss({ numClasses: 8, embeddingSize: 8, seed: 5 }), 0.01],
    ] as const)('trains the variables of %s with the model (custom loop)', async (_name, makeLoss, lr) => {
      const model = buildMlp(train.dim);
      const loss = makeLoss();
      model.compile({ optimizer: tf.train.adam(lr), loss, metrics: [meanNormMetric(), avgPos('cosine')] });
      const before = loss.weights.arraySync() as number[][];
      const kernelBefore = model.getLayer('dense_1').getWeights()[0]!.arraySync() as number[][];
      const xTrain = clustersTensor(train);
      const sampler = new MultiShotMemorySampler(xTrain, train.y, {
        classesPerBatch: 8,
        examplesPerClassPerBatch: 4,
        stepsPerEpoch: 10,
        seed: 4,
      });
      const history = await model.fit(sampler, { epochs: 4, verbose: 0 });
      const losses = series(history, 'loss');
      expect(losses).toHaveLength(4);
      expect(losses[3]!).toBeLessThan(0.7 * losses[0]!);
      // the custom loop logs the compiled metrics too
      for (const v of series(history, 'mean_norm')) expect(v).toBeCloseTo(1, 5);
      const meanPos = series(history, 'mean_pos');
      expect(meanPos).toHaveLength(4);
      expect(meanPos[3]!).toBeLessThan(meanPos[0]!);
      const after = loss.weights.arraySync() as number[][];
      const moved = Math.max(...after.flatMap((row, i) => row.map((v, j) => Math.abs(v - before[i]![j]!))));
      expect(moved).toBeGreaterThan(1e-3);
      const kernelAfter = model.getLayer('dense_1').getWeights()[0]!.arraySync() as number[][];
      expect(kernelAfter).not.toEqual(kernelBefore);
      console.log(
        `[${fastest}] ${_name}: loss ${losses.map((v) => v.toFixed(4)).join(' -> ')}; mean_pos ${meanPos.map((v) => v.toFixed(4)).join(' -> ')}; centres moved by up to ${moved.toFixed(4)}`,
      );

      // The custom loop from tensors, and without leaks once warmed up.
      await model.fit(xTrain, train.y, { epochs: 1, batchSize: 64, verbose: 0 });
      await expectNoLeak(() => model.fit(xTrain, train.y, { epochs: 2, batchSize: 64, verbose: 0 }));
      await expectNoLeak(() => model.fit(sampler, { epochs: 1, verbose: 0 }));
      xTrain.dispose();
      model.dispose();
      loss.dispose();
    });

    it('logs ActivationStdLoggingLayer values into the history', async () => {
      const inputs = tfl.input({ shape: [train.dim] });
      const h = tfl.layers
        .dense({ units: 16, activation: 'relu', kernelInitializer: tfl.initializers.glorotUniform({ seed: 1 }) })
        .apply(inputs) as tfl.SymbolicTensor;
      const logged = new ActivationStdLoggingLayer({ name: 'act_std' });
      const outputs = new MetricEmbedding({ units: 8, kernelInitializer: tfl.initializers.glorotUniform({ seed: 2 }) }).apply(
        logged.apply(h),
      ) as tfl.SymbolicTensor;
      const model = new SimilarityModel({ inputs, outputs });
      model.compile({ optimizer: tf.train.adam(0.01), loss: new MultiSimilarityLoss() });
      const x = clustersTensor(train);
      const history = await model.fit(x, train.y, { epochs: 2, batchSize: 80, verbose: 0 });
      const values = series(history, 'act_std');
      expect(values).toHaveLength(2);
      // the epoch's running mean, as the layer itself reports it
      expect(values[1]).toBeCloseTo(logged.result(), 6);
      expect(values[1]).toBeGreaterThan(0);
      x.dispose();
      model.dispose();
    });
  },
  { only: [fastest] },
);
