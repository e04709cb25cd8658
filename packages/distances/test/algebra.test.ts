import * as tf from '@tensorflow/tfjs-core';
import { autodiffGradient, describeEachBackend, expectClose, expectNoLeak, numericGradient } from '@tfsim/test-utils';
import { Rng, ShapeError, ValueError } from '@tfsim/utils';

import { buildMasks, maskedMax, maskedMin, withoutGradient } from '../src';

/** Plain masked max of one row, with the Python semantics for an empty selection. */
function plainMaskedMax(row: number[], mask: boolean[]): { value: number; index: number } {
  let best = -Infinity;
  let index = 0;
  row.forEach((v, j) => {
    if (mask[j] && v > best) {
      best = v;
      index = j;
    }
  });
  return best === -Infinity ? { value: Math.min(...row) - 1e-6, index: 0 } : { value: best, index };
}

function plainMaskedMin(row: number[], mask: boolean[]): { value: number; index: number } {
  let best = Infinity;
  let index = 0;
  row.forEach((v, j) => {
    if (mask[j] && v < best) {
      best = v;
      index = j;
    }
  });
  return best === Infinity ? { value: Math.max(...row) + 1e-6, index: 0 } : { value: best, index };
}

function randomMatrix(rng: Rng, rows: number, cols: number): number[][] {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => rng.uniform(0, 2)));
}

function randomMask(rng: Rng, rows: number, cols: number, emptyRow: number): boolean[][] {
  return Array.from({ length: rows }, (_, i) => Array.from({ length: cols }, () => i !== emptyRow && rng.next() < 0.5));
}

describeEachBackend('buildMasks', () => {
  it('marks same-label pairs positive (minus the diagonal) and the rest negative', async () => {
    const labels = [0, 1, 0, 2, 1];
    const expectedPositive = labels.map((a, i) => labels.map((b, j) => a === b && i !== j));
    const expectedNegative = labels.map((a) => labels.map((b) => a !== b));
    for (const make of [() => tf.tensor1d(labels, 'int32'), () => tf.tensor2d(labels, [5, 1], 'float32')]) {
      await expectNoLeak(() => {
        const t = make();
        const { positiveMask, negativeMask } = buildMasks(t, t, 5);
        expect(positiveMask.dtype).toBe('bool');
        expect(positiveMask.shape).toEqual([5, 5]);
        expect(positiveMask.arraySync()).toEqual(expectedPositive.map((r) => r.map(Number)));
        expect(negativeMask.arraySync()).toEqual(expectedNegative.map((r) => r.map(Number)));
        tf.dispose([t, positiveMask, negativeMask]);
      });
    }
  });

  it('keeps the diagonal when asked, and handles queries against other keys', () => {
    const q = tf.tensor1d([3, 4], 'int32');
    const k = tf.tensor1d([3, 3, 4], 'int32');
    const kept = buildMasks(q, k, undefined, false);
    expect(kept.positiveMask.arraySync()).toEqual([
      [1, 1, 0],
      [0, 0, 1],
    ]);
    const removed = buildMasks(q, k);
    expect(removed.positiveMask.arraySync()).toEqual([
      [0, 1, 0],
      [0, 0, 1],
    ]);
    expect(removed.negativeMask.arraySync()).toEqual([
      [0, 0, 1],
      [1, 1, 0],
    ]);
    tf.dispose([q, k, kept.positiveMask, kept.negativeMask, removed.positiveMask, removed.negativeMask]);
  });

  it('rejects labels of rank > 1 that are not a column, and a wrong batchSize', () => {
    const bad = tf.zeros([2, 2]);
    const ok = tf.tensor1d([1, 2]);
    expect(() => buildMasks(bad, ok)).toThrow(ShapeError);
    expect(() => buildMasks(bad, ok)).toThrow('queryLabels must have shape [n] or [n, 1], got [2, 2]');
    expect(() => buildMasks(ok, ok, 3)).toThrow('batchSize 3 does not match the 2 query labels');
    tf.dispose([bad, ok]);
  });
});

