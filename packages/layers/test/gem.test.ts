import * as tf from '@tensorflow/tfjs-core';
import { autodiffGradient, describeEachBackend, expectClose, expectNoLeak, numericGradient } from '@tfsim/test-utils';
import { ShapeError, ValueError } from '@tfsim/utils';

import { GeneralizedMeanPooling1D, GeneralizedMeanPooling2D } from '../src';
import { gemReference, seededValues } from './reference';

// The Python library's tests/test_layers.py inputs.
/** A (1, 3, 3, 2) feature map: rows of [0, 5], [5, 10], [10, 15]. */
function input2d(): tf.Tensor4D {
  return tf.tensor4d(
    [
      [
        [
          [0, 5],
          [0, 5],
          [0, 5],
        ],
        [
          [5, 10],
          [5, 10],
          [5, 10],
        ],
        [
          [10, 15],
          [10, 15],
          [10, 15],
        ],
      ],
    ],
    [1, 3, 3, 2],
  );
}

/** [[1, 2, 3], [4, 5, 6], [7, 8, 9]] reshaped to (3, 3, 1). */
function input1d(): tf.Tensor3D {
  return tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8, 9], [3, 3, 1]);
}

function apply(layer: GeneralizedMeanPooling1D | GeneralizedMeanPooling2D, x: tf.Tensor): { values: Float32Array; shape: number[] } {
  const y = layer.apply(x) as tf.Tensor;
  const out = { values: y.dataSync() as Float32Array, shape: y.shape };
  y.dispose();
  return out;
}

describeEachBackend('GeneralizedMeanPooling2D', ({ tol }) => {
  // DESIGN.md section 4 / the Python tests: p=1 [5, 10], p=0 [3.0412402, 8.041241],
  // p=+inf [10, 15], p=-inf [0, 5].
  it.each([
    [1, false, [1, 2], [5, 10]],
    [0, false, [1, 2], [3.0412402, 8.041241]],
    [Infinity, true, [1, 1, 1, 2], [10, 15]],
    [-Infinity, true, [1, 1, 1, 2], [0, 5]],
    [1, true, [1, 1, 1, 2], [5, 10]],
  ])('p=%p keepdims=%p gives the Python reference values', async (p, keepdims, shape, expected) => {
    const x = input2d();
    await expectNoLeak(() => {
      const out = apply(new GeneralizedMeanPooling2D({ p, keepdims }), x);
      expect(out.shape).toEqual(shape);
      expectClose(out.values, expected, { atol: tol, rtol: 1e-6 });
    });
    x.dispose();
  });

  it('channelsFirst pools the last two axes (Python: [2.5, 7.5, 12.5])', () => {
    const x = input2d();
    const out = apply(new GeneralizedMeanPooling2D({ p: 1, dataFormat: 'channels_first' }), x);
    expect(out.shape).toEqual([1, 3]);
    expectClose(out.values, [2.5, 7.5, 12.5], { atol: tol, rtol: 1e-6 });
    x.dispose();
  });

  it.each([
    [3, 'channelsLast'],
    [3, 'channelsFirst'],
    [-2, 'channelsLast'],
    [0.5, 'channelsFirst'],
    [0, 'channelsLast'],
    [Infinity, 'channelsFirst'],
    [-Infinity, 'channelsLast'],
  ] as const)('p=%p %s matches a plain-loop reference on random input', (p, dataFormat) => {
    const shape = [2, 4, 3, 5];
    const values = seededValues(2 * 4 * 3 * 5, 11, -2, 3);
    const x = tf.tensor4d(values, shape as [number, number, number, number]);
    for (const keepdims of [false, true]) {
      const out = apply(new GeneralizedMeanPooling2D({ p, dataFormat, keepdims }), x);
      const channels = dataFormat === 'channelsLast' ? 5 : 4;
      expect(out.shape).toEqual(keepdims ? (dataFormat === 'channelsLast' ? [2, 1, 1, channels] : [2, channels, 1, 1]) : [2, channels]);
      expectClose(out.values, gemReference(values, shape, p, dataFormat === 'channelsLast'), { atol: 1e-4, rtol: 1e-4 });
    }
    x.dispose();
  });

  it('computes output shapes like the Python layer', () => {
    expect(new GeneralizedMeanPooling2D().computeOutputShape([1, 2, 3, 4])).toEqual([1, 4]);
    expect(new GeneralizedMeanPooling2D({ keepdims: true }).computeOutputShape([1, 2, 3, 4])).toEqual([1, 1, 1, 4]);
    expect(new GeneralizedMeanPooling2D({ dataFormat: 'channelsFirst' }).computeOutputShape([1, 2, 3, 4])).toEqual([1, 2]);
    expect(new GeneralizedMeanPooling2D().computeOutputShape([null, 7, 7, 16])).toEqual([null, 16]);
  });

  it.each([3, 0, -1.5])('gradient for p=%p matches finite differences of the reference', async (p) => {
    const shape = [2, 3, 2, 3];
    // Distinct values (no ties at the minimum, where the gradient is not defined).
    const values = seededValues(36, 5, 0.5, 2.5);
    const weights = seededValues(6, 6, -1, 1);
    const x = tf.tensor4d(values, shape as [number, number, number, number]);
    const w = tf.tensor2d(weights, [2, 3]);
    const layer = new GeneralizedMeanPooling2D({ p });
    const grad = await expectNoLeak(() => autodiffGradient((input) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, w)), x));
    const numeric = numericGradient((v) => {
      const pooled = gemReference(v, shape, p, true);
      return pooled.reduce((s, value, i) => s + value * weights[i]!, 0);
    }, values);
    expectClose(grad, numeric, { atol: 2e-3, rtol: 2e-3 });
    x.dispose();
    w.dispose();
  });
});

