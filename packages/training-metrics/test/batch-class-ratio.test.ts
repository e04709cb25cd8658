import '@tfsim/test-utils';

import * as tf from '@tensorflow/tfjs-core';
import { ValueError } from '@tfsim/utils';

import { batchClassRatio } from '../src';

describe('batchClassRatio', () => {
  it('averages batch size / distinct classes over the batches, disposing their tensors', async () => {
    const before = tf.memory().numTensors;
    async function* sampler() {
      // 6 / 3 = 2, then 6 / 2 = 3, then 4 / 1 = 4
      for (const labels of [
        [0, 0, 1, 1, 2, 2],
        [5, 5, 5, 7, 7, 7],
        [9, 9, 9, 9],
      ]) {
        yield { xs: tf.zeros([labels.length, 2]), ys: tf.tensor1d(labels, 'int32') };
      }
    }
    expect(await batchClassRatio(sampler())).toBeCloseTo(3, 10);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads at most numBatches batches and divides by the batches read', async () => {
    let made = 0;
    function* endless() {
      for (;;) {
        made += 1;
        yield [null, made % 2 === 1 ? [1, 1, 2, 2] : [1, 2, 3, 4]] as const;
      }
    }
    // 2, 1, 2 -> 5 / 3 (the Python function would divide by 4 here).
    expect(await batchClassRatio(endless(), 3)).toBeCloseTo(5 / 3, 10);
    expect(made).toBe(3);
  });

  it('takes {x, y} batches with [n, 1] label tensors', async () => {
    const batches = [{ x: undefined, y: tf.tensor2d([[1], [1], [1], [2]]) }];
    expect(await batchClassRatio(batches)).toBe(2);
    expect(batches[0]!.y.isDisposed).toBe(true);
  });

  it('rejects an empty sampler, an empty batch and a bad numBatches', async () => {
    await expect(batchClassRatio([])).rejects.toThrow(/yielded no batch/);
    await expect(batchClassRatio([{ ys: [] }])).rejects.toThrow(ValueError);
    await expect(batchClassRatio([{ ys: [1] }], 0)).rejects.toThrow(/numBatches/);
  });
});
