import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, ShapeError, ValueError } from '@tfsim/utils';

type Labels = tf.Tensor | ArrayLike<number>;
/** A batch as samplers yield it: `{xs, ys}` (@tfsim/samplers), `{x, y}`, or `[x, y]`. */
export type LabelledBatch = { xs?: unknown; ys: Labels } | { x?: unknown; y: Labels } | readonly [unknown, Labels];

function batchLabels(batch: LabelledBatch): Labels {
  if (Array.isArray(batch)) return batch[1] as Labels;
  const b = batch as { ys?: Labels; y?: Labels };
  const labels = b.ys ?? b.y;
  if (labels === undefined) throw new ValueError('batchClassRatio: a batch must be {xs, ys}, {x, y} or [x, y]');
  return labels;
}

function labelValues(labels: Labels): ArrayLike<number> {
  if (labels instanceof tf.Tensor) {
    if (labels.rank > 2 || (labels.rank === 2 && labels.shape[1] !== 1)) {
      throw new ShapeError(`batchClassRatio: labels must have shape [batch] or [batch, 1], got [${labels.shape.join(', ')}]`);
    }
    return labels.dataSync();
  }
  return labels;
}

function disposeBatch(batch: LabelledBatch): void {
  const values = Array.isArray(batch) ? batch : Object.values(batch as object);
  for (const v of values) if (v instanceof tf.Tensor) v.dispose();
}

/**
 * The average number of examples per class in a sampler's batches (batch
 * size / distinct labels, averaged over up to `numBatches` batches), as the
 * Python library's `batch_class_ratio`. Metric losses need at least two
 * examples of a class in a batch to form pairs, so the ratio should be at
 * least 2. Takes anything that yields batches, synchronously or not (a
 * @tfsim/samplers Sampler yields `{xs, ys}`); the tensors of the batches it
 * reads are disposed.
 *
 * The average is over the batches read. (The Python function divides by one
 * more than that when the sampler has more than `numBatches` batches.)
 */
export async function batchClassRatio(sampler: AsyncIterable<LabelledBatch> | Iterable<LabelledBatch>, numBatches = 100): Promise<number> {
  assertInteger(numBatches, 'numBatches', 1);
  let total = 0;
  let count = 0;
  for await (const batch of sampler as AsyncIterable<LabelledBatch>) {
    try {
      const labels = labelValues(batchLabels(batch));
      if (labels.length === 0) throw new ValueError('batchClassRatio: a batch has no examples');
      total += labels.length / new Set(Array.from(labels)).size;
    } finally {
      disposeBatch(batch);
    }
    count += 1;
    if (count >= numBatches) break;
  }
  if (count === 0) throw new ValueError('batchClassRatio: the sampler yielded no batch');
  return total / count;
}
