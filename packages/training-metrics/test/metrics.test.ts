import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectClose, expectNoLeak } from '@tfsim/test-utils';

import { DistanceGapMetric, DistanceMetric, getTrainingMetric, type TrainingMetric } from '../src';
import { type RefDistance, referenceGap, referenceMetric, seededBatch } from './reference';

interface PythonCase {
  labels: number[];
  embeddings: number[];
  rows: number;
  dim: number;
  expected: Record<string, { name: string; value: number }>;
}

/** test/fixtures/python-metrics.json: tensorflow_similarity 0.18's results, written by tools/reference_metrics.py. */
const PYTHON = JSON.parse(readFileSync(join(__dirname, 'fixtures', 'python-metrics.json'), 'utf8')) as { cases: PythonCase[] };

function metricFor(key: string): TrainingMetric {
  const parts = key.split(':');
  if (parts[0] !== 'DistanceMetric') return getTrainingMetric(parts[0]!, parts[1]!);
  const [, distance, aggregate, anchor, strategy] = parts as [string, string, 'mean', 'positive' | 'negative', string];
  return new DistanceMetric(distance, {
    aggregate,
    anchor,
    ...(anchor === 'positive' ? { positiveMiningStrategy: strategy as 'hard' } : { negativeMiningStrategy: strategy as 'hard' }),
  });
}

const DISTANCES: RefDistance[] = ['cosine', 'euclidean', 'squared_euclidean', 'manhattan'];

describeEachBackend('training metrics', ({ tol }) => {
  it.each(PYTHON.cases.map((c, i) => [i, c] as const))(
    'batch %i: every shortcut and mining strategy gives the Python library value and name',
    async (_i, c) => {
      const labels = tf.tensor2d(c.labels, [c.rows, 1], 'int32');
      const embeddings = tf.tensor2d(c.embeddings, [c.rows, c.dim]);
      for (const [key, { name, value }] of Object.entries(c.expected)) {
        const metric = metricFor(key);
        expect(metric.name).toBe(name);
        const got = await expectNoLeak(() => {
          const v = metric.compute(labels, embeddings);
          const out = v.dataSync()[0]!;
          v.dispose();
          return out;
        });
        try {
          expectClose(got, value, { atol: Math.max(tol, 1e-5), rtol: 1e-5 });
        } catch (err) {
          throw new Error(`${key}: ${(err as Error).message}`);
        }
      }
      tf.dispose([labels, embeddings]);
    },
  );

  it.each(DISTANCES)('%s: matches an independent plain-loop reference on seeded batches', (distance) => {
    for (const [seed, n, dim, classes] of [
      [11, 9, 5, 3],
      [12, 16, 8, 4],
      [13, 7, 3, 6], // classes with a single example: rows without positives
    ] as const) {
      const { labels, rows } = seededBatch(seed, n, dim, classes);
      const y = tf.tensor1d(labels, 'int32');
      const x = tf.tensor2d(rows);
      for (const anchor of ['positive', 'negative'] as const) {
        const strategies = anchor === 'positive' ? (['hard', 'semi-hard', 'easy'] as const) : (['hard', 'easy'] as const);
        for (const strategy of strategies) {
          for (const aggregate of ['mean', 'avg', 'max', 'min', 'sum'] as const) {
            const options = {
              aggregate,
              anchor,
              ...(anchor === 'positive' ? { positiveMiningStrategy: strategy as 'hard' } : { negativeMiningStrategy: strategy as 'hard' }),
            };
            const v = new DistanceMetric(distance, options).compute(y, x);
            expectClose(v, referenceMetric(labels, rows, distance, options), { atol: 1e-5, rtol: 1e-5 });
            v.dispose();
          }
        }
      }
      const gap = new DistanceGapMetric(distance).compute(y, x);
      expectClose(gap, referenceGap(labels, rows, distance), { atol: 1e-5, rtol: 1e-5 });
      tf.dispose([gap, x, y]);
    }
  });

  it('accepts labels as [n], [n, 1], [n, dim] (tiled, as tfjs-layers passes targets) or plain numbers', () => {
    const { labels, rows } = seededBatch(5, 6, 4, 2);
    const x = tf.tensor2d(rows);
    const expected = referenceMetric(labels, rows, 'euclidean', { aggregate: 'mean', anchor: 'positive' });
    const forms = [tf.tensor1d(labels, 'int32'), tf.tensor2d(labels, [6, 1]), tf.tile(tf.tensor2d(labels, [6, 1]), [1, 4])];
    const metric = new DistanceMetric('l2');
    for (const labelsForm of [...forms, labels]) {
      const v = metric.compute(labelsForm, x);
      expectClose(v, expected, 1e-5);
      v.dispose();
    }
    tf.dispose([...forms, x]);
  });

  it('keeps the last batch as its state, like the Python (Keras) metric', () => {
    const metric = new DistanceMetric('cosine', { aggregate: 'max' });
    expect(metric.result()).toBe(0);
    const a = seededBatch(1, 8, 3, 2);
    const b = seededBatch(2, 8, 3, 2);
    const [xa, xb] = [tf.tensor2d(a.rows), tf.tensor2d(b.rows)];
    const before = tf.memory().numTensors;
    metric.updateState(a.labels, xa);
    metric.updateState(b.labels, xb);
    // The last batch, not a running mean; one kept value, freed by resetState.
    expectClose(metric.result(), referenceMetric(b.labels, b.rows, 'cosine', { aggregate: 'max', anchor: 'positive' }), 1e-5);
    expect(tf.memory().numTensors - before).toBe(1);
    metric.resetState();
    expect(metric.result()).toBe(0);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([xa, xb]);
  });
});
