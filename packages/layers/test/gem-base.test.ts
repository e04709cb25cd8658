/** The GeneralizedMeanPooling base (Python's abstract layer): a new subclass gets GeM over its own rank. */
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectClose, expectNoLeak } from '@tfsim/test-utils';
import { ShapeError } from '@tfsim/utils';

import { GeneralizedMeanPooling, GeneralizedMeanPooling1D, GeneralizedMeanPooling2D } from '../src';

/** GeM over the three spatial axes of a volume `[batch, depth, rows, cols, channels]`. */
class GeneralizedMeanPooling3D extends GeneralizedMeanPooling {
  static className = 'GeneralizedMeanPooling3D';
  protected get inputRank(): number {
    return 5;
  }
}

describeEachBackend('GeneralizedMeanPooling base', ({ tol }) => {
  it('is the base of the 1D and 2D layers', () => {
    expect(new GeneralizedMeanPooling1D()).toBeInstanceOf(GeneralizedMeanPooling);
    expect(new GeneralizedMeanPooling2D()).toBeInstanceOf(GeneralizedMeanPooling);
  });

  it('pools a subclass over its own spatial axes', async () => {
    // One channel holding 0..7, a second holding 10 * that: shifted to 1..8,
    // p=2 gives sqrt(mean(1, 4, ..., 64)) - 1 = sqrt(25.5) - 1; p=1 the mean 3.5.
    const values = Array.from({ length: 8 }, (_, i) => [i, 10 * i]).flat();
    const x = tf.tensor5d(values, [1, 2, 2, 2, 2]);
    await expectNoLeak(() => {
      const two = new GeneralizedMeanPooling3D({ p: 2 }).apply(x) as tf.Tensor;
      expect(two.shape).toEqual([1, 2]);
      // Channel 2 is 10 * (0..7): shifted to 1, 11, ..., 71.
      const second = Math.sqrt(Array.from({ length: 8 }, (_, i) => (10 * i + 1) ** 2).reduce((a, b) => a + b) / 8) - 1;
      expectClose(two, [Math.sqrt(25.5) - 1, second], { atol: tol, rtol: 1e-5 });
      const mean = new GeneralizedMeanPooling3D({ p: 1, keepdims: true }).apply(x) as tf.Tensor;
      expect(mean.shape).toEqual([1, 1, 1, 1, 2]);
      expectClose(mean, [3.5, 35], { atol: tol, rtol: 1e-6 });
      const max = new GeneralizedMeanPooling3D({ p: Infinity }).apply(x) as tf.Tensor;
      expectClose(max, [7, 70], 0);
      tf.dispose([two, mean, max]);
    });
    const image = tf.zeros([1, 2, 2, 1]);
    expect(() => new GeneralizedMeanPooling3D().apply(image)).toThrow(ShapeError);
    tf.dispose([x, image]);
  });
});
