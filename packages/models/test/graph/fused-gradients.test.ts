/**
 * TensorFlow's fused ReluGrad in place of TensorFlow.js' seven-kernel Step
 * gradient, on the native backend during a fit: the same gradient values
 * (first and second order), one kernel instead of the Step chain, the
 * original gradient back when the last user releases it, nothing on other
 * backends, no tensors left.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeak } from '@tfsim/test-utils';

import { useFusedGradients, withFusedGradients } from '../../src/graph/fused-gradients';

const x = [-2, -0.5, 0, 0.5, 3, -1e-30, 1e-30];
const dy = [1, 2, 3, 4, 5, 6, 7];
// dy where x > 0, else 0 (TensorFlow's ReluGrad and TensorFlow.js' step agree away from NaN)
const expected = [0, 0, 0, 4, 5, 0, 7];

function reluGrad(): number[] {
  return tf.tidy(() =>
    Array.from(
      tf
        .grad((t: tf.Tensor) => tf.relu(t))(tf.tensor1d(x), tf.tensor1d(dy))
        .dataSync(),
    ),
  );
}

async function kernelsOfGradient(): Promise<string[]> {
  const info = await tf.profile(() => tf.tidy(() => tf.grad((t: tf.Tensor) => tf.relu(t))(tf.tensor1d(x), tf.tensor1d(dy))));
  tf.dispose(info.result as tf.Tensor);
  return info.kernels.map((k) => k.name);
}

describeEachBackend('fused activation gradients', ({ backend }) => {
  const native = backend === 'tensorflow';

  it(
    native ? 'ReluGrad gives the Step gradient, in one kernel instead of the Step chain' : 'change nothing off the native backend',
    async () => {
      await expectNoLeak(async () => {
        const original = tf.getGradient('Relu');
        const before = await kernelsOfGradient();
        expect(reluGrad()).toEqual(expected);
        const release = useFusedGradients();
        try {
          expect(reluGrad()).toEqual(expected);
          const during = await kernelsOfGradient();
          if (native) {
            expect(tf.getGradient('Relu')).not.toBe(original);
            expect(before).toContain('Step');
            expect(during).toContain('TfsimReluGrad');
            expect(during).not.toContain('Step');
          } else {
            expect(tf.getGradient('Relu')).toBe(original);
            expect(during).toEqual(before);
          }
        } finally {
          release();
        }
        expect(tf.getGradient('Relu')).toBe(original);
      });
    },
  );

  it('second-order gradients through the fused gradient stay right', async () => {
    await expectNoLeak(async () => {
      await withFusedGradients(async () => {
        // h(d) = sum(relu'(x) * d * v), so dh/dd = relu'(x) * v
        const v = [1, -1, 2, 3, -2, 5, 0.5];
        const got = tf.tidy(() => {
          const xs = tf.tensor1d(x);
          const vs = tf.tensor1d(v);
          const h = (d: tf.Tensor) => tf.sum(tf.mul(tf.grad((t: tf.Tensor) => tf.relu(t))(xs, d), vs));
          return Array.from(tf.grad(h)(tf.tensor1d(dy)).dataSync(), (g) => g + 0); // -0 as 0
        });
        expect(got).toEqual(v.map((vi, i) => (x[i]! > 0 ? vi : 0)));
      });
    });
  });

  it('nested users: the original gradient comes back with the last release, once however often release is called', () => {
    const original = tf.getGradient('Relu');
    const outer = useFusedGradients();
    const inner = useFusedGradients();
    inner();
    inner();
    expect(tf.getGradient('Relu') !== original).toBe(native);
    outer();
    expect(tf.getGradient('Relu')).toBe(original);
  });

  it('withFusedGradients releases when the function throws', async () => {
    const original = tf.getGradient('Relu');
    await expect(withFusedGradients(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(tf.getGradient('Relu')).toBe(original);
  });
});
