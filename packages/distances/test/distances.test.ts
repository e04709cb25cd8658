import * as tf from '@tensorflow/tfjs-core';
import { autodiffGradient, describeEachBackend, expectClose, expectNoLeak, numericGradient } from '@tfsim/test-utils';
import { Rng, ShapeError } from '@tfsim/utils';

import { distanceNames, getDistance } from '../src';
import { referencePairwise, type Rows, toRows } from './reference';

function randomRows(rng: Rng, rows: number, cols: number, normalize = false): Rows {
  const out: Rows = [];
  for (let i = 0; i < rows; i++) {
    const row = Array.from({ length: cols }, () => rng.normal());
    if (normalize) {
      const norm = Math.sqrt(row.reduce((s, x) => s + x * x, 0));
      for (let j = 0; j < cols; j++) row[j]! /= norm;
    }
    out.push(row);
  }
  return out;
}

const NAMES = ['inner_product', 'cosine', 'euclidean', 'squared_euclidean', 'manhattan', 'snr'];

/** Relative tolerance for float32 tensors against float64 references (expansion of |q-k|^2 cancels). */
const TENSOR_TOL = { atol: 2e-5, rtol: 2e-5 };

describe('distance names', () => {
  it('registers the six distances of the Python library', () => {
    expect(distanceNames()).toEqual(NAMES);
  });
});

describe('typed-array pairwise (no TensorFlow.js needed)', () => {
  it('matches the Python test values for cosine and euclidean', () => {
    const cosine = getDistance('cosine').pairwise(
      [
        [0, 0],
        [0, 1],
        [1, 1],
        [3, 0],
      ],
      { data: Float32Array.from([0, 1, 1, 1, 3, 0]), rows: 3, cols: 2 },
    );
    expectClose(cosine, [1, 1, 1, 0, 0, 1, 0, 0, 0, 1, 0, 0], 1e-5);
    const euclidean = getDistance('euclidean').pairwise(
      [
        [0, 1],
        [0, 1],
        [1, 1],
      ],
      [
        [2, 1],
        [1, 1],
      ],
    );
    expectClose(euclidean, [2, 1, 2, 1, 1, 0], 1e-5);
  });

  it.each(NAMES)('%s matches the plain-loop reference on seeded random rows', (name) => {
    const rng = new Rng(7);
    const q = randomRows(rng, 5, 9, name === 'cosine');
    const k = randomRows(rng, 7, 9, name === 'cosine');
    const got = getDistance(name).pairwise(q, k);
    expect(got).toBeInstanceOf(Float32Array);
    expect(got.length).toBe(35);
    // Computed in float64, stored in float32: only the final rounding differs.
    expectClose(got, referencePairwise(name, q, k), { atol: 1e-6, rtol: 1e-6 });
    const d = getDistance(name);
    // pairwise rounds its inputs to float32 first; between on the same float32 rows agrees bit for bit.
    expect(d.between(Float32Array.from(q[2]!), Float32Array.from(k[4]!))).toBe(got[2 * 7 + 4]);
  });

  it('gives 0 for identical rows under the sqrt guard, and an empty result for no rows', () => {
    const l2 = getDistance('l2');
    expect(Array.from(l2.pairwise([[0.3, -2]], [[0.3, -2]]))).toEqual([0]);
    expect(l2.between([1e-10, 0], [0, 0])).toBe(0);
    expect(l2.pairwise({ data: new Float32Array(0), rows: 0, cols: 2 }, [[1, 2]]).length).toBe(0);
  });

  it('rejects mismatched dimensions and ragged rows with ShapeError', () => {
    const d = getDistance('cosine');
    expect(() => d.pairwise([[1, 0]], [[1, 0, 0]])).toThrow(ShapeError);
    expect(() => d.pairwise([[1, 0]], [[1, 0, 0]])).toThrow('queries have dimension 2 but keys have dimension 3');
    expect(() => d.pairwise([[1, 0], [1]], [[1, 0]])).toThrow(ShapeError);
    expect(() => d.pairwise({ data: new Float32Array(3), rows: 2, cols: 2 }, [[1, 0]])).toThrow(ShapeError);
    expect(() => d.between([1, 2], [1, 2, 3])).toThrow('different lengths, 2 and 3');
  });
});

