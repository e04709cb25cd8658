/**
 * Conversion between tensors (model side) and typed-array matrices (index
 * side). TensorFlow.js is loaded lazily, only when these are called.
 */
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';

import { loadTfjsCore } from './backend';
import { ShapeError } from './errors';
import { toMatrix } from './matrix';
import type { Matrix, MatrixLike } from './types';

/** A rank-2 tensor as a Matrix, read back once. */
export function tensorToMatrix(t: Tensor, name = 'tensor'): Matrix {
  if (t.rank !== 2) throw new ShapeError(`${name} must be 2-D [rows, dim], got shape [${t.shape.join(', ')}]`);
  const [rows, cols] = t.shape as [number, number];
  const values = t.dtype === 'float32' ? (t.dataSync() as Float32Array) : Float32Array.from(t.dataSync());
  return { data: values, rows, cols };
}

/** A matrix (or list of rows) as a float32 tensor of shape [rows, cols]. */
export function matrixToTensor(m: MatrixLike, name = 'matrix'): Tensor2D {
  const matrix = toMatrix(m, { name, allowEmpty: true });
  return loadTfjsCore().tensor2d(matrix.data, [matrix.rows, matrix.cols], 'float32');
}

/** Accepts a tensor, a matrix or rows; returns a Matrix (one read-back for tensors). */
export function asMatrix(x: Tensor | MatrixLike, name = 'embeddings'): Matrix {
  if (isTensor(x)) return tensorToMatrix(x, name);
  return toMatrix(x, { name });
}

export function isTensor(x: unknown): x is Tensor {
  return (
    typeof x === 'object' && x !== null && 'dataSync' in x && 'shape' in x && 'dtype' in x && typeof (x as Tensor).dataSync === 'function'
  );
}
