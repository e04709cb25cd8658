/**
 * ContrastiveModel learns: SimCLR on seeded synthetic data (class in a few
 * features, nuisance in many, the augmentation redraws the nuisance), fed by
 * a SingleShotMemorySampler. The loss falls and held-out 1-NN accuracy
 * through the model's index rises well above the untrained model's.
 */
import * as tf from '@tensorflow/tfjs-core';
import { SingleShotMemorySampler } from '@tfsim/samplers';
import { describeEachBackend, expectNoLeak, testBackends } from '@tfsim/test-utils';

import { createContrastiveModel, WarmupCosineDecay } from '../../src';
import { FEATURES, knnAccuracy, mlpBackbone, nuisanceAugmenter, syntheticData } from './fixture';

const [fastest] = testBackends();

/** 1-NN accuracy of `queries` against `indexed` through the model's index API (createIndex/index/lookup). */
async function indexAccuracy(
  model: ReturnType<typeof createContrastiveModel>,
  indexed: { x: tf.Tensor2D; labels: number[] },
  queries: { x: tf.Tensor2D; labels: number[] },
): Promise<number> {
  model.createIndex();
  await model.index(indexed.x, indexed.labels, null, { verbose: false });
  const neighbours = await model.lookup(queries.x, 1, false);
  let correct = 0;
  neighbours.forEach((n, i) => (n[0]!.label === queries.labels[i] ? correct++ : 0));
  return correct / queries.labels.length;
}

describeEachBackend(
  'ContrastiveModel training (SimCLR, synthetic data)',
  () => {
    it('lowers the loss and lifts held-out 1-NN accuracy from below 0.6 to above 0.9', async () => {
      const train = syntheticData(1, 4, 128);
      const held = syntheticData(2, 4, 100);
      const trainX = tf.tensor2d(train.x, [train.n, FEATURES]);
      const heldX = tf.tensor2d(held.x, [held.n, FEATURES]);
      // Index: the first 200 held-out points; queries: the other 200.
      const indexed = { x: heldX.slice(0, 200) as tf.Tensor2D, labels: held.labels.slice(0, 200) };
      const queries = { x: heldX.slice(200, 200) as tf.Tensor2D, labels: held.labels.slice(200) };

      const model = createContrastiveModel(mlpBackbone(7), { algorithm: 'simclr', projectorDim: 32, seed: 11 });
      const before = await indexAccuracy(model, indexed, queries);

      const sampler = new SingleShotMemorySampler(trainX, {
        examplesPerBatch: 64,
        augmenter: nuisanceAugmenter(3),
        stepsPerEpoch: 25,
        seed: 5,
      });
      const epochs = 6;
      model.compile({ optimizer: tf.train.adam(0.01), loss: 'simclr_loss' });
      const history = await model.fit(sampler, {
        epochs,
        verbose: false,
        learningRateSchedule: new WarmupCosineDecay(0.01, epochs * 25, 10),
      });
      const after = await indexAccuracy(model, indexed, queries);

      // The same accuracy computed without the index: predict + brute-force cosine.
      const indexEmb = model.predict(indexed.x);
      const queryEmb = model.predict(queries.x);
      const independent = knnAccuracy(
        indexEmb.dataSync() as Float32Array,
        indexed.labels,
        queryEmb.dataSync() as Float32Array,
        queries.labels,
        32,
      );
      tf.dispose([indexEmb, queryEmb]);
      // Another epoch from the sampler leaves no tensors behind (batches, views, gradients all freed).
      await expectNoLeak(() => model.fit(sampler, { epochs: 1, stepsPerEpoch: 3, verbose: false }));

      const loss = history.history.loss!;
      expect(history.epoch).toEqual([0, 1, 2, 3, 4, 5]);
      expect(loss).toHaveLength(epochs);
      expect(loss[epochs - 1]!).toBeLessThan(0.7 * loss[0]!);
      expect(history.history.proj_std).toHaveLength(epochs);
      expect(history.history.lr![epochs - 1]).toBeCloseTo(new WarmupCosineDecay(0.01, epochs * 25, 10).call(epochs * 25 - 1), 10);
      expect(before).toBeLessThan(0.6);
      expect(after).toBeGreaterThan(0.9);
      expect(after).toBe(independent);
      console.log(`SimCLR synthetic: loss ${loss.map((l) => l.toFixed(3)).join(' ')}; 1-NN accuracy ${before} -> ${after}`);
      model.dispose();
      tf.dispose([trainX, heldX, indexed.x, queries.x]);
    });

    it('trains SimSiam on a tensor with an augmenter, leaving no tensors behind across steps and epochs', async () => {
      const data = syntheticData(4, 4, 32);
      const x = tf.tensor2d(data.x, [data.n, FEATURES]);
      const model = createContrastiveModel(mlpBackbone(21), { algorithm: 'simsiam', projectorDim: 16, predictorHiddenDim: 8, seed: 2 });
      model.compile({ optimizer: 'sgd' });
      const options = { epochs: 2, batchSize: 32, augmenter: nuisanceAugmenter(9), seed: 1, verbose: false } as const;
      // The first run makes the optimizer's state (none for SGD) and tfjs' caches.
      await model.fit(x, options);
      const history = await expectNoLeak(() => model.fit(x, { ...options, epochs: 3 }));
      expect(history.history.loss).toHaveLength(3);
      expect(Object.keys(history.history).sort()).toEqual(['loss', 'pred_std', 'proj_std']);
      // SimSiam's loss is -cos/2 per direction plus the margin, summed over both: within [-1, 1] + 2 * 0.001.
      for (const l of history.history.loss!) expect(Math.abs(l)).toBeLessThanOrEqual(1.002);
      const small = x.slice(0, 16);
      await expectNoLeak(async () => {
        for (let i = 0; i < 10; i++) {
          const [v1, v2] = nuisanceAugmenter(i)(small, undefined, 2);
          await model.trainStep(v1!, v2!);
          tf.dispose([v1!, v2!]);
        }
      });
      await expectNoLeak(() => model.evaluate([x, x], { batchSize: 64 }));
      await expectNoLeak(() => model.predict(x).dispose());
      model.dispose();
      tf.dispose([x, small]);
    });
  },
  { only: fastest ? [fastest] : [] },
);