describeEachBackend('GeneralizedMeanPooling1D', ({ tol }) => {
  // The Python tests' values for p=1, p=0 and keepdims.
  it.each([
    [1, false, [3, 1], [2, 5, 8]],
    [0, false, [3, 1], [1.8171206, 4.8171206, 7.8171206]],
    [1, true, [3, 1, 1], [2, 5, 8]],
  ])('p=%p keepdims=%p gives the Python reference values', (p, keepdims, shape, expected) => {
    const x = input1d();
    const out = apply(new GeneralizedMeanPooling1D({ p, keepdims }), x);
    expect(out.shape).toEqual(shape);
    expectClose(out.values, expected, { atol: tol, rtol: 1e-6 });
    x.dispose();
  });

  // The Python layer returns a (3, 3, 1) tensor here: its +/-inf path ignores
  // keepdims and then broadcasts against the kept minimum. The pooled value of
  // each sequence is the maximum (3, 6, 9) / minimum (1, 4, 7) either way; we
  // keep the documented shape (batch, 1, channels).
  it.each([
    [Infinity, [3, 6, 9]],
    [-Infinity, [1, 4, 7]],
  ])('p=%p keepdims keeps one step: max / min of each sequence', (p, expected) => {
    const x = input1d();
    const out = apply(new GeneralizedMeanPooling1D({ p, keepdims: true }), x);
    expect(out.shape).toEqual([3, 1, 1]);
    expectClose(out.values, expected, { atol: tol });
    x.dispose();
  });

  it('channelsFirst pools the last axis (Python: [[2], [5], [8]])', () => {
    const x = tf.reshape(input1d(), [3, 1, 3]);
    const out = apply(new GeneralizedMeanPooling1D({ p: 1, dataFormat: 'channelsFirst' }), x);
    expect(out.shape).toEqual([3, 1]);
    expectClose(out.values, [2, 5, 8], { atol: tol, rtol: 1e-6 });
    x.dispose();
  });

  it.each([
    [3, true],
    [3, false],
    [0, true],
    [-3, false],
    [Infinity, true],
    [-Infinity, false],
  ])('p=%p channelsLast=%p matches a plain-loop reference', (p, channelsLast) => {
    const shape = channelsLast ? [3, 7, 4] : [3, 4, 7];
    const values = seededValues(84, 21, -1, 4);
    const x = tf.tensor3d(values, shape as [number, number, number]);
    const out = apply(new GeneralizedMeanPooling1D({ p, dataFormat: channelsLast ? 'channelsLast' : 'channelsFirst' }), x);
    expect(out.shape).toEqual([3, 4]);
    expectClose(out.values, gemReference(values, shape, p, channelsLast), { atol: 1e-4, rtol: 1e-4 });
    x.dispose();
  });

  it('computes output shapes like the Python layer', () => {
    expect(new GeneralizedMeanPooling1D().computeOutputShape([1, 2, 3])).toEqual([1, 3]);
    expect(new GeneralizedMeanPooling1D({ keepdims: true }).computeOutputShape([1, 2, 3])).toEqual([1, 1, 3]);
    expect(new GeneralizedMeanPooling1D({ dataFormat: 'channelsFirst' }).computeOutputShape([1, 2, 3])).toEqual([1, 2]);
  });

  it('gradient for p=2.5 matches finite differences of the reference', () => {
    const shape = [2, 4, 3];
    const values = seededValues(24, 8, 0.2, 3);
    const weights = seededValues(6, 9, -1, 1);
    const x = tf.tensor3d(values, shape as [number, number, number]);
    const w = tf.tensor2d(weights, [2, 3]);
    const layer = new GeneralizedMeanPooling1D({ p: 2.5 });
    const grad = autodiffGradient((input) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, w)), x);
    const numeric = numericGradient((v) => gemReference(v, shape, 2.5, true).reduce((s, value, i) => s + value * weights[i]!, 0), values);
    expectClose(grad, numeric, { atol: 2e-3, rtol: 2e-3 });
    x.dispose();
    w.dispose();
  });
});

