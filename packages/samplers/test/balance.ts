/** Shared checks of the balance guarantee (not a test file itself). */
import * as tf from '@tensorflow/tfjs-core';

import type { Batch } from '../src';

/** The first `n` batches of a sampler as plain arrays (rows of xs, ys), their tensors disposed. */
export async function takeBatches(
  sampler: { generateBatch(batchId: number): Promise<Batch> },
  n: number,
): Promise<Array<{ x: number[][]; y: number[] }>> {
  const out = [];
  for (let b = 0; b < n; b++) {
    const batch = await sampler.generateBatch(b);
    out.push({ x: (await batch.xs.array()) as number[][], y: Array.from(await batch.ys.data()) });
    tf.dispose([batch.xs, batch.ys]);
  }
  return out;
}

/** Asserts rows are grouped by class: `classes` distinct classes, each `perClass` consecutive rows. */
export function expectBalanced(labels: ArrayLike<number>, classes: number, perClass: number): number[] {
  const values = Array.from(labels);
  if (values.length !== classes * perClass) {
    throw new Error(`batch has ${values.length} rows, expected ${classes} x ${perClass}`);
  }
  const order: number[] = [];
  for (let c = 0; c < classes; c++) {
    const block = values.slice(c * perClass, (c + 1) * perClass);
    if (block.some((v) => v !== block[0]))
      throw new Error(`rows ${c * perClass}..${(c + 1) * perClass - 1} mix classes: [${block.join(', ')}]`);
    order.push(block[0]!);
  }
  if (new Set(order).size !== classes) throw new Error(`a class appears in two blocks: [${values.join(', ')}]`);
  return order;
}

/** Counts of each value. */
export function counts(values: ArrayLike<number>): Map<number, number> {
  const out = new Map<number, number>();
  for (const v of Array.from(values)) out.set(v, (out.get(v) ?? 0) + 1);
  return out;
}

/** The sampler warnings a console.warn spy saw (TensorFlow.js' own notices left out). */
export function warnings(spy: jest.SpyInstance): string[] {
  return spy.mock.calls.map((c) => String(c[0])).filter((m) => m.startsWith('WARNING'));
}
