import * as tf from '@tensorflow/tfjs-core';

import { autodiffGradient, expectClose, expectNoLeak, numericGradient, tensorNumericGradient } from '../src';

// ../src loads @tensorflow/tfjs, which registers the gradients used below.

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('expectClose', () => {
  it('accepts values within tolerance and rejects others with the offending element', () => {
    expect(() => expectClose([1, 2.000001], [1, 2], 1e-5)).not.toThrow();
    expect(() => expectClose([1, 2.1], [1, 2], 1e-5)).toThrow('value 1 differs: got 2.1, expected 2');
    expect(() => expectClose([1], [1, 2])).toThrow('expected 2 values, got 1');
    expect(() =>
      expectClose(
        [
          [1, 2],
          [3, 4],
        ],
        [1, 2, 3, 4],
      ),
    ).not.toThrow();
    expect(() => expectClose(110, 100, { atol: 0, rtol: 0.05 })).toThrow('value 0 differs');
  });
});

describe('finite differences', () => {
  it('match the analytic gradient of a cubic in float64', () => {
    // f(x) = sum x_i^3, df/dx_i = 3 x_i^2
    const x = [0.5, -1.25, 2];
    const grad = numericGradient((v) => v.reduce((s, xi) => s + xi ** 3, 0), x);
    expectClose(
      grad,
      x.map((xi) => 3 * xi * xi),
      1e-6,
    );
  });

  it('agree with autodiff on a tensor function, without leaking tensors', async () => {
    const f = (x: tf.Tensor) => tf.sum(tf.mul(tf.sin(x), x)) as tf.Scalar;
    const x = tf.tensor1d([0.3, -0.7, 1.1]);
    await expectNoLeak(() => {
      const numeric = tensorNumericGradient(f, x, 1e-2);
      const auto = autodiffGradient(f, x);
      // d/dx x sin x = sin x + x cos x
      expectClose(
        auto,
        [0.3, -0.7, 1.1].map((v) => Math.sin(v) + v * Math.cos(v)),
        1e-5,
      );
      expectClose(numeric, auto, 1e-3);
    });
    x.dispose();
  });
});

describe('expectNoLeak', () => {
  it('fails when a tensor is left behind', async () => {
    let leaked: tf.Tensor | undefined;
    await expect(
      expectNoLeak(() => {
        leaked = tf.scalar(1);
      }),
    ).rejects.toThrow('expected 0 new tensor(s), found 1');
    leaked?.dispose();
  });
});
