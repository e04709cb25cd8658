/**
 * A 2-D problem whose nearest neighbours and cosine distances are worked out
 * by hand, and a model whose embeddings are its input times a kernel we set,
 * L2-normalised (the cosine distance, as in Python, expects unit vectors).
 *
 * targets: t0 [1,0] class 0, t1 [0,1] class 1, t2 [-1,0] class 2.
 * queries (class): q0 [1,0.1] (0), q1 [0.1,1] (1), q2 [0.9,0.2] (1),
 *                  q3 [-1,0.1] (2), q4 [-0.2,1] (3, a class not indexed).
 *
 * Identity kernel, cosine distance d = 1 - cos:
 *   q0 -> t0, d = 1 - 1/sqrt(1.01) = 0.004963   right
 *   q1 -> t1, d = 0.004963                       right
 *   q2 -> t0, d = 1 - 0.9/sqrt(0.85) = 0.023811  wrong (class 1)
 *   q3 -> t2, d = 0.004963                       right
 *   q4 -> t1, d = 1 - 1/sqrt(1.04) = 0.019419    wrong (class 3)
 * Second neighbours: q0 t1, q1 t0, q2 t1, q3 t1, q4 t0 (or t2, both class != 3).
 *
 * Kernel diag(1, 5) stretches the second axis: q2 becomes [0.9, 1], nearer
 * t1 (d = 1 - 1/sqrt(1.81) = 0.256697) than t0 (d = 0.331031), so q2 turns
 * right; the others keep their neighbour.
 */
import * as tf from '@tensorflow/tfjs-core';
import { layers, type LayersModel, sequential } from '@tensorflow/tfjs-layers';

export const TARGETS = [
  [1, 0],
  [0, 1],
  [-1, 0],
];
export const TARGET_LABELS = [0, 1, 2];
export const QUERIES = [
  [1, 0.1],
  [0.1, 1],
  [0.9, 0.2],
  [-1, 0.1],
  [-0.2, 1],
];
export const QUERY_LABELS = [0, 1, 1, 2, 3];

export const IDENTITY = [
  [1, 0],
  [0, 1],
];
export const STRETCH = [
  [1, 0],
  [0, 5],
];

/** Rows scaled to unit length. */
class L2Normalize extends layers.Layer {
  static readonly className = 'TestL2Normalize';

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      return tf.div(x, tf.norm(x, 'euclidean', -1, true));
    });
  }
}

/** Dense 2 -> 2 without bias, then L2-normalised: embedding = unit(input x kernel). */
export function linearModel(kernel: number[][] = IDENTITY): LayersModel {
  const model = sequential({ layers: [layers.dense({ units: 2, inputShape: [2], useBias: false }), new L2Normalize({})] });
  setKernel(model, kernel);
  return model;
}

export function setKernel(model: LayersModel, kernel: number[][]): void {
  const k = tf.tensor2d(kernel);
  model.setWeights([k]);
  k.dispose();
}

/** float32, as the metrics are computed. */
export const f32 = Math.fround;
