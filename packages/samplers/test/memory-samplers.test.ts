import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeEachBackend, expectNoLeak } from '@tfsim/test-utils';
import { Rng, ShapeError, ValueError } from '@tfsim/utils';

import { MultiShotMemorySampler, selectExamples, SingleShotMemorySampler } from '../src';
import { counts, expectBalanced, warnings } from './balance';

/** 10 classes of 3..12 examples; example i is the row [label, i]. */
function makeData(seed = 1): { x: number[][]; y: number[] } {
  const rng = new Rng(seed);
  const x: number[][] = [];
  const y: number[] = [];
  for (let c = 0; c < 10; c++) {
    const size = 3 + rng.int(10);
    for (let k = 0; k < size; k++) {
      y.push(c * 7);
      x.push([c * 7, x.length]);
    }
  }
  return { x, y };
}

async function readBatch(batch: { xs: tf.Tensor; ys: tf.Tensor }): Promise<{ x: number[][]; y: number[] }> {
  const x = (await batch.xs.array()) as number[][];
  const y = Array.from(await batch.ys.data());
  tf.dispose([batch.xs, batch.ys]);
  return { x, y };
}

describe('MultiShotMemorySampler', () => {
  let warn: jest.SpyInstance;
  beforeEach(() => (warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined)));
  afterEach(() => warn.mockRestore());

  it.each([2, 20])('gives 2 classes x %i examples of the Python test data', async (perClass) => {
    const sampler = new MultiShotMemorySampler([10, 20, 30, 10, 20, 30, 10], [1, 2, 3, 1, 2, 3, 1], {
      classesPerBatch: 2,
      examplesPerClassPerBatch: perClass,
      seed: 606,
    });
    const { x, y } = await readBatch(await sampler.generateBatch(606));
    expect(y.length).toBe(2 * perClass);
    expectBalanced(y, 2, perClass);
    y.forEach((label, i) => expect(x[i]).toBe(label * 10));
  });

  it('holds the balance guarantee over 300 seeded batches', async () => {
    const { x, y } = makeData();
    const sampler = new MultiShotMemorySampler(x, y, { classesPerBatch: 4, examplesPerClassPerBatch: 3, seed: 42 });
    const seen = new Set<number>();
    for (let b = 0; b < 300; b++) {
      const batch = await readBatch(await sampler.generateBatch(b));
      const order = expectBalanced(batch.y, 4, 3);
      order.forEach((c) => seen.add(c));
      batch.x.forEach((row, i) => expect(row[0]).toBe(batch.y[i]));
      // Every class has >= 3 examples: no example twice in a class block.
      for (let c = 0; c < 4; c++) expect(new Set(batch.x.slice(c * 3, c * 3 + 3).map((r) => r[1])).size).toBe(3);
    }
    expect(seen.size).toBe(10);
    expect(warnings(warn)).toEqual([]);
  });

  it('samples a small class with replacement and warns once, as Python', async () => {
    const sampler = new MultiShotMemorySampler(tf.ones([4, 10, 10, 3]), [1, 1, 1, 2], {
      classesPerBatch: 2,
      examplesPerClassPerBatch: 3,
      seed: 0,
    });
    const first = await readBatch(await sampler.generateBatch(0));
    expect([...counts(first.y)].sort()).toEqual([
      [1, 3],
      [2, 3],
    ]);
    expect(warnings(warn)).toHaveLength(1);
    expect(warnings(warn)[0]).toBe(
      'WARNING: Class 2 only has 1 unique examples, but examplesPerClassPerBatch is set to 3. The current batch will sample from ' +
        'class examples with replacement, but you may want to consider passing an Augmenter function or using the SingleShotMemorySampler().',
    );
    const second = await readBatch(await sampler.generateBatch(1));
    expect([...counts(second.y).values()]).toEqual([3, 3]);
    expect(warnings(warn)).toHaveLength(1);
  });

  it('gives the same batches for the same seed and others for another', async () => {
    const { x, y } = makeData();
    const run = async (seed: number) => {
      const sampler = new MultiShotMemorySampler(tf.tensor2d(x), y, { classesPerBatch: 3, examplesPerClassPerBatch: 2, seed });
      const out: number[][] = [];
      for (let b = 0; b < 10; b++) out.push((await readBatch(await sampler.generateBatch(b))).x.map((r) => r[1]!));
      return out;
    };
    expect(await run(5)).toEqual(await run(5));
    expect(await run(5)).not.toEqual(await run(6));
  });

  it('slices the kept examples and reports their count and shape', async () => {
    const x = tf.tensor2d([Array(10).fill(0), Array(10).fill(1), Array(10).fill(2), Array(10).fill(3)]);
    const sampler = new MultiShotMemorySampler(x, [0, 1, 2, 3], { seed: 1 });
    const slice = await sampler.getSlice(1, 2);
    expect(slice.xs.shape).toEqual([2, 10]);
    expect(slice.ys.shape).toEqual([2]);
    const { x: rows, y: labels } = await readBatch(slice);
    rows.forEach((row, i) => expect(row[0]).toBe(labels[i]));
    const all = await readBatch(await sampler.getSlice());
    expect(all.y.slice().sort()).toEqual([0, 1, 2, 3]);
    expect(all.y.slice(1, 3)).toEqual(labels);
    expect((await readBatch(await sampler.getSlice(3, 10))).y.length).toBe(1);
    await expect(sampler.getSlice(5)).rejects.toThrow(/begin \(5\) is past the last example/);

    const images = new MultiShotMemorySampler(tf.ones([4, 10, 20, 3]), [0, 1, 2, 3]);
    expect(images.numExamples).toBe(4);
    expect(await images.exampleShape()).toEqual([10, 20, 3]);
  });

  it('keeps only classList and restricts examples per class', async () => {
    const { x, y } = makeData();
    const sampler = new MultiShotMemorySampler(x, y, { classList: [14, 0, 14, 63], classesPerBatch: 3, totalExamplesPerClass: 2, seed: 3 });
    expect(sampler.classList).toEqual([0, 14, 63]);
    expect(sampler.numExamples).toBe(6);
    const all = await readBatch(await sampler.getSlice());
    expect([...counts(all.y)].sort((a, b) => a[0] - b[0])).toEqual([
      [0, 2],
      [14, 2],
      [63, 2],
    ]);
    // Restricted without replacement: two distinct examples per class.
    expect(new Set(all.x.map((r) => r[1])).size).toBe(6);
    for (let b = 0; b < 20; b++) expectBalanced((await readBatch(await sampler.generateBatch(b))).y, 3, 2);
  });

  it('loads examples with an async loadExampleFn', async () => {
    const items = ['a0', 'b1', 'a2', 'b3'];
    const sampler = new MultiShotMemorySampler(items, [0, 1, 0, 1], {
      loadExampleFn: async (s: string) => [s.charCodeAt(0), Number(s[1])],
      seed: 9,
    });
    const { x, y } = await readBatch(await sampler.generateBatch());
    expectBalanced(y, 2, 2);
    x.forEach((row, i) => expect(row[0]).toBe(y[i] === 0 ? 97 : 98));
  });

  it('rejects bad input with clear errors', () => {
    expect(() => new MultiShotMemorySampler([1, 2, 3], [0, 1])).toThrow(ShapeError);
    expect(() => new MultiShotMemorySampler([1, 2, 3], [0, 1])).toThrow('x and y must have the same length, got 3 and 2');
    expect(() => new MultiShotMemorySampler(tf.zeros([3, 2]), tf.tensor1d([0, 1, 2, 3], 'int32'))).toThrow('got 3 and 4');
    expect(() => new MultiShotMemorySampler([10, 20, 30, 10, 20, 30, 10], [1, 2, 3, 1, 2, 3, 1], { classesPerBatch: 42 })).toThrow(
      'classesPerBatch (42) must be <= the number of classes to sample from (3)',
    );
    expect(() => new MultiShotMemorySampler([1, 2], [0, 1], { classList: [0, 5] })).toThrow(
      'classList names class(es) 5 with no example in y; classes in y: 0, 1',
    );
    expect(() => new MultiShotMemorySampler([], [])).toThrow('x and y are empty');
    expect(() => new MultiShotMemorySampler([1, 2], [0, 0.5])).toThrow(/y\[1\] is 0.5; labels must be safe integers/);
    expect(() => new MultiShotMemorySampler([1, 2], [0, '1'] as never)).toThrow(/y\[1\] is '1' \(a string\); labels must be safe integers/);
    expect(() => new MultiShotMemorySampler([1, 2], [0, 1], { classesPerBatch: 1, examplesPerClassPerBatch: 0 })).toThrow(ValueError);
    expect(() => new MultiShotMemorySampler([1, 2], [0, 1], { stepsPerEpoch: 0 })).toThrow(/stepsPerEpoch/);
  });

  it('applies an augmenter to each batch, one view by default', async () => {
    const { x, y } = makeData();
    const calls: boolean[] = [];
    const sampler = new MultiShotMemorySampler(x, y, {
      classesPerBatch: 2,
      stepsPerEpoch: 2,
      warmup: 1,
      seed: 4,
      augmenter: (batch, _labels, n, isWarmup) => {
        calls.push(isWarmup);
        return Array.from({ length: n }, () => tf.mul(batch, -1));
      },
    });
    expect(sampler.batchSize).toBe(4);
    for (let epoch = 0; epoch < 2; epoch++) {
      for await (const batch of sampler) {
        const { x: rows, y: labels } = await readBatch(batch);
        expectBalanced(labels, 2, 2);
        rows.forEach((row, i) => expect(row[0]).toBe(-labels[i]!));
      }
    }
    expect(calls).toEqual([true, true, false, false]);
    expect(sampler.epoch).toBe(2);
  });

  it('feeds model.fitDataset, one epoch per pass', async () => {
    const rng = new Rng(2);
    const y = Array.from({ length: 40 }, (_, i) => i % 4);
    const x = tf.tensor2d(y.map((c) => [c, rng.normal(), rng.normal()]));
    const sampler = new MultiShotMemorySampler(x, y, { classesPerBatch: 4, examplesPerClassPerBatch: 2, stepsPerEpoch: 3, seed: 1 });
    const model = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [3], units: 1 })] });
    // Labels are int32 class ids, as metric losses take them.
    const loss = (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mean(tf.square(tf.sub(tf.reshape(tf.cast(yTrue, 'float32'), [-1, 1]), yPred)));
    model.compile({ optimizer: 'sgd', loss });
    const sizes: number[] = [];
    const history = await model.fitDataset(sampler.toDataset(), {
      epochs: 2,
      verbose: 0,
      callbacks: { onBatchEnd: async (_b, logs) => void sizes.push(logs!.size as number) },
    });
    expect(history.epoch).toEqual([0, 1]);
    expect(sizes).toEqual([8, 8, 8, 8, 8, 8]);
    expect(sampler.epoch).toBe(2);
    model.dispose();
    x.dispose();
  });
});

