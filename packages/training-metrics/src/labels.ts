import * as tf from '@tensorflow/tfjs-core';
import { ShapeError } from '@tfsim/utils';

/**
 * Class labels as a `[n]` vector from what a metric receives: `[n]`,
 * `[n, 1]`, or, through tfjs-layers (which wants targets shaped like the
 * model's output), `[n, dim]` with each label repeated along its row, of
 * which column 0 is read (the convention of @tfsim/losses' lossFunction).
 */
export function labelVector(labels: tf.Tensor | ArrayLike<number>, rows: number, metric: string): tf.Tensor1D {
  return tf.tidy(() => {
    const t = labels instanceof tf.Tensor ? labels : tf.tensor1d(Array.from(labels), 'int32');
    if (t.rank === 0 || t.rank > 2) {
      throw new ShapeError(`${metric}: labels must have shape [batch], [batch, 1] or [batch, dim], got [${t.shape.join(', ')}]`);
    }
    if (t.shape[0] !== rows) {
      throw new ShapeError(`${metric}: ${t.shape[0]} labels for ${rows} embeddings`);
    }
    const column = t.rank === 2 ? tf.slice(t, [0, 0], [rows, 1]) : t;
    return tf.reshape(column, [rows]) as tf.Tensor1D;
  });
}
