/** randomApply, flipTopBottom and randomFlipTopBottom: hand-computed flips, and coins that follow the seeded Rng. */
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectClose, expectNoLeak } from '@tfsim/test-utils';
import { Rng, ShapeError, ValueError } from '@tfsim/utils';

import { flipTopBottom, randomApply, randomFlipTopBottom } from '../../src';

/** Draws of a fresh Rng(seed): whether each of n coins of probability p comes up. */
function coins(seed: number, n: number, p: number): boolean[] {
  const rng = new Rng(seed);
  return Array.from({ length: n }, () => rng.next() < p);
}

describeEachBackend('randomApply and top-bottom flips', () => {
  // Three 3x2 single-channel images with distinct values: image i holds 10 i + (0..5).
  const images = () =>
    tf.tensor4d(
      Array.from({ length: 18 }, (_, v) => 10 * Math.floor(v / 6) + (v % 6)),
      [3, 3, 2, 1],
    );
  const flippedRows = (i: number) => [4, 5, 2, 3, 0, 1].map((v) => 10 * i + v);

  it('flipTopBottom reverses the rows of each image', async () => {
    const x = images();
    await expectNoLeak(() => {
      const y = flipTopBottom(x);
      expect(Array.from(y.dataSync())).toEqual([0, 1, 2].flatMap(flippedRows));
      y.dispose();
    });
    x.dispose();
  });

  it('randomFlipTopBottom flips exactly the images whose coin comes up', async () => {
    const x = images();
    const expected = coins(11, 3, 0.5);
    expect(expected).toContain(true);
    expect(expected).toContain(false);
    await expectNoLeak(() => {
      const y = randomFlipTopBottom(x, new Rng(11), 0.5);
      const rows = Array.from(y.dataSync());
      expected.forEach((flip, i) => {
        const want = flip ? flippedRows(i) : [0, 1, 2, 3, 4, 5].map((v) => 10 * i + v);
        expect(rows.slice(6 * i, 6 * i + 6)).toEqual(want);
      });
      const [all, none] = [randomFlipTopBottom(x, new Rng(1), 1), randomFlipTopBottom(x, new Rng(1), 0)];
      expectClose(all, [0, 1, 2].flatMap(flippedRows), 0);
      expectClose(none, x, 0);
      tf.dispose([y, all, none]);
    });
    x.dispose();
  });

  it('randomApply applies fn to the whole tensor when the one coin comes up, else copies', async () => {
    const x = tf.tensor1d([1, 2, 3]);
    const rng = new Rng(4);
    const expected = coins(4, 6, 0.4);
    expect(expected).toContain(true);
    expect(expected).toContain(false);
    await expectNoLeak(() => {
      for (const applied of expected) {
        const y = randomApply((t) => tf.mul(t, 10), 0.4, x, rng);
        expect(y).not.toBe(x);
        expect(Array.from(y.dataSync())).toEqual(applied ? [10, 20, 30] : [1, 2, 3]);
        y.dispose();
      }
    });
    x.dispose();
  });

  it('names bad input', () => {
    const x = tf.tensor1d([1]);
    expect(() => randomApply((t) => t, 1.5, x, new Rng(0))).toThrow(ValueError);
    expect(() => randomApply((t) => t, Number.NaN, x, new Rng(0))).toThrow('randomApply: p must be a probability in [0, 1], got NaN');
    expect(() => randomFlipTopBottom(x as never, new Rng(0))).toThrow(ShapeError);
    x.dispose();
  });
});
