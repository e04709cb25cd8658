/** Checks of what enters the index: embeddings and data (labels: labels.ts). */
import { isMatrix, type Matrix, type MatrixLike, ShapeError, toMatrix, ValueError } from '@tfsim/utils/core';

/**
 * Model predictions: a matrix of embeddings (one row per item), or, for a
 * multi-output model (`embeddingOutput` set), a list of outputs.
 */
export type Predictions = MatrixLike | ReadonlyArray<MatrixLike>;

/** One embedding: a vector, a one-row matrix, or a multi-output prediction. */
export type Prediction = ArrayLike<number> | MatrixLike | ReadonlyArray<MatrixLike>;

function pickOutput(p: unknown, embeddingOutput: number | null, what: string): unknown {
  if (embeddingOutput === null) return p;
  if (!Array.isArray(p) || p.length <= embeddingOutput) {
    throw new ShapeError(
      `${what}: the index reads output ${embeddingOutput} of a multi-output prediction, but got ${Array.isArray(p) ? `${p.length} outputs` : 'a single output'}`,
    );
  }
  const out: unknown = p[embeddingOutput];
  if (!isMatrix(out) && !isRows(out)) {
    throw new ShapeError(
      `${what}: the index reads output ${embeddingOutput} of a multi-output prediction (a list of output matrices), but output ${embeddingOutput} is not a matrix`,
    );
  }
  return out;
}

function isRows(x: unknown): boolean {
  return (
    Array.isArray(x) && x.length > 0 && x[0] != null && typeof x[0] === 'object' && typeof (x[0] as ArrayLike<number>).length === 'number'
  );
}

/**
 * Embeddings as a matrix of `dim` columns, finite, at least one row: always a
 * copy, made at the call, so that a caller reusing its buffer before the
 * queued operation runs cannot change what is indexed or looked up.
 */
export function toEmbeddings(predictions: Predictions, dim: number, embeddingOutput: number | null, what: string, op: string): Matrix {
  const p = pickOutput(predictions, embeddingOutput, what);
  if (p == null || typeof p !== 'object') throw new ShapeError(`${what} must be a matrix (an array of rows, or {data, rows, cols})`);
  if (!isMatrix(p) && Array.isArray(p) && p.length > 0 && !isRows(p)) {
    throw new ShapeError(`${what} must be a matrix with one row per item; for one embedding use add / singleLookup`);
  }
  return toMatrix(p as MatrixLike, { name: what, op, cols: dim, copy: true });
}

/** One embedding of `dim` values: a vector, or a matrix of exactly one row (a copy, as toEmbeddings). */
export function toEmbedding(prediction: Prediction, dim: number, embeddingOutput: number | null, what: string, op: string): Float32Array {
  const p = pickOutput(prediction, embeddingOutput, what);
  if (p == null || typeof p !== 'object') throw new ShapeError(`${what} must be an array of ${dim} numbers`);
  if (isMatrix(p) || isRows(p)) {
    const m = toMatrix(p as MatrixLike, { name: what, op, cols: dim, copy: true });
    if (m.rows !== 1) throw new ShapeError(`${what} must be one embedding, got ${m.rows} rows (use the batch method for several)`);
    return m.data;
  }
  const v = p as ArrayLike<number>;
  if (typeof v.length !== 'number') throw new ShapeError(`${what} must be an array of ${dim} numbers`);
  return toMatrix([v], { name: what, op, cols: dim }).data;
}

/**
 * Data: one JSON-serialisable value per embedding, checked up front (so a
 * store never half-writes) and copied as JSON at the call: every store keeps
 * data as JSON, so the copy is what would be stored, taken before the caller
 * can change it.
 */
export function checkData(data: ReadonlyArray<unknown> | null | undefined, n: number): unknown[] | null {
  if (data == null) return null;
  if (!Array.isArray(data)) throw new ValueError('data must be an array with one entry per embedding');
  if (data.length !== n) throw new ShapeError(`data has ${data.length} entries but there are ${n} embeddings`);
  return data.map((d, i) => checkDatum(d, `data[${i}]`));
}

/** A JSON copy of one datum (undefined stays undefined). */
export function checkDatum(d: unknown, what: string): unknown {
  if (d === undefined) return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(d);
  } catch (err) {
    throw new ValueError(`${what} is not JSON-serialisable: ${(err as Error).message}`);
  }
  if (text === undefined) throw new ValueError(`${what} is not JSON-serialisable (${typeof d})`);
  return JSON.parse(text) as unknown;
}
