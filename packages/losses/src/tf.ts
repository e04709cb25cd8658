/**
 * TensorFlow.js access for the losses, and the few ops the Python library
 * uses that tfjs-core lacks.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { oneHotFloat, withoutGradient } from '@tfsim/distances';
import { loadTfjsCore } from '@tfsim/utils';

export type Tf = typeof TfCore;

/** @tensorflow/tfjs-core, loaded on first use. */
export function tfc(): Tf {
  return loadTfjsCore();
}

/** Identity in the forward pass, zero gradient (TensorFlow's stop_gradient). */
export function stopGradient<T extends Tensor>(x: T): T {
  return withoutGradient(() => tfc().clone(x));
}

/** `x / sqrt(max(sum(x^2, axis 1), 1e-12))`, TensorFlow's l2_normalize along rows. */
export function l2Normalize<T extends Tensor>(x: T): T {
  const tf = tfc();
  return tf.mul(x, tf.rsqrt(tf.maximum(tf.sum(tf.square(x), 1, true), 1e-12))) as T;
}

/**
 * The diagonal `m[i, i]` for `i < min(rows, cols)`, as a vector. Selected
 * with a mask rather than gathered: the gradients of gather and gatherND
 * need kernels the wasm backend lacks.
 */
export function diagPart(m: Tensor): Tensor {
  const tf = tfc();
  const [rows, cols] = m.shape as [number, number];
  const n = Math.min(rows, cols);
  const eye = tf.cast(tf.eye(rows, cols), 'bool');
  const diagonal = tf.sum(tf.where(eye, m, tf.zerosLike(m)), 1);
  return n === rows ? diagonal : tf.slice(diagonal, 0, n);
}

/**
 * Rows `indices` of `m` (`tf.gather(m, indices)`) as a one-hot product:
 * exact for finite values, and differentiable on every backend (gather's
 * gradient needs a kernel the wasm backend lacks).
 */
export function gatherRows(m: Tensor, indices: Tensor): Tensor {
  const tf = tfc();
  return tf.matMul(oneHotFloat(indices, m.shape[0]!), m as Tensor2D);
}
