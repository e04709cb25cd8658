/**
 * Mining helpers shared by the losses and the training metrics (the Python
 * library's `algebra` module): which pairs of a batch share a class, and the
 * largest or smallest distance of each row among the pairs a mask selects.
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { loadTfjsCore, ShapeError, ValueError } from '@tfsim/utils';

/** Which pairs (query i, key j) share a class, and which do not. Both boolean `[nq, nk]`. */
export type PairMasks = {
  positiveMask: Tensor2D;
  negativeMask: Tensor2D;
};

/** A masked reduction: the values (`[n, 1]` for dim 1, `[1, n]` for dim 0) and the winning index (`[n]`, int32). */
export type MaskedReduction = {
  values: Tensor2D;
  indices: Tensor1D;
};

/**
 * `oneHot(indices, depth)` as float32 0/1, for any depth >= 1 (tfjs' oneHot
 * refuses depth 1, which a batch of one row needs). Indices outside
 * [0, depth) give a row of zeros, as oneHot does.
 */
export function oneHotFloat(indices: Tensor, depth: number): Tensor2D {
  const tf = loadTfjsCore();
  return tf.tidy(() =>
    tf.cast(tf.equal(tf.reshape(tf.cast(indices, 'int32'), [-1, 1]), tf.range(0, depth, 1, 'int32')), 'float32'),
  ) as Tensor2D;
}

/** What a row with nothing selected reports: just below its minimum (max) or above its maximum (min), as in Python. */
const MASK_OFFSET = 1e-6;

/**
 * Runs `fn` with gradient recording off: autodiff sees its result as a
 * constant (TensorFlow's stop_gradient). Needed around the boolean and
 * integer parts of mining (comparisons, argmax, any): TensorFlow.js has no
 * gradient for those ops and fails when one lies on the path from the inputs
 * to the loss, where TensorFlow simply treats them as constants.
 */
export function withoutGradient<T extends Tensor>(fn: () => T): T {
  const tf = loadTfjsCore();
  // A custom-gradient op without inputs: its forward pass runs untaped, and
  // nothing links its output back to the inputs being differentiated.
  const op = tf.customGrad(() => ({ value: fn(), gradFunc: () => [] }));
  return (op as unknown as () => T)();
}

function labelColumn(labels: Tensor, name: string): Tensor2D {
  const shape = labels.shape;
  if (shape.length === 1) return loadTfjsCore().reshape(labels, [shape[0]!, 1]);
  if (shape.length === 2 && shape[1] === 1) return labels as Tensor2D;
  throw new ShapeError(`${name} must have shape [n] or [n, 1], got [${shape.join(', ')}]`);
}

/**
 * Positive mask (same label) and negative mask (different label) between
 * query and key labels (`[n]` or `[n, 1]`, int or float). With
 * `removeDiagonal` (the default) pair (i, i) is not a positive: used when the
 * queries are the keys, so that an example is not its own positive.
 * `batchSize`, when given, must be the number of query labels (kept for
 * parity with the Python signature).
 */
export function buildMasks(queryLabels: Tensor, keyLabels: Tensor, batchSize?: number, removeDiagonal = true): PairMasks {
  const tf = loadTfjsCore();
  const nq = queryLabels.shape[0] ?? 0;
  if (batchSize !== undefined && batchSize !== nq) {
    throw new ShapeError(`batchSize ${batchSize} does not match the ${nq} query labels`);
  }
  return tf.tidy(() => {
    const q = labelColumn(queryLabels, 'queryLabels');
    const k = labelColumn(keyLabels, 'keyLabels');
    let positiveMask = tf.equal(q, tf.transpose(k)) as Tensor2D;
    const negativeMask = tf.logicalNot(positiveMask) as Tensor2D;
    if (removeDiagonal) {
      const [rows, cols] = positiveMask.shape;
      const offDiagonal = tf.logicalNot(tf.cast(tf.eye(rows, cols), 'bool'));
      positiveMask = tf.logicalAnd(positiveMask, offDiagonal) as Tensor2D;
    }
    return { positiveMask, negativeMask };
  });
}

function checkMasked(distances: Tensor2D, mask: Tensor, dim: number): void {
  if (distances.rank !== 2) {
    throw new ShapeError(`distances must be 2-D, got shape [${distances.shape.join(', ')}]`);
  }
  if (mask.shape.length !== 2 || mask.shape[0] !== distances.shape[0] || mask.shape[1] !== distances.shape[1]) {
    throw new ShapeError(`mask must have the shape of distances [${distances.shape.join(', ')}], got [${mask.shape.join(', ')}]`);
  }
  if (dim !== 0 && dim !== 1) throw new ValueError(`dim must be 0 or 1, got ${dim}`);
}

type Extreme = 'max' | 'min';

/**
 * Row-wise (dim 1) masked extreme. The value is the selected entry itself,
 * picked with a one-hot product: no offset arithmetic, so it equals the
 * distance bit for bit as in the Python library (which offsets in float64;
 * float32 offsets would shift it by an ulp and flip semi-hard comparisons).
 */
function maskedExtremeRows(distances: Tensor2D, mask: Tensor, extreme: Extreme): MaskedReduction {
  const tf = loadTfjsCore();
  const cols = distances.shape[1];
  const indices = withoutGradient(() => {
    const fill = tf.fill(distances.shape, extreme === 'max' ? -Infinity : Infinity);
    const candidates = tf.where(tf.cast(mask, 'bool'), distances, fill);
    return tf.cast(extreme === 'max' ? tf.argMax(candidates, 1) : tf.argMin(candidates, 1), 'int32') as Tensor1D;
  });
  const anySelected = withoutGradient(() => tf.any(tf.cast(mask, 'bool'), 1, true));
  const picked = tf.sum(tf.mul(distances, oneHotFloat(indices, cols)), 1, true);
  const fallback = extreme === 'max' ? tf.sub(tf.min(distances, 1, true), MASK_OFFSET) : tf.add(tf.max(distances, 1, true), MASK_OFFSET);
  const values = tf.where(anySelected, picked, fallback) as Tensor2D;
  return { values, indices };
}

function maskedExtreme(distances: Tensor2D, mask: Tensor, dim: number, extreme: Extreme): MaskedReduction {
  checkMasked(distances, mask, dim);
  const tf = loadTfjsCore();
  return tf.tidy(() => {
    if (dim === 1) return maskedExtremeRows(distances, mask, extreme);
    const byColumn = maskedExtremeRows(tf.transpose(distances), tf.transpose(mask), extreme);
    return { values: tf.transpose(byColumn.values), indices: byColumn.indices };
  });
}

/**
 * The largest distance of each row (`dim` 1, values `[n, 1]`) or column
 * (`dim` 0, values `[1, n]`) among the entries `mask` selects, and its index
 * (first one on ties). A row with nothing selected gets `min(row) - 1e-6`
 * and index 0, and its gradient goes to the row's minimum: the Python
 * library's `masked_max` semantics (its `max((d - m) * mask) + m` with
 * `m = min(d) - 1e-6`), values and gradients included.
 */
export function maskedMax(distances: Tensor2D, mask: Tensor, dim = 1): MaskedReduction {
  return maskedExtreme(distances, mask, dim, 'max');
}

/**
 * The smallest distance of each row (`dim` 1) or column (`dim` 0) among the
 * entries `mask` selects, and its index. A row with nothing selected gets
 * `max(row) + 1e-6` and index 0 (the Python library's `masked_min`).
 */
export function maskedMin(distances: Tensor2D, mask: Tensor, dim = 1): MaskedReduction {
  return maskedExtreme(distances, mask, dim, 'min');
}