describe('GeneralizedMeanPooling arguments', () => {
  it('defaults to p=3, channelsLast, no keepdims (the Python defaults)', () => {
    const layer = new GeneralizedMeanPooling2D();
    expect([layer.p, layer.dataFormat, layer.keepdims]).toEqual([3, 'channelsLast', false]);
  });

  it('gives the Python config keys and values', () => {
    const config = new GeneralizedMeanPooling2D({ p: 3, dataFormat: 'channels_first', keepdims: true, name: 'GEM' }).getConfig();
    expect(config).toMatchObject({ p: 3, dataFormat: 'channelsFirst', keepdims: true, name: 'GEM', trainable: true });
    expect(new GeneralizedMeanPooling1D({ p: -Infinity }).getConfig().p).toBe('-inf');
    expect(new GeneralizedMeanPooling1D({ p: 'inf' }).p).toBe(Infinity);
  });

  it('rejects a bad p, data format or input rank with a clear error', () => {
    expect(() => new GeneralizedMeanPooling2D({ p: NaN })).toThrow(ValueError);
    expect(() => new GeneralizedMeanPooling2D({ p: 'big' as 'inf' })).toThrow(/p must be a number, 'inf' or '-inf'/);
    expect(() => new GeneralizedMeanPooling2D({ dataFormat: 'nhwc' as 'channelsLast' })).toThrow(/dataFormat must be/);
    expect(() => new GeneralizedMeanPooling2D().computeOutputShape([1, 2, 3])).toThrow(ShapeError);
    const x = tf.zeros([2, 3, 4]);
    expect(() => new GeneralizedMeanPooling2D({ name: 'pool' }).apply(x)).toThrow(
      /GeneralizedMeanPooling2D 'pool' expects a rank-4 input \[batch, rows, cols, channels\], got rank 3/,
    );
    x.dispose();
  });
});
