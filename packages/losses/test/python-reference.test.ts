/**
 * Every Python loss against the Python library itself (fixture written by
 * tools/reference/losses_reference.py): per-example values and the mean to
 * 1e-5, and the gradient of the mean w.r.t. the embeddings.
 */
import * as tf from '@tensorflow/tfjs-core';
import { autodiffGradient, describeEachBackend, expectClose, expectNoLeak } from '@tfsim/test-utils';

import { getLoss, type MetricLoss, MultiNegativesRankLoss, type SelfSupervisedLoss, XBM } from '../src';
import { caseEmbeddings, PYTHON } from './fixture';

const VALUE_TOL = { atol: 1e-5, rtol: 1e-5 };
/** float32 gradients from two engines (different summation orders). */
const GRADIENT_TOL = { atol: 1e-4, rtol: 1e-3 };

describeEachBackend('Python reference: metric losses', () => {
  it.each(PYTHON.metric.map((c) => [`${c.loss} ${JSON.stringify(c.config)} on ${c.batch}`, c] as const))('%s', async (_title, c) => {
    const loss = getLoss(c.loss, c.config) as MetricLoss;
    // Euclidean on tensors expands |q|^2 - 2 q.k + |k|^2 in float32, so the
    // diagonal is the square root of rounding noise (up to ~3e-4) in both
    // engines, differently; anchors without positives use that diagonal.
    const tol = c.config.distance === 'euclidean' ? { atol: 5e-4, rtol: 1e-5 } : VALUE_TOL;
    const labels = tf.tensor1d(c.labels, 'int32');
    const embeddings = tf.tensor2d(caseEmbeddings(c));
    await expectNoLeak(() => {
      const perExample = loss.perExample(labels, embeddings);
      expectClose(perExample, c.perExample, tol);
      perExample.dispose();
      const mean = loss.call(labels, embeddings);
      expect(mean.shape).toEqual([]);
      expectClose(mean, c.mean, tol);
      mean.dispose();
      if (c.gradient) {
        const g = autodiffGradient((x) => loss.call(labels, x), embeddings);
        expectClose(g, c.gradient, GRADIENT_TOL);
      }
    });
    tf.dispose([labels, embeddings]);
  });
});

describeEachBackend('Python reference: XBM', () => {
  it.each(PYTHON.xbm.map((c) => [`XBM(${c.loss}) memory ${c.memorySize}, warm-up ${c.warmupSteps}`, c] as const))(
    '%s: loss and gradient at each step',
    async (_title, c) => {
      const xbm = new XBM(getLoss(c.loss, c.config) as MetricLoss, { memorySize: c.memorySize, warmupSteps: c.warmupSteps });
      const before = tf.memory().numTensors;
      c.steps.forEach((step, i) => {
        const labels = tf.tensor1d(step.labels, 'int32');
        const embeddings = tf.tensor2d(step.embeddings);
        const g = autodiffGradient((x) => xbm.call(labels, x), embeddings);
        expectClose(g, c.gradients[i]!, GRADIENT_TOL);
        tf.dispose([labels, embeddings]);
      });
      xbm.resetMemory();
      c.steps.forEach((step, i) => {
        const labels = tf.tensor1d(step.labels, 'int32');
        const embeddings = tf.tensor2d(step.embeddings);
        const value = xbm.call(labels, embeddings);
        expectClose(value, c.values[i]!, VALUE_TOL);
        tf.dispose([labels, embeddings, value]);
      });
      xbm.dispose();
      expect(tf.memory().numTensors).toBe(before);
    },
  );
});

/** The losses of two inputs (queries and keys, or two views) against Python. */
interface TwoInputLoss {
  perExample(a: tf.Tensor2D, b: tf.Tensor2D): tf.Tensor;
  call(a: tf.Tensor, b: tf.Tensor): tf.Tensor;
}

/** Per-example values, the mean, and the gradients of the mean w.r.t. each input, without a leak. */
async function expectTwoInputLoss(
  loss: TwoInputLoss,
  a: tf.Tensor2D,
  b: tf.Tensor2D,
  python: { perExample: number[]; mean: number; gradientA: number[]; gradientB: number[] },
): Promise<void> {
  await expectNoLeak(() => {
    const per = loss.perExample(a, b);
    expectClose(per, python.perExample, VALUE_TOL);
    per.dispose();
    const mean = loss.call(a, b);
    expectClose(mean, python.mean, VALUE_TOL);
    mean.dispose();
    expectClose(
      autodiffGradient((x) => loss.call(x, b), a),
      python.gradientA,
      GRADIENT_TOL,
    );
    expectClose(
      autodiffGradient((x) => loss.call(a, x), b),
      python.gradientB,
      GRADIENT_TOL,
    );
  });
  tf.dispose([a, b]);
}

describeEachBackend('Python reference: MultiNegativesRankLoss', () => {
  it.each(PYTHON.multiNegativesRank.map((c, i) => [i, c] as const))('case %i', async (_i, c) => {
    // Python broadcasts -s_ii [n] against logsumexp [n, 1] into an [n, n]
    // matrix (whose mean is the same loss); its diagonal is the per-example loss.
    const n = c.queries.length;
    const perExample = c.perExample.length === n * n ? c.perExample.filter((_, i) => i % (n + 1) === 0) : c.perExample;
    await expectTwoInputLoss(new MultiNegativesRankLoss(c.config), tf.tensor2d(c.queries), tf.tensor2d(c.keys), {
      perExample,
      mean: c.mean,
      gradientA: c.gradientQueries,
      gradientB: c.gradientKeys,
    });
  });
});

describeEachBackend('Python reference: self-supervised losses', () => {
  it.each(PYTHON.selfSupervised.map((c) => [`${c.loss} ${JSON.stringify(c.config)} [${c.za.length}x${c.za[0]!.length}]`, c] as const))(
    '%s',
    async (_title, c) => {
      await expectTwoInputLoss(getLoss(c.loss, c.config) as SelfSupervisedLoss, tf.tensor2d(c.za), tf.tensor2d(c.zb), c);
    },
  );
});