describeEachBackend('distances on tensors', ({ tol }) => {
  it('match the Python test values: cosine clips at 0 and does not normalise', async () => {
    await expectNoLeak(() => {
      const q = tf.tensor2d([
        [0, 0],
        [0, 1],
        [1, 1],
        [3, 0],
      ]);
      const k = tf.tensor2d([
        [0, 1],
        [1, 1],
        [3, 0],
      ]);
      const d = getDistance('cosine').call(q, k);
      expect(d.shape).toEqual([4, 3]);
      expectClose(
        d,
        [
          [1, 1, 1],
          [0, 0, 1],
          [0, 0, 0],
          [1, 0, 0],
        ],
        1e-5,
      );
      tf.dispose([q, k, d]);
    });
  });

  it('match the Python test values: euclidean', async () => {
    await expectNoLeak(() => {
      const q = tf.tensor2d([
        [0, 1],
        [0, 1],
        [1, 1],
      ]);
      const k = tf.tensor2d([
        [2, 1],
        [1, 1],
      ]);
      const d = getDistance('euclidean').call(q, k);
      expectClose(
        d,
        [
          [2, 1],
          [2, 1],
          [1, 0],
        ],
        1e-5,
      );
      tf.dispose([q, k, d]);
    });
  });

  it.each(NAMES)('%s matches the plain-loop reference, and the typed-array path', async (name) => {
    const rng = new Rng(11);
    const q = randomRows(rng, 6, 8, name === 'cosine');
    const k = randomRows(rng, 4, 8, name === 'cosine');
    const distance = getDistance(name);
    await expectNoLeak(() => {
      const qt = tf.tensor2d(q);
      const kt = tf.tensor2d(k);
      const d = distance.call(qt, kt);
      expect(d.shape).toEqual([6, 4]);
      expect(d.dtype).toBe('float32');
      const expected = referencePairwise(name, q, k);
      expectClose(d, expected, { atol: Math.max(tol, TENSOR_TOL.atol), rtol: TENSOR_TOL.rtol });
      expectClose(d, distance.pairwise(q, k), { atol: Math.max(tol, TENSOR_TOL.atol), rtol: TENSOR_TOL.rtol });
      tf.dispose([qt, kt, d]);
    });
  });

  it('euclidean is exactly 0 (not sqrt of rounding noise) on the diagonal of small-integer rows', () => {
    const x = tf.tensor2d([
      [1, 2, 3],
      [0, -1, 2],
    ]);
    const d = getDistance('euclidean').call(x, x);
    const values = d.dataSync();
    expect(values[0]).toBe(0);
    expect(values[3]).toBe(0);
    tf.dispose([x, d]);
  });

  it.each(NAMES)('%s: autodiff gradients w.r.t. queries and keys match central differences', async (name) => {
    const rng = new Rng(23);
    const nq = 3;
    const nk = 4;
    const dim = 5;
    const q = randomRows(rng, nq, dim, name === 'cosine').flat();
    const k = randomRows(rng, nk, dim, name === 'cosine').flat();
    // A random weighting of the matrix, so each entry's gradient counts.
    const w = Array.from({ length: nq * nk }, () => rng.uniform(-1, 1));
    const distance = getDistance(name);
    const weighted = (m: number[][]): number => m.flat().reduce((s, v, i) => s + v * w[i]!, 0);
    const plainQ = (x: Float64Array): number => weighted(referencePairwise(name, toRows(x, nq, dim), toRows(k, nk, dim)));
    const plainK = (x: Float64Array): number => weighted(referencePairwise(name, toRows(q, nq, dim), toRows(x, nk, dim)));
    const wt = tf.tensor2d(w, [nq, nk]);
    const qt = tf.tensor2d(q, [nq, dim]);
    const kt = tf.tensor2d(k, [nk, dim]);
    await expectNoLeak(() => {
      const gq = autodiffGradient((x) => tf.sum(tf.mul(distance.call(x as tf.Tensor2D, kt), wt)), qt);
      const gk = autodiffGradient((x) => tf.sum(tf.mul(distance.call(qt, x as tf.Tensor2D), wt)), kt);
      // float32 autodiff against float64 finite differences.
      expectClose(gq, numericGradient(plainQ, q), { atol: 2e-4, rtol: 2e-4 });
      expectClose(gk, numericGradient(plainK, k), { atol: 2e-4, rtol: 2e-4 });
    });
    tf.dispose([wt, qt, kt]);
  });

  it('euclidean has a zero (not NaN) gradient where two rows coincide', () => {
    const x = tf.tensor2d([
      [0.5, -1],
      [2, 3],
    ]);
    const g = autodiffGradient((t) => tf.sum(getDistance('euclidean').call(t as tf.Tensor2D, t as tf.Tensor2D)), x);
    expect(Array.from(g).every(Number.isFinite)).toBe(true);
    // Only the off-diagonal pairs pull: d/dx0 of 2|x0 - x1| is 2 (x0 - x1) / |x0 - x1|.
    const diff = [0.5 - 2, -1 - 3];
    const norm = Math.hypot(diff[0]!, diff[1]!);
    expectClose(g, [(2 * diff[0]!) / norm, (2 * diff[1]!) / norm, (-2 * diff[0]!) / norm, (-2 * diff[1]!) / norm], 1e-4);
    x.dispose();
  });

  it('manhattan has gradient 0 (TensorFlow sign) where a coordinate difference is 0', () => {
    const q = tf.tensor2d([[1, 2]]);
    const k = tf.tensor2d([[1, 0]]);
    const g = autodiffGradient((t) => tf.sum(getDistance('manhattan').call(t as tf.Tensor2D, k)), q);
    expect(Array.from(g)).toEqual([0, 1]);
    tf.dispose([q, k]);
  });

  it('rejects non-2-D tensors and mismatched dimensions with ShapeError, leaking nothing', async () => {
    const d = getDistance('euclidean');
    const a = tf.tensor2d([[1, 2, 3]]);
    const b = tf.tensor2d([[1, 2]]);
    const v = tf.tensor1d([1, 2, 3]);
    await expectNoLeak(() => {
      expect(() => d.call(a, b)).toThrow(ShapeError);
      expect(() => d.call(a, b)).toThrow('queries have dimension 3 but keys have dimension 2');
      expect(() => d.call(v as unknown as tf.Tensor2D, a)).toThrow('queries must be a 2-D tensor [rows, dim], got shape [3]');
    });
    tf.dispose([a, b, v]);
  });
});