describeEachBackend('maskedMax / maskedMin', () => {
  const rng = new Rng(5);
  const d = randomMatrix(rng, 5, 6);
  const m = randomMask(rng, 5, 6, 2);

  it.each([
    ['maskedMax', maskedMax, plainMaskedMax],
    ['maskedMin', maskedMin, plainMaskedMin],
  ] as const)('%s matches a plain reference, an empty row included', async (_name, op, plain) => {
    await expectNoLeak(() => {
      const dt = tf.tensor2d(d);
      const mt = tf.tensor2d(
        m.map((r) => r.map(Number)),
        undefined,
        'bool',
      );
      const { values, indices } = op(dt, mt);
      const expected = d.map((row, i) => plain(row, m[i]!));
      expect(values.shape).toEqual([5, 1]);
      expectClose(
        values,
        expected.map((e) => e.value),
        1e-6,
      );
      expect(Array.from(indices.dataSync())).toEqual(expected.map((e) => e.index));
      expect(indices.dtype).toBe('int32');
      tf.dispose([dt, mt, values, indices]);
    });
  });

  it('reduces over columns with dim 0', () => {
    const dt = tf.tensor2d(d);
    const mt = tf.tensor2d(m.map((r) => r.map(Number)));
    const { values, indices } = maskedMax(dt, mt, 0);
    const columns = d[0]!.map((_, j) =>
      plainMaskedMax(
        d.map((r) => r[j]!),
        m.map((r) => r[j]!),
      ),
    );
    expect(values.shape).toEqual([1, 6]);
    expectClose(
      values,
      columns.map((c) => c.value),
      1e-6,
    );
    expect(Array.from(indices.dataSync())).toEqual(columns.map((c) => c.index));
    tf.dispose([dt, mt, values, indices]);
  });

  it.each([
    ['maskedMax', maskedMax, plainMaskedMax],
    ['maskedMin', maskedMin, plainMaskedMin],
  ] as const)('%s gradient matches central differences (empty row: to the row extreme)', async (_name, op, plain) => {
    const mt = tf.tensor2d(m.map((r) => r.map(Number)));
    const w = d.map(() => rng.uniform(-1, 1));
    const wt = tf.tensor2d(w, [5, 1]);
    const x = tf.tensor2d(d);
    const f = (flat: Float64Array): number =>
      d.reduce((s, _row, i) => s + w[i]! * plain(Array.from(flat.subarray(i * 6, i * 6 + 6)), m[i]!).value, 0);
    await expectNoLeak(() => {
      const g = autodiffGradient((t) => {
        const r = op(t as tf.Tensor2D, mt);
        r.indices.dispose();
        return tf.sum(tf.mul(r.values, wt));
      }, x);
      expectClose(g, numericGradient(f, d.flat(), 1e-4), 1e-4);
    });
    tf.dispose([mt, wt, x]);
  });

  it('rejects a mask of another shape and a bad dim', () => {
    const dt = tf.zeros([2, 3]) as tf.Tensor2D;
    const mt = tf.zeros([3, 2]);
    const ok = tf.zeros([2, 3]);
    expect(() => maskedMax(dt, mt)).toThrow('mask must have the shape of distances [2, 3], got [3, 2]');
    expect(() => maskedMin(dt, ok, 2)).toThrow(ValueError);
    tf.dispose([dt, mt, ok]);
  });
});

describeEachBackend('maskedMax exactness', () => {
  it('returns the selected distance bit for bit (no float32 offset rounding), so ties compare equal', () => {
    // Offsetting in float32 would give 0.99999994 for the 1.0 entry.
    const d = tf.tensor2d([
      [0, 1, 1],
      [3.7, 0, 2.2],
    ]);
    const m = tf.tensor2d(
      [
        [0, 1, 0],
        [1, 0, 1],
      ],
      undefined,
      'bool',
    );
    const { values, indices } = maskedMax(d, m);
    expect(Array.from(values.dataSync())).toEqual([1, Math.fround(3.7)]);
    expect(Array.from(indices.dataSync())).toEqual([1, 0]);
    const min = maskedMin(d, m);
    expect(Array.from(min.values.dataSync())).toEqual([1, Math.fround(2.2)]);
    tf.dispose([d, m, values, indices, min.values, min.indices]);
  });
});

describeEachBackend('withoutGradient', () => {
  it('makes mask-derived mining differentiable: comparisons on the distances are constants', async () => {
    // Semi-hard-like: select entries above a value computed from x itself.
    const x = tf.tensor2d([
      [0.3, 0.9, 0.5],
      [0.7, 0.2, 0.4],
    ]);
    await expectNoLeak(() => {
      const g = autodiffGradient((t) => {
        const d = t as tf.Tensor2D;
        const threshold = tf.mean(d, 1, true);
        const mask = withoutGradient(() => tf.greater(d, threshold));
        const r = maskedMin(d, mask);
        r.indices.dispose();
        return tf.sum(r.values);
      }, x);
      // Each row's smallest entry above its mean gets the gradient.
      expect(Array.from(g)).toEqual([0, 1, 0, 1, 0, 0]);
    });
    x.dispose();
  });

  it('gives a zero gradient for float results (stop_gradient)', () => {
    const x = tf.tensor1d([1, 2]);
    const g = autodiffGradient(
      (t) =>
        tf.sum(
          tf.add(
            tf.square(t),
            withoutGradient(() => tf.square(t)),
          ),
        ),
      x,
    );
    expect(Array.from(g)).toEqual([2, 4]);
    x.dispose();
  });
});
