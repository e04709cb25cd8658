import { type InputContext, toRows } from './inputs';
import type { Matrix, MatrixLike } from './types';

export interface ToMatrixOptions extends InputContext {
  /** Required number of columns (the embedding dimension). */
  cols?: number;
  /** Accept zero rows. Default false. */
  allowEmpty?: boolean;
  /** Reject NaN and Infinity. Default true. */
  finite?: boolean;
  /** Copy a Matrix too (rows are always copied): for values kept after the call returns. Default false. */
  copy?: boolean;
}

export function isMatrix(x: unknown): x is Matrix {
  return (
    typeof x === 'object' &&
    x !== null &&
    (x as Matrix).data instanceof Float32Array &&
    typeof (x as Matrix).rows === 'number' &&
    typeof (x as Matrix).cols === 'number'
  );
}

/**
 * Validates a matrix or converts a list of rows into one (see `toRows` for
 * the rule: values of type number, finite unless `finite: false`). A
 * `Matrix` is used as is (no copy, unless `copy`); rows are copied once into
 * a new Float32Array.
 */
export function toMatrix(x: MatrixLike, opts: ToMatrixOptions = {}): Matrix {
  return toRows(x, {
    name: opts.name ?? 'matrix',
    op: opts.op,
    rule: opts.finite === false ? 'any' : 'finite',
    cols: opts.cols,
    allowEmpty: opts.allowEmpty ?? false,
    copy: opts.copy,
  });
}

/** Row `i` as a view (no copy). */
export function matrixRow(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** The rows as views (no copy). */
export function matrixRows(m: Matrix): Float32Array[] {
  const rows: Float32Array[] = new Array(m.rows);
  for (let i = 0; i < m.rows; i++) rows[i] = matrixRow(m, i);
  return rows;
}

/** A one-row matrix over `vector` (no copy). */
export function vectorAsMatrix(vector: ArrayLike<number>, name = 'vector'): Matrix {
  if (vector instanceof Float32Array) return toMatrix({ data: vector, rows: 1, cols: vector.length }, { name });
  return toMatrix([vector], { name });
}
