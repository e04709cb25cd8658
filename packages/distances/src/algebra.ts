/**
 * Mining helpers shared by the losses and the training metrics (the Python
 * library's `algebra` module): which pairs of a batch share a class, and the
 * largest or smallest distance of each row among the pairs a mask selects.
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { loadTfjsCore, ShapeError, ValueError } from '@tfsim/utils';

/** Which pairs (query i, key j) share a class, and which do not. Both boolean `[nq, nk]`. */
export interface PairMasks {
  positiveMask: Tensor2D;
  negativeMask: Tensor2D;
}

/** A masked reduction: the values (`[n, 1]` for dim 1, `[1, n]` for dim 0) and the winning index (`[n]`, int32). */
export interface MaskedReduction {
  values: Tensor2D;
  indices: Tensor1D;
}

/** Offset of the masked reductions: keeps every selected entry strictly above the unselected zeros. */
const MASK_OFFSET = 1e-6;

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
export function buildMasks(
  queryLabels: Tensor,
  keyLabels: Tensor,
  batchSize?: number,
  removeDiagonal = true,
): PairMasks {
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
    throw new ShapeError(
      `mask must have the shape of distances [${distances.shape.join(', ')}], got [${mask.shape.join(', ')}]`,
    );
  }
  if (dim !== 0 && dim !== 1) throw new ValueError(`dim must be 0 or 1, got ${dim}`);
}

/**
 * The largest distance of each row (`dim` 1) or column (`dim` 0) among the
 * entries `mask` selects, and where it is. Computed as
 * `max((d - m) * mask) + m` with `m = min(d) - 1e-6`, so selected entries
 * stay above the zeros of unselected ones. A row with nothing selected gets
 * `min(d) - 1e-6` (index 0), and its gradient goes to the row's minimum: the
 * Python library's exact semantics, gradients included.
 */
export function maskedMax(distances: Tensor2D, mask: Tensor, dim = 1): MaskedReduction {
  checkMasked(distances, mask, dim);
  const tf = loadTfjsCore();
  return tf.tidy(() => {
    const weights = tf.cast(mask, 'float32');
    const floor = tf.sub(tf.min(distances, dim, true), MASK_OFFSET);
    const shifted = tf.mul(tf.sub(distances, floor), weights);
    const indices = tf.cast(tf.argMax(shifted, dim), 'int32') as Tensor1D;
    const values = tf.add(tf.max(shifted, dim, true), floor) as Tensor2D;
    return { values, indices };
  });
}

/**
 * The smallest distance of each row (`dim` 1) or column (`dim` 0) among the
 * entries `mask` selects, and where it is: `min((d - M) * mask) + M` with
 * `M = max(d) + 1e-6`. A row with nothing selected gets `max(d) + 1e-6`.
 */
export function maskedMin(distances: Tensor2D, mask: Tensor, dim = 1): MaskedReduction {
  checkMasked(distances, mask, dim);
  const tf = loadTfjsCore();
  return tf.tidy(() => {
    const weights = tf.cast(mask, 'float32');
    const ceiling = tf.add(tf.max(distances, dim, true), MASK_OFFSET);
    const shifted = tf.mul(tf.sub(distances, ceiling), weights);
    const indices = tf.cast(tf.argMin(shifted, dim), 'int32') as Tensor1D;
    const values = tf.add(tf.min(shifted, dim, true), ceiling) as Tensor2D;
    return { values, indices };
  });
}
