import * as tf from '@tensorflow/tfjs-core';
import { Indexer } from '@tfsim/indexer';
import { describeEachBackend, expectNoLeak, tempDir } from '@tfsim/test-utils';

import { type ModelInput, withIndex } from '../src/index-api';

/** A host whose embedding is the first two input coordinates: distances are computable by hand. */
class FirstTwo extends withIndex(class {}) {
  predictForIndex(x: ModelInput): tf.Tensor {
    return tf.slice(x as tf.Tensor, [0, 0], [-1, 2]);
  }

  resolveEmbeddingOutput(embeddingOutput: number | null | undefined) {
    if (embeddingOutput != null) throw new Error('single output');
    return { embeddingOutput: null, embeddingSize: 2 };
  }
}

const points = [
  [0, 0, 9],
  [1, 0, 9],
  [0, 2, 9],
  [3, 3, 9],
];
// Queries near points 0, 1, 2 with their labels, and one of an unknown class (9) nearest to point 3.
// Their distances are exact in float32, so calibration's 8-digit rounding leaves them as they are.
const queries = [
  [0.25, 0, 0],
  [1.125, 0, 0],
  [0, 2.5, 0],
  [2, 2, 0],
];
const queryLabels = [0, 1, 2, 9];

describeEachBackend('withIndex', () => {
  const dir = tempDir();

  it('needs an index first, then a non-empty one, and x and y of one length', async () => {
    const model = new FirstTwo();
    const x = tf.tensor2d(points);
    await expect(model.index(x, [0, 1, 2, 3])).rejects.toThrow('the model has no index: call compile() or createIndex() first');
    await expect(model.lookup(x)).rejects.toThrow('call compile() or createIndex() first');
    model.createIndex({ distance: 'l2' });
    await expect(model.lookup(x)).rejects.toThrow('the index is empty: call index() before lookup()');
    await expect(model.calibrate(x, [0, 1, 2, 3])).rejects.toThrow('the index is empty: call index() before calibrate()');
    await expect(model.index(x, [0, 1, 2])).rejects.toThrow('x has 4 examples but y has 3 labels');
    await expect(model.index(x, [0, 1, 2, 3], ['a'])).rejects.toThrow('x has 4 examples but data has 1 entries');
    expect(await model.indexSize()).toBe(0);
    x.dispose();
  });

  it('indexes, looks up, calibrates, matches and evaluates through the Indexer', async () => {
    const model = new FirstTwo();
    model.createIndex({ distance: 'l2' });
    const x = tf.tensor2d(points);
    const q = tf.tensor2d(queries);
    const y = tf.tensor1d([0, 1, 2, 3], 'int32');
    await expectNoLeak(async () => {
      expect(await model.index(x, y, ['p0', 'p1', 'p2', 'p3'], { verbose: 0 })).toEqual([0, 1, 2, 3]);
      expect(await model.indexSize()).toBe(4);

      // [0.9, 0.1] to [1, 0]: sqrt(0.02); to [0, 0]: sqrt(0.82)
      const one = tf.tensor1d([0.9, 0.1, 5]);
      const single = await model.singleLookup(one, 2);
      one.dispose();
      expect(single.map((l) => [l.label, l.data])).toEqual([
        [1, 'p1'],
        [0, 'p0'],
      ]);
      expect(single[0]!.distance).toBeCloseTo(Math.sqrt(0.02), 6);
      expect(single[1]!.distance).toBeCloseTo(Math.sqrt(0.82), 6);

      const lookups = await model.lookup(q, 1, false);
      expect(lookups.map((l) => l[0]!.label)).toEqual([0, 1, 2, 3]);
      expect(lookups.map((l) => l[0]!.distance)).toEqual([0.25, 0.125, 0.5, expect.closeTo(Math.SQRT2, 6)]);

      // F1 is 1 up to distance 0.5 (three right matches, the unknown one left out) and falls after.
      const calibration = await model.calibrate(q, queryLabels, { thresholdsTargets: { 0.5: 0.5 }, verbose: 0 });
      expect(calibration.cutpoints.optimal!.distance).toBe(0.5);
      expect(calibration.cutpoints.optimal!.value).toBe(1);
      expect(await model.match(q)).toEqual([0, 1, 2, -1]);
      expect(await model.match(q, { noMatchLabel: -7 })).toEqual([0, 1, 2, -7]);
      const all = await model.match(q, { cutpoint: 'all' });
      expect(Object.keys(all).sort()).toEqual(Object.keys(calibration.cutpoints).sort());
      expect(all.optimal).toEqual([0, 1, 2, -1]);
      await expect(model.match(q, { cutpoint: 'nope' })).rejects.toThrow('unknown cutpoint "nope"');

      const evaluation = await model.evaluateClassification(q, queryLabels, { verbose: 0 });
      expect(evaluation.optimal).toEqual({ name: 'optimal', distance: 0.5, f1: 1, precision: 1, recall: 1 });
    });

    // The same answers as the Indexer given the embeddings directly.
    const direct = new Indexer(2, { distance: 'l2' });
    await direct.batchAdd({ data: Float32Array.from([0, 0, 1, 0, 0, 2, 3, 3]), rows: 4, cols: 2 }, [0, 1, 2, 3]);
    const expected = await direct.batchLookup({ data: Float32Array.from([0.25, 0, 1.125, 0, 0, 2.5, 2, 2]), rows: 4, cols: 2 }, 3);
    const got = await model.lookup(q, 3, false);
    expect(got.map((r) => r.map((l) => [l.label, l.distance]))).toEqual(expected.map((r) => r.map((l) => [l.label, l.distance])));
    tf.dispose([x, q, y]);
  });

  it('saves the index under <dir>/index and loads it back with its calibration', async () => {
    const model = new FirstTwo();
    model.createIndex({ distance: 'l2' });
    const x = tf.tensor2d(points);
    const q = tf.tensor2d(queries);
    await model.index(x, [0, 1, 2, 3], null, { verbose: 0 });
    await model.calibrate(q, queryLabels, { verbose: 0 });
    await model.saveIndex(dir);
    const before = await model.lookup(q, 2, false);

    const loaded = new FirstTwo();
    await loaded.loadIndex(dir);
    expect(loaded.indexer.isCalibrated).toBe(true);
    expect(loaded.indexer.cutpoints).toEqual(model.indexer.cutpoints);
    expect(await loaded.lookup(q, 2, false)).toEqual(before);
    expect(await loaded.match(q)).toEqual([0, 1, 2, -1]);
    await model.resetIndex();
    expect(await model.indexSize()).toBe(0);
    tf.dispose([x, q]);
  });
});
