import '@tfsim/test-utils';

import * as tf from '@tensorflow/tfjs-core';
import * as tfd from '@tensorflow/tfjs-data';
import { Rng } from '@tfsim/utils';

import { TFDataSampler } from '../src';
import { counts, expectBalanced, takeBatches, warnings } from './balance';

/** Elements {xs: [label, id], ys: label}: `sizes[c]` examples of class c, shuffled. */
function dataset(sizes: number[], seed = 1): tfd.Dataset<tf.TensorContainer> {
  const rows: Array<[number, number]> = [];
  sizes.forEach((n, c) => {
    for (let k = 0; k < n; k++) rows.push([c, rows.length]);
  });
  new Rng(seed).shuffle(rows);
  return tfd.array(rows.map(([c, id]) => ({ xs: tf.tensor1d([c, id]), ys: tf.scalar(c, 'int32') })));
}

describe('TFDataSampler', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => (warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined)));
  afterEach(() => warn.mockRestore());

  it('gives 2 classes x 2 examples of the Python test data', async () => {
    const ds = tfd.zip([tfd.array([[0], [1], [2], [3], [4], [5]]), tfd.array([1, 1, 1, 2, 2, 2])]) as tfd.Dataset<tf.TensorContainer>;
    const sampler = await TFDataSampler.create(ds, { classesPerBatch: 2, examplesPerClassPerBatch: 2, seed: 0 });
    expect(sampler.numExamples).toBe(6);
    expect(await sampler.exampleShape()).toEqual([1]);
    for (const { x, y } of await takeBatches(sampler, 10)) {
      expectBalanced(y, 2, 2);
      x.forEach((row, i) => expect(row[0]! < 3 ? 1 : 2).toBe(y[i]));
    }
  });

  it('deals every class once per deck and every example once per pass', async () => {
    const ds = dataset([4, 4, 4, 4, 4, 4]);
    const before = tf.memory().numTensors;
    const sampler = await TFDataSampler.create(ds, { classesPerBatch: 3, examplesPerClassPerBatch: 2, seed: 5 });
    const batches = await takeBatches(sampler, 60);
    for (let b = 0; b < 60; b += 2) {
      // 6 classes, 3 per batch: two batches use each class exactly once.
      const pair = [...batches[b]!.y, ...batches[b + 1]!.y];
      expect([...counts(pair).values()]).toEqual([2, 2, 2, 2, 2, 2]);
      batches[b]!.x.forEach((row, i) => expect(row[0]).toBe(batches[b]!.y[i]));
    }
    // A class of 4 examples drawn 2 at a time: each pass of 2 draws covers all 4.
    const ids = new Map<number, number[]>();
    for (const { x, y } of batches) {
      expectBalanced(y, 3, 2);
      x.forEach((row, i) => ids.set(y[i]!, [...(ids.get(y[i]!) ?? []), row[1]!]));
    }
    for (const list of ids.values()) {
      for (let k = 0; k + 4 <= list.length; k += 4) expect(new Set(list.slice(k, k + 4)).size).toBe(4);
    }
    expect(warnings(warn)).toEqual([]);
    sampler.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('never repeats a class in a batch, even when the deck straddles', async () => {
    const sampler = await TFDataSampler.create(dataset([3, 5, 2, 7, 4]), { classesPerBatch: 3, examplesPerClassPerBatch: 2, seed: 11 });
    for (const { y } of await takeBatches(sampler, 200)) expectBalanced(y, 3, 2);
    sampler.dispose();
  });

  it('reads [x, y] elements, labelOutput, classList and totalExamplesPerClass', async () => {
    const elements = Array.from({ length: 12 }, (_, i) => [tf.tensor1d([i]), { label: i % 3, weight: 1 }]);
    const ds = tfd.array(elements as unknown as tf.TensorContainer[]);
    const sampler = await TFDataSampler.create(ds, {
      labelOutput: 'label',
      classList: [0, 2],
      totalExamplesPerClass: 2,
      classesPerBatch: 2,
      seed: 1,
    });
    expect(sampler.classList).toEqual([0, 2]);
    expect(sampler.numExamples).toBe(4);
    for (const { x, y } of await takeBatches(sampler, 10)) {
      expectBalanced(y, 2, 2);
      // The first two of each class, in dataset order: ids 0, 3 and 2, 5.
      x.forEach((row, i) => expect(y[i] === 0 ? [0, 3] : [2, 5]).toContain(row[0]));
    }
    sampler.dispose();
    await expect(TFDataSampler.create(ds, { labelOutput: 'nope' })).rejects.toThrow('dataset element 0: its y has no labelOutput "nope"');
  });

  it('leaves the first warmup examples unaugmented', async () => {
    const sampler = await TFDataSampler.create(dataset([4, 4]), {
      classesPerBatch: 2,
      examplesPerClassPerBatch: 2,
      warmup: 6,
      augmenter: (x, _y, n) => Array.from({ length: n }, () => tf.add(x, 100)),
      seed: 2,
    });
    const batches = await takeBatches(sampler, 3);
    const flags = batches.flatMap(({ x }) => x.map((row) => row[0]! >= 100));
    expect(flags).toEqual([false, false, false, false, false, false, true, true, true, true, true, true]);
    sampler.dispose();
  });

  it('loads x with loadFn and warns for a small class', async () => {
    const ds = tfd.array([
      { xs: 'a', ys: 0 },
      { xs: 'b', ys: 0 },
      { xs: 'c', ys: 1 },
    ] as unknown as tf.TensorContainer[]);
    const sampler = await TFDataSampler.create(ds, { loadFn: (s) => [String(s).charCodeAt(0)], seed: 3 });
    const [{ x, y }] = await takeBatches(sampler, 1);
    expectBalanced(y!, 2, 2);
    x!.forEach((row, i) => expect(y![i] === 0 ? [97, 98] : [99]).toContain(row[0]));
    expect(warnings(warn)).toEqual([expect.stringMatching(/^WARNING: Class 1 only has 1 unique examples/)]);
  });

  it('rejects bad input with clear errors', async () => {
    await expect(TFDataSampler.create(tfd.array([1]).repeat())).rejects.toThrow('Dataset must be finite.');
    await expect(TFDataSampler.create(tfd.array([] as tf.TensorContainer[]))).rejects.toThrow('the dataset is empty');
    await expect(TFDataSampler.create(dataset([2, 2]), { classesPerBatch: 3 })).rejects.toThrow(
      'classesPerBatch (3) must be <= the number of classes to sample from (2)',
    );
    await expect(TFDataSampler.create(dataset([2, 2]), { classList: [1, 9] })).rejects.toThrow('classList names class(es) 9');
    await expect(TFDataSampler.create(tfd.array([1, 2] as tf.TensorContainer[]))).rejects.toThrow(
      'dataset element 0 must be {xs, ys} or [x, y]',
    );
    const before = tf.memory().numTensors;
    await expect(
      TFDataSampler.create(
        tfd.array([
          { xs: tf.zeros([2]), ys: 0 },
          { xs: tf.zeros([3]), ys: 1 },
        ] as tf.TensorContainer[]),
      ),
    ).rejects.toThrow('dataset elements must share one x shape');
    // The two source tensors of the array above are the only ones left.
    expect(tf.memory().numTensors).toBe(before + 2);
  });
});

describe('TFDataSampler options', () => {
  it('rejects an unknown key with a suggestion before reading the dataset', async () => {
    const unread = { size: 4, iterator: () => Promise.reject(new Error('read')) } as never;
    await expect(TFDataSampler.create(unread, { label_output: 1 } as never)).rejects.toThrow(
      "unknown option 'label_output' for TFDataSampler; did you mean 'labelOutput'?",
    );
  });
});
