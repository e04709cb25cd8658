/**
 * Checks of what a loss is given, so that bad input fails where it enters
 * with a message naming the argument and the shapes.
 */
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { isTensor, ShapeError, toLabels, ValueError } from '@tfsim/utils';

import { tfc } from './tf';

/** Class labels: a tensor of shape `[n]` or `[n, 1]` (int or float), or plain numbers. */
export type LabelsInput = Tensor | ArrayLike<number>;

function shapeText(t: Tensor): string {
  return `[${t.shape.join(', ')}]`;
}

/** Embeddings must be a float tensor `[n, dim]` with n, dim >= 1. */
export function checkEmbeddings(embeddings: unknown, what: string, loss: string): asserts embeddings is Tensor2D {
  if (!isTensor(embeddings)) throw new ShapeError(`${loss}: ${what} must be a 2-D tensor [batch, dim]`);
  if (embeddings.rank !== 2) {
    throw new ShapeError(`${loss}: ${what} must be 2-D [batch, dim], got shape ${shapeText(embeddings)}`);
  }
  if (embeddings.shape[0] === 0 || embeddings.shape[1] === 0) {
    throw new ShapeError(`${loss}: ${what} is empty, shape ${shapeText(embeddings)}`);
  }
  if (embeddings.dtype !== 'float32') {
    throw new ValueError(`${loss}: ${what} must be float32, got ${embeddings.dtype}`);
  }
}

/**
 * Labels as a `[n]` tensor (a new tensor: the caller runs this inside a tidy
 * scope). `[n, 1]` is flattened; plain numbers become float32.
 */
export function toLabelVector(labels: LabelsInput, rows: number, what: string, loss: string): Tensor1D {
  const tf = tfc();
  if (isTensor(labels)) {
    const shape = labels.shape;
    if (!(shape.length === 1 || (shape.length === 2 && shape[1] === 1))) {
      throw new ShapeError(`${loss}: ${what} must have shape [batch] or [batch, 1], got ${shapeText(labels)}`);
    }
    if (shape[0] !== rows) {
      throw new ShapeError(`${loss}: ${what} has ${shape[0]} entries but the embeddings have ${rows} rows`);
    }
    return tf.reshape(labels, [rows]);
  }
  if (labels == null || typeof (labels as ArrayLike<number>).length !== 'number') {
    throw new ShapeError(`${loss}: ${what} must be a tensor or an array of numbers`);
  }
  if (labels.length !== rows) {
    throw new ShapeError(`${loss}: ${what} has ${labels.length} entries but the embeddings have ${rows} rows`);
  }
  // plain labels follow the project's rule (safe integers), as everywhere else
  return tf.tensor1d(Array.from(toLabels(labels, { name: what, op: loss })), 'float32');
}

/** Throws unless `value` is a finite number (optionally > 0 or >= 0). */
export function checkNumber(value: unknown, what: string, loss: string, bound?: '>0' | '>=0'): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ValueError(`${loss}: ${what} must be a finite number, got ${String(value)}`);
  }
  if (bound === '>0' && !(value > 0)) throw new ValueError(`${loss}: ${what} must be > 0, got ${value}`);
  if (bound === '>=0' && !(value >= 0)) throw new ValueError(`${loss}: ${what} must be >= 0, got ${value}`);
  return value;
}

/** Throws unless `value` is an integer >= `min`. */
export function checkInteger(value: unknown, what: string, loss: string, min: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ValueError(`${loss}: ${what} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Throws unless `value` is one of `allowed`. */
export function checkChoice<T extends string>(value: unknown, allowed: readonly T[], what: string, loss: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new ValueError(`${loss}: unknown ${what} ${JSON.stringify(value)}; expected one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
  }
  return value as T;
}

/**
 * Class indices for losses with one weight row per class: labels must be
 * integers in [0, numClasses). Reads the labels back once.
 */
export function checkClassIndices(labels: Tensor1D, numClasses: number, loss: string): void {
  const values = labels.dataSync();
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v >= numClasses) {
      throw new ValueError(`${loss}: label ${v} at position ${i} is not a class index in [0, ${numClasses})`);
    }
  }
}