describe('SingleShotMemorySampler', () => {
  const shift = (batch: tf.Tensor, _y: tf.Tensor | undefined, n: number) => Array.from({ length: n }, (_, v) => tf.add(batch, v * 1000));

  it('gives distinct examples, each with its views, over 200 batches', async () => {
    const x = tf.range(0, 30);
    const sampler = new SingleShotMemorySampler(x, { augmenter: shift, examplesPerBatch: 5, numAugmentationsPerExample: 3, seed: 8 });
    expect(sampler.batchSize).toBe(15);
    for (let b = 0; b < 200; b++) {
      const { x: rows, y } = await readBatch((await sampler.generateBatch(b)) as never);
      const values = rows as unknown as number[];
      expect([...counts(y).values()]).toEqual([3, 3, 3, 3, 3]);
      // View v of example i is i + 1000 v: views stacked view-major.
      values.forEach((v, i) => expect(v).toBe(y[i]! + 1000 * Math.floor(i / 5)));
    }
    x.dispose();
  });

  it('slices with views and rejects bad input', async () => {
    const sampler = new SingleShotMemorySampler([[1], [2], [3]], { augmenter: shift, examplesPerBatch: 2 });
    const slice = await readBatch(await sampler.getSlice(1));
    expect(slice.x).toEqual([[2], [3], [1002], [1003]]);
    expect(slice.y).toEqual([1, 2, 1, 2]);
    expect(sampler.numExamples).toBe(3);
    expect(await sampler.exampleShape()).toEqual([1]);
    expect(() => new SingleShotMemorySampler([[1]], { examplesPerBatch: 1 } as never)).toThrow('needs an augmenter');
    expect(() => new SingleShotMemorySampler([[1], [2]], { augmenter: shift, examplesPerBatch: 3 })).toThrow(
      'examplesPerBatch (3) must be <= the number of examples (2)',
    );
    expect(() => new SingleShotMemorySampler([], { augmenter: shift, examplesPerBatch: 1 })).toThrow('x is empty');
  });

  it('rejects an augmenter that returns the wrong number of views', async () => {
    const sampler = new SingleShotMemorySampler([[1], [2]], { augmenter: (b) => [tf.clone(b)], examplesPerBatch: 2 });
    const before = tf.memory().numTensors;
    await expect(sampler.generateBatch()).rejects.toThrow('the augmenter must return a list of 2 view(s), got 1');
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('selectExamples', () => {
  it('keeps the listed classes, exactly n each, as Python', () => {
    for (const n of [2, 20]) {
      const { x, y } = selectExamples([10, 20, 30, 10, 20, 30, 10], [1, 2, 3, 1, 2, 3, 1], {
        classList: [1, 3],
        numExamplesPerClass: n,
        seed: 1,
      });
      expect(y.length).toBe(2 * n);
      (x as number[]).forEach((v, i) => expect(v).toBe(y[i]! * 10));
      expect([...counts(y).keys()].sort()).toEqual([1, 3]);
    }
  });
});

// Same seed, same batches on every backend: the first backend's batches are the reference.
const reference: number[][] = [];
describeEachBackend('MultiShotMemorySampler across backends', () => {
  it('gives the same seeded batches, without leaking', async () => {
    const { x, y } = makeData(3);
    const data = tf.tensor2d(x);
    const sampler = new MultiShotMemorySampler(data, tf.tensor1d(y, 'int32'), {
      classesPerBatch: 3,
      examplesPerClassPerBatch: 2,
      seed: 77,
    });
    const batches: number[][] = [];
    await expectNoLeak(async () => {
      for (let b = 0; b < 5; b++) {
        const batch = await sampler.generateBatch(b);
        batches.push(Array.from(await batch.xs.data()));
        tf.dispose([batch.xs, batch.ys]);
      }
    });
    if (reference.length === 0) reference.push(...batches);
    expect(batches).toEqual(reference);
    data.dispose();
  });
});

describe('sampler options', () => {
  it('each sampler rejects an unknown key with a suggestion (Python keywords are the usual cause)', () => {
    const x = [[0], [1], [2], [3]];
    expect(() => new MultiShotMemorySampler(x, [0, 0, 1, 1], { classes_per_batch: 2 } as never)).toThrow(
      "unknown option 'classes_per_batch' for MultiShotMemorySampler; did you mean 'classesPerBatch'?",
    );
    expect(() => new MultiShotMemorySampler(x, [0, 0, 1, 1], { stepsPerEpoch: 2, steps_per_epoch: 3 } as never)).toThrow(
      "did you mean 'stepsPerEpoch'?",
    );
    expect(
      () =>
        new SingleShotMemorySampler(x, { augmenter: (v: unknown) => v, examplesPerBatch: 2, num_augmentations_per_example: 2 } as never),
    ).toThrow("unknown option 'num_augmentations_per_example' for SingleShotMemorySampler; did you mean 'numAugmentationsPerExample'?");
  });
});
