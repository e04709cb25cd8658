import * as tf from '@tensorflow/tfjs-core';

import { describeEachBackend, expectClose, expectNoLeak, testBackends } from '../src';

describe('testBackends', () => {
  it('always includes cpu, and the native backend when CI requires it', () => {
    const backends = testBackends();
    expect(backends).toContain('cpu');
    if (process.env.TFSIM_REQUIRE_NATIVE === '1') expect(backends).toContain('tensorflow');
  });
});

describeEachBackend('describeEachBackend', ({ backend, tol }) => {
  it('activates the backend for the suite', () => {
    expect(tf.getBackend()).toBe(backend);
  });

  it('computes a matMul within tolerance', async () => {
    await expectNoLeak(() => {
      const product = tf.tidy(() =>
        tf.matMul(
          tf.tensor2d([
            [1, 2],
            [3, 4],
          ]),
          tf.tensor2d([[0.5], [0.25]]),
        ),
      );
      expectClose(product, [1, 2.5], tol);
      product.dispose();
    });
  });
});
