import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { RecallAtK } from '@tfsim/retrieval-metrics';
import { MultiShotMemorySampler } from '@tfsim/samplers';
import { describeEachBackend, expectNoLeak } from '@tfsim/test-utils';

import { collectBatches, EvalCallback, type EvalCallbackOptions } from '../src';
import { f32, linearModel, QUERIES, QUERY_LABELS, STRETCH, TARGET_LABELS, TARGETS } from './fixture';

/** The fixture as a dataset of `{xs, ys}` batches of `batchSize` rows. */
function fixtureDataset(x: number[][], y: number[], batchSize: number): tfd.Dataset<{ xs: tf.Tensor; ys: tf.Tensor }> {
  return tfd.array(x.map((row, i) => ({ xs: row, ys: y[i]! }))).batch(batchSize) as unknown as tfd.Dataset<{
    xs: tf.Tensor;
    ys: tf.Tensor;
  }>;
}

/** 12 points of 4 classes on the unit circle, pushed off their class's angle by a few degrees. */
const POINTS = Array.from({ length: 12 }, (_, i) => {
  const angle = ((i % 4) * Math.PI) / 2 + ((i - 6) * Math.PI) / 40;
  return [Math.cos(angle), Math.sin(angle)];
});
const POINT_LABELS = POINTS.map((_, i) => i % 4);

const OPTIONS: EvalCallbackOptions = {
  verbose: false,
  k: 2,
  metrics: ['binary_accuracy', 'f1score'],
  retrievalMetrics: [new RecallAtK({ k: 2 })],
};

