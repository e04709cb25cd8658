import * as tf from '@tensorflow/tfjs-core';

/**
 * Central finite differences of a scalar function of a plain array, in float64:
 * (f(x + eps e_i) - f(x - eps e_i)) / 2 eps. Used with a plain-array reference
 * of a loss to check the autodiff gradient of the tensor implementation.
 */
export function numericGradient(f: (x: Float64Array) => number, x: ArrayLike<number>, eps = 1e-6): Float64Array {
  const point = Float64Array.from(x);
  const grad = new Float64Array(point.length);
  for (let i = 0; i < point.length; i++) {
    const saved = point[i]!;
    point[i] = saved + eps;
    const up = f(point);
    point[i] = saved - eps;
    const down = f(point);
    point[i] = saved;
    grad[i] = (up - down) / (2 * eps);
  }
  return grad;
}

/**
 * Central finite differences of a scalar tensor function, evaluated on the
 * active backend in float32 (TensorFlow.js has no float64), so use eps around
 * 1e-2..1e-3 and a tolerance of the same order.
 */
export function tensorNumericGradient(f: (x: tf.Tensor) => tf.Scalar, x: tf.Tensor, eps = 1e-3): Float64Array {
  const base = Float64Array.from(x.dataSync());
  const grad = new Float64Array(base.length);
  const evaluate = (values: Float64Array): number =>
    tf.tidy(() => f(tf.tensor(Float32Array.from(values), x.shape, 'float32')).dataSync()[0]!);
  for (let i = 0; i < base.length; i++) {
    const saved = base[i]!;
    base[i] = saved + eps;
    const up = evaluate(base);
    base[i] = saved - eps;
    const down = evaluate(base);
    base[i] = saved;
    grad[i] = (up - down) / (2 * eps);
  }
  return grad;
}

/** The autodiff gradient of `f` at `x` (of the sum of its values, if not a scalar), as plain numbers (no tensors left behind). */
export function autodiffGradient(f: (x: tf.Tensor) => tf.Tensor, x: tf.Tensor): Float64Array {
  const grad = tf.tidy(() => tf.grad(f)(x));
  const values = Float64Array.from(grad.dataSync());
  grad.dispose();
  return values;
}
