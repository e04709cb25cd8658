import * as tf from '@tensorflow/tfjs-core';

/** TensorFlow's `l2_normalize` floor on the squared norm: a zero row stays zero instead of NaN. */
export const L2_EPSILON = 1e-12;

/**
 * `x / sqrt(max(sum(x^2, axis), 1e-12))`: TensorFlow's `tf.math.l2_normalize`,
 * which tfjs-core does not have. Differentiable.
 */
export function l2Normalize(x: tf.Tensor, axis = -1): tf.Tensor {
  return tf.tidy(() => {
    const squaredNorm = tf.sum(tf.square(x), axis, true);
    return tf.mul(x, tf.rsqrt(tf.maximum(squaredNorm, L2_EPSILON)));
  });
}