describe('collectBatches', () => {
  it('reads a dataset up to an example bound, cutting the last batch, and leaves only its result', async () => {
    const ds = fixtureDataset(QUERIES, QUERY_LABELS, 2);
    const { x, labels } = await expectNoLeak(() => collectBatches({ from: ds, examples: 3 }), 1);
    expect(labels).toEqual([0, 1, 1]);
    expect(x.shape).toEqual([3, 2]);
    expect(Array.from(x.dataSync())).toEqual(Array.from(Float32Array.from(QUERIES.slice(0, 3).flat())));
    x.dispose();
  });

  it('reads a dataset up to a batch bound, or to its end', async () => {
    const two = await collectBatches({ from: fixtureDataset(QUERIES, QUERY_LABELS, 2), batches: 2 });
    expect(two.labels).toEqual([0, 1, 1, 2]);
    const all = await collectBatches({ from: fixtureDataset(QUERIES, QUERY_LABELS, 2), batches: 100 });
    expect(all.labels).toEqual(QUERY_LABELS);
    expect(Array.from(all.x.dataSync())).toEqual(Array.from(Float32Array.from(QUERIES.flat())));
    tf.dispose([two.x, all.x]);
  });

  it('reads a sampler: the same batches as generateBatch of a sampler with the same seed, without ending its epoch', async () => {
    const make = () =>
      new MultiShotMemorySampler(POINTS, POINT_LABELS, { classesPerBatch: 2, examplesPerClassPerBatch: 2, seed: 7, stepsPerEpoch: 10 });
    const reference = make();
    const expectedX: number[] = [];
    const expectedY: number[] = [];
    for (let i = 0; i < 3; i++) {
      const { xs, ys } = await reference.generateBatch(i);
      expectedX.push(...xs.dataSync());
      expectedY.push(...ys.dataSync());
      tf.dispose([xs, ys]);
    }
    const sampler = make();
    const { x, labels } = await expectNoLeak(() => collectBatches({ from: sampler, batches: 3 }), 1);
    expect(labels).toEqual(expectedY);
    expect(Array.from(x.dataSync())).toEqual(expectedX);
    expect(sampler.epoch).toBe(0);
    x.dispose();
  });

  it('rejects an unbounded source, a non-stream, malformed batches and unknown keys, naming the argument', async () => {
    const ds = fixtureDataset(QUERIES, QUERY_LABELS, 2);
    await expect(collectBatches({ from: ds }, 'queries')).rejects.toMatchObject({
      code: 'ERR_VALUE',
      message: expect.stringMatching(/queries needs a bound/),
    });
    await expect(collectBatches({ from: [1, 2] as never, batches: 1 }, 'targets')).rejects.toMatchObject({
      code: 'ERR_VALUE',
      message: expect.stringMatching(/targets\.from/),
    });
    await expect(collectBatches({ from: ds, batches: 0 })).rejects.toMatchObject({ code: 'ERR_VALUE' });
    await expect(collectBatches({ from: ds, batch: 2 } as never)).rejects.toMatchObject({ code: 'ERR_UNKNOWN_OPTION' });
    const before = tf.memory().numTensors;
    const oneHot = tfd
      .array([
        { xs: [1, 0], ys: [1, 0] },
        { xs: [0, 1], ys: [0, 1] },
      ])
      .batch(2) as never;
    await expect(collectBatches({ from: oneHot, batches: 1 })).rejects.toMatchObject({
      code: 'ERR_SHAPE',
      message: expect.stringMatching(/\[n\] \(class ids\)/),
    });
    const plain = tfd.array([[1, 2]]) as never;
    await expect(collectBatches({ from: plain, batches: 1 })).rejects.toMatchObject({
      code: 'ERR_VALUE',
      message: expect.stringMatching(/not \{xs, ys\}/),
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});

describeEachBackend('EvalCallback.fromDatasets', () => {
  let model: LayersModel;
  beforeAll(() => {
    model = linearModel(STRETCH);
  });
  afterAll(() => model.dispose());

  it('gives the same values as the array form on the same examples (dataset queries, sampler targets)', async () => {
    const sampler = new MultiShotMemorySampler(POINTS, POINT_LABELS, { classesPerBatch: 4, examplesPerClassPerBatch: 2, seed: 3 });
    const reference = new MultiShotMemorySampler(POINTS, POINT_LABELS, { classesPerBatch: 4, examplesPerClassPerBatch: 2, seed: 3 });
    const { xs, ys } = await reference.generateBatch(0);
    const targets = xs.arraySync() as number[][];
    const targetLabels = Array.from(ys.dataSync());
    tf.dispose([xs, ys]);

    const arrayForm = new EvalCallback(QUERIES, QUERY_LABELS, targets, targetLabels, OPTIONS);
    arrayForm.setModel(model);
    const expected = await arrayForm.evaluate(0);

    const values = await expectNoLeak(async () => {
      const cb = await EvalCallback.fromDatasets(
        { from: fixtureDataset(QUERIES, QUERY_LABELS, 2), batches: 3 },
        { from: sampler, batches: 1 },
        OPTIONS,
      );
      cb.setModel(model);
      const first = await cb.evaluate(0);
      // Read once: the next epoch sees the same examples, not the sampler's next batch.
      expect(await cb.evaluate(1)).toEqual(first);
      cb.dispose();
      return first;
    });
    expect(Object.keys(values)).toEqual(['binary_accuracy', 'f1score', 'recall@2']);
    expect(values).toEqual(expected);
  });

  it('gives the fixture values worked out by hand when the dataset holds the fixture', async () => {
    const cb = await EvalCallback.fromDatasets(
      { from: fixtureDataset(QUERIES, QUERY_LABELS, 4), examples: 5 },
      { from: fixtureDataset(TARGETS, TARGET_LABELS, 2), batches: 2 },
      { verbose: false },
    );
    cb.setModel(model);
    // Stretched kernel: q0, q1, q2, q3 find their class, q4 (class 3, not indexed) does not.
    expect(await cb.evaluate(0)).toEqual({ binary_accuracy: f32(4 / 5) });
    cb.dispose();
    await expect(cb.evaluate(1)).rejects.toMatchObject({ code: 'ERR_STATE' });
  });

  it('frees what it read when the options are bad', async () => {
    const before = tf.memory().numTensors;
    await expect(
      EvalCallback.fromDatasets(
        { from: fixtureDataset(QUERIES, QUERY_LABELS, 2), batches: 3 },
        { from: fixtureDataset(TARGETS, TARGET_LABELS, 3), batches: 1 },
        { k: 0 },
      ),
    ).rejects.toMatchObject({ code: 'ERR_VALUE' });
    await expect(
      EvalCallback.fromDatasets(
        { from: fixtureDataset(QUERIES, QUERY_LABELS, 2), batches: 3 },
        { from: fixtureDataset(TARGETS, TARGET_LABELS, 3) },
      ),
    ).rejects.toMatchObject({ code: 'ERR_VALUE', message: expect.stringMatching(/targets needs a bound/) });
    expect(tf.memory().numTensors).toBe(before);
  });
});
