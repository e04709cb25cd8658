import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { autodiffGradient, describeEachBackend, expectClose, expectNoLeak, numericGradient } from '@tfsim/test-utils';

import { l2Normalize, MetricEmbedding } from '../src';
import { metricEmbeddingReference, seededValues } from './reference';

function weightsOf(layer: MetricEmbedding): { kernel: Float32Array; bias: Float32Array } {
  const [kernel, bias] = layer.getWeights();
  return { kernel: kernel!.dataSync() as Float32Array, bias: bias!.dataSync() as Float32Array };
}

describeEachBackend('MetricEmbedding', ({ tol }) => {
  it('gives the Python test value: a constant kernel maps both rows to 0.5s', () => {
    const x = tf.tensor2d([
      [4, 4, 4, 4],
      [1, 1, 1, 1],
    ]);
    const layer = new MetricEmbedding({ units: 4, kernelInitializer: tfl.initializers.constant({ value: 1 }) });
    const y = layer.apply(x) as tf.Tensor;
    expectClose(y, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5], { atol: tol, rtol: 1e-6 });
    tf.dispose([x, y]);
  });

  it('outputs unit-norm rows equal to a plain dense + normalise reference', async () => {
    const rows = 6;
    const inDim = 5;
    const units = 7;
    const values = seededValues(rows * inDim, 3, -2, 2);
    const x = tf.tensor2d(values, [rows, inDim]);
    const layer = new MetricEmbedding({ units, biasInitializer: tfl.initializers.randomUniform({ minval: -1, maxval: 1, seed: 1 }) });
    layer.apply(x); // builds
    const y = await expectNoLeak(() => layer.apply(x) as tf.Tensor, 1);
    const out = y.dataSync();
    for (let r = 0; r < rows; r++) {
      let norm = 0;
      for (let u = 0; u < units; u++) norm += out[r * units + u]! ** 2;
      expect(Math.abs(Math.sqrt(norm) - 1)).toBeLessThan(1e-5);
    }
    const { kernel, bias } = weightsOf(layer);
    expectClose(out, metricEmbeddingReference(values, rows, inDim, kernel, bias, units), { atol: 1e-5, rtol: 1e-5 });
    tf.dispose([x, y]);
  });

  it('normalises the last axis of higher-rank inputs', () => {
    const x = tf.tensor3d(seededValues(2 * 3 * 4, 4), [2, 3, 4]);
    const layer = new MetricEmbedding({ units: 5 });
    const y = layer.apply(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 3, 5]);
    const norms = tf.sqrt(tf.sum(tf.square(y), -1));
    expectClose(norms, new Array(6).fill(1), 1e-5);
    tf.dispose([x, y, norms]);
  });

  it('input gradient matches finite differences of the reference', async () => {
    const rows = 3;
    const inDim = 4;
    const units = 3;
    const values = seededValues(rows * inDim, 7, -1, 1);
    const upstream = seededValues(rows * units, 8, -1, 1);
    const x = tf.tensor2d(values, [rows, inDim]);
    const w = tf.tensor2d(upstream, [rows, units]);
    const layer = new MetricEmbedding({ units });
    layer.apply(x);
    const { kernel, bias } = weightsOf(layer);
    const grad = await expectNoLeak(() => autodiffGradient((input) => tf.sum(tf.mul(layer.apply(input) as tf.Tensor, w)), x));
    const numeric = numericGradient(
      (v) => metricEmbeddingReference(v, rows, inDim, kernel, bias, units).reduce((s, e, i) => s + e * upstream[i]!, 0),
      values,
    );
    expectClose(grad, numeric, { atol: 1e-3, rtol: 1e-3 });
    tf.dispose([x, w]);
  });

  it('kernel gradient matches finite differences (the layer trains)', () => {
    const rows = 4;
    const inDim = 3;
    const units = 2;
    const values = seededValues(rows * inDim, 17, -1, 1);
    const upstream = seededValues(rows * units, 18, -1, 1);
    const x = tf.tensor2d(values, [rows, inDim]);
    const w = tf.tensor2d(upstream, [rows, units]);
    const layer = new MetricEmbedding({ units });
    layer.apply(x);
    const { kernel, bias } = weightsOf(layer);
    const kernelVar = layer.trainableWeights[0]!.read();
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x) as tf.Tensor, w)) as tf.Scalar, [kernelVar as tf.Variable]);
    const got = Object.values(grads)[0]!;
    const numeric = numericGradient(
      (k) => metricEmbeddingReference(values, rows, inDim, k, bias, units).reduce((s, e, i) => s + e * upstream[i]!, 0),
      kernel,
    );
    expectClose(got, numeric, { atol: 1e-3, rtol: 1e-3 });
    tf.dispose([x, w, got]);
  });

  it('l2Normalize leaves a zero row at zero (epsilon floor), no NaN', () => {
    const x = tf.tensor2d([
      [0, 0],
      [3, 4],
    ]);
    const y = l2Normalize(x);
    expectClose(y, [0, 0, 0.6, 0.8], 1e-6);
    tf.dispose([x, y]);
  });
});

describe('MetricEmbedding config', () => {
  it('has the Dense arguments and defaults of the Python layer', () => {
    const config = new MetricEmbedding({ units: 32 }).getConfig();
    expect(config).toMatchObject({
      units: 32,
      activation: 'linear',
      useBias: true,
      // tfjs spells Glorot-uniform as the VarianceScaling it is.
      kernelInitializer: { className: 'VarianceScaling', config: { scale: 1, mode: 'fanAvg', distribution: 'uniform', seed: null } },
      biasInitializer: { className: 'Zeros', config: {} },
      kernelRegularizer: null,
      biasRegularizer: null,
      activityRegularizer: null,
      kernelConstraint: null,
      biasConstraint: null,
      trainable: true,
    });
    expect(new MetricEmbedding({ units: 2 }).getClassName()).toBe('MetricEmbedding');
  });
});
