import { ShapeError } from './errors';
import type { Matrix, MatrixLike } from './types';
import { assertFinite } from './validate';

export interface ToMatrixOptions {
  /** Used in error messages: "queries", "embeddings", ... */
  name?: string;
  /** Required number of columns (the embedding dimension). */
  cols?: number;
  /** Accept zero rows. Default false. */
  allowEmpty?: boolean;
  /** Reject NaN and Infinity. Default true. */
  finite?: boolean;
}

export function isMatrix(x: unknown): x is Matrix {
  return (
    typeof x === 'object' && x !== null && (x as Matrix).data instanceof Float32Array &&
    typeof (x as Matrix).rows === 'number' && typeof (x as Matrix).cols === 'number'
  );
}

/**
 * Validates a matrix or converts a list of rows into one. A `Matrix` is used
 * as is (no copy); rows are copied once into a new Float32Array.
 */
export function toMatrix(x: MatrixLike, opts: ToMatrixOptions = {}): Matrix {
  const name = opts.name ?? 'matrix';
  let m: Matrix;
  if (isMatrix(x)) {
    if (!Number.isInteger(x.rows) || !Number.isInteger(x.cols) || x.rows < 0 || x.cols < 0 ||
      x.data.length !== x.rows * x.cols) {
      throw new ShapeError(`${name}: data of length ${x.data.length} does not hold ${x.rows} x ${x.cols} values`);
    }
    m = x;
  } else if (Array.isArray(x)) {
    const rows = x.length;
    const cols = rows > 0 ? x[0]!.length : (opts.cols ?? 0);
    const data = new Float32Array(rows * cols);
    for (let i = 0; i < rows; i++) {
      const row = x[i]!;
      if (row == null || typeof row.length !== 'number') {
        throw new ShapeError(`${name}: row ${i} is not an array of numbers`);
      }
      if (row.length !== cols) {
        throw new ShapeError(`${name}: row ${i} has ${row.length} values, expected ${cols} like row 0`);
      }
      for (let j = 0; j < cols; j++) data[i * cols + j] = row[j]!;
    }
    m = { data, rows, cols };
  } else {
    throw new ShapeError(`${name} must be a Matrix {data, rows, cols} or an array of rows`);
  }
  if (opts.cols !== undefined && m.cols !== opts.cols && !(m.rows === 0 && opts.allowEmpty)) {
    throw new ShapeError(`${name} has dimension ${m.cols}, expected ${opts.cols}`);
  }
  if (m.rows === 0 && !opts.allowEmpty) {
    throw new ShapeError(`${name} is empty`);
  }
  if (opts.finite !== false) assertFinite(m.data, name, m.cols);
  return m;
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
