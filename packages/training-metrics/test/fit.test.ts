import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { describeEachBackend, expectClose } from '@tfsim/test-utils';

import { avgPos, distGap, minNeg } from '../src';
import { referenceGap, referenceMetric } from './reference';

/**
 * The metrics in tfjs-layers' fit: the batch logs carry each batch's value
 * (what the Python library's fit shows), the epoch log tfjs' mean over the
 * batches (the Python library shows the last batch's value there; see the
 * README). With a learning rate of 0 the embeddings of each batch are the
 * model's predictions, so the logs can be checked against the reference.
 */
describeEachBackend('training metrics during fit', () => {
  it('log under their Python names with the per-batch values', async () => {
    const dim = 4;
    const model = tfl.sequential({
      layers: [tfl.layers.dense({ inputShape: [3], units: dim, kernelInitializer: tfl.initializers.glorotUniform({ seed: 3 }) })],
    });
    const metrics = [avgPos('euclidean'), minNeg('euclidean'), distGap('euclidean')];
    model.compile({
      optimizer: tf.train.sgd(0),
      // Any loss over the embeddings: these tests look at the metrics.
      loss: (_yTrue: tf.Tensor, yPred: tf.Tensor) => tf.mean(tf.square(yPred)),
      metrics: metrics.map((m) => m.metricFunction),
    });
    const labels = [0, 0, 1, 1, 2, 2, 0, 1, 1, 2, 2, 0];
    const x = tf.randomNormal([12, 3], 0, 1, 'float32', 7);
    // tfjs-layers wants targets shaped like the output: labels repeated along each row.
    const y = tf.tile(tf.tensor2d(labels, [12, 1]), [1, dim]);
    const batchLogs: Record<string, number>[] = [];
    const history = await model.fit(x, y, {
      batchSize: 6,
      epochs: 1,
      shuffle: false,
      verbose: 0,
      callbacks: { onBatchEnd: async (_batch, logs) => void batchLogs.push({ ...(logs as Record<string, number>) }) },
    });
    expect(Object.keys(history.history).sort()).toEqual(['dist_gap', 'loss', 'mean_pos', 'min_neg']);

    const embeddings = (model.predict(x) as tf.Tensor).arraySync() as number[][];
    const expected = [0, 1].map((b) => {
      const rows = embeddings.slice(6 * b, 6 * b + 6);
      const l = labels.slice(6 * b, 6 * b + 6);
      return {
        mean_pos: referenceMetric(l, rows, 'euclidean', { aggregate: 'mean', anchor: 'positive' }),
        min_neg: referenceMetric(l, rows, 'euclidean', { aggregate: 'min', anchor: 'negative' }),
        dist_gap: referenceGap(l, rows, 'euclidean'),
      };
    });
    for (const b of [0, 1]) {
      for (const name of ['mean_pos', 'min_neg', 'dist_gap'] as const) expectClose(batchLogs[b]![name]!, expected[b]![name], 1e-4);
    }
    // tfjs' epoch value: the mean of the two (equal-sized) batches.
    expectClose(history.history['mean_pos']![0] as number, (expected[0]!.mean_pos + expected[1]!.mean_pos) / 2, 1e-4);
    tf.dispose([x, y]);
    model.dispose();
  });
});
