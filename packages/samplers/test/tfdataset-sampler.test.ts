/**
 * TFDatasetMultiShotMemorySampler over tfjs-data datasets of feature
 * records: the chosen splits are read (and only the example feature kept),
 * each example is preprocessed, batches are class-balanced and each row is
 * the example of its label; errors name the missing feature or split.
 */
import '@tfsim/test-utils';

import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import { ValueError } from '@tfsim/utils';

import { type FeatureRecord, TFDatasetMultiShotMemorySampler } from '../src';

/** Records whose image is [label, id]: a row tells which example it is. */
function split(ids: number[]): tfd.Dataset<FeatureRecord> {
  return tfd.array(ids).map((id) => {
    const i = id as unknown as number;
    const label = i % 3;
    return { image: tf.tensor1d([label, i]), label: tf.scalar(label, 'int32'), id: tf.scalar(i) } as FeatureRecord;
  });
}

const TRAIN = [0, 1, 2, 3, 4, 5, 6, 7, 8];
const TEST = [100, 101, 102, 103, 104, 105];

async function seen(sampler: TFDatasetMultiShotMemorySampler, batches: number): Promise<Set<number>> {
  const ids = new Set<number>();
  for (let b = 0; b < batches; b++) {
    const { xs, ys } = await sampler.generateBatch(b);
    const rows = xs.arraySync() as number[][];
    const labels = Array.from(ys.dataSync());
    rows.forEach(([label, id], r) => {
      expect(label).toBe(labels[r]);
      expect(id! % 3).toBe(label);
      ids.add(id!);
    });
    // 2 classes x 2 examples, each class twice.
    expect(labels).toHaveLength(4);
    expect(new Set(labels).size).toBe(2);
    tf.dispose([xs, ys]);
  }
  return ids;
}

describe('TFDatasetMultiShotMemorySampler', () => {
  it('reads the train and test splits by default and frees every other feature', async () => {
    const before = tf.memory().numTensors;
    const sampler = await TFDatasetMultiShotMemorySampler.fromDatasets(
      { train: split(TRAIN), test: split(TEST), validation: split([500]) },
      { classesPerBatch: 2, seed: 3 },
    );
    // One tensor per kept example (its image); labels and ids were read and freed.
    expect(tf.memory().numTensors - before).toBe(TRAIN.length + TEST.length);
    expect(sampler.classList).toEqual([0, 1, 2]);
    expect(sampler.warmup).toBe(0);
    const ids = await seen(sampler, 40);
    expect([...ids].sort((a, b) => a - b)).toEqual([...TRAIN, ...TEST]);
    sampler.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('takes one split by name, or a dataset alone', async () => {
    const onlyTest = await TFDatasetMultiShotMemorySampler.fromDatasets(
      { train: split(TRAIN), test: split(TEST) },
      { classesPerBatch: 2, splits: 'test' },
    );
    expect([...(await seen(onlyTest, 20))].every((id) => id >= 100)).toBe(true);
    onlyTest.dispose();
    const alone = await TFDatasetMultiShotMemorySampler.fromDatasets(split(TRAIN), { classesPerBatch: 2 });
    expect([...(await seen(alone, 20))].every((id) => id < 100)).toBe(true);
    alone.dispose();
  });

  it('preprocesses each example with its label', async () => {
    const before = tf.memory().numTensors;
    const sampler = await TFDatasetMultiShotMemorySampler.fromDatasets(split(TRAIN), {
      classesPerBatch: 2,
      preprocessFn: (x, y) => [tf.tidy(() => tf.mul(x as tf.Tensor, tf.tensor1d([1, 10]))), y + 10],
    });
    expect(sampler.classList).toEqual([10, 11, 12]);
    const { xs, ys } = await sampler.generateBatch(0);
    const labels = Array.from(ys.dataSync());
    (xs.arraySync() as number[][]).forEach(([label, id], r) => {
      expect(label! + 10).toBe(labels[r]);
      expect((id! / 10) % 3).toBe(label);
    });
    tf.dispose([xs, ys]);
    sampler.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('names a missing feature or split, and a missing classesPerBatch', async () => {
    const before = tf.memory().numTensors;
    await expect(TFDatasetMultiShotMemorySampler.fromDatasets(split(TRAIN), { classesPerBatch: 2, xKey: 'pixels' })).rejects.toThrow(
      'split all, element 0: no xKey "pixels"; available features are: image, label, id',
    );
    await expect(TFDatasetMultiShotMemorySampler.fromDatasets({ train: split(TRAIN) }, { classesPerBatch: 2 })).rejects.toThrow(
      'no split "test"; the datasets given are: train',
    );
    await expect(TFDatasetMultiShotMemorySampler.fromDatasets(split(TRAIN), {} as never)).rejects.toThrow(ValueError);
    expect(tf.memory().numTensors).toBe(before);
  });
});
