/** Checks of what enters the index: embeddings, labels, data, k. */
import {
  type Label,
  type Matrix,
  type MatrixLike,
  ShapeError,
  ValueError,
  isMatrix,
  toMatrix,
} from '@tfsim/utils';

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
  return Array.isArray(x) && x.length > 0 && x[0] != null && typeof x[0] === 'object' && typeof (x[0] as ArrayLike<number>).length === 'number';
}

/** Embeddings as a matrix of `dim` columns, finite, at least one row. */
export function toEmbeddings(predictions: Predictions, dim: number, embeddingOutput: number | null, what: string): Matrix {
  const p = pickOutput(predictions, embeddingOutput, what);
  if (p == null || typeof p !== 'object') throw new ShapeError(`${what} must be a matrix (an array of rows, or {data, rows, cols})`);
  if (!isMatrix(p) && Array.isArray(p) && p.length > 0 && !isRows(p)) {
    throw new ShapeError(`${what} must be a matrix with one row per item; for one embedding use add / singleLookup`);
  }
  const m = toMatrix(p as MatrixLike, { name: what, cols: dim });
  return m;
}

/** One embedding of `dim` values: a vector, or a matrix of exactly one row. */
export function toEmbedding(prediction: Prediction, dim: number, embeddingOutput: number | null, what: string): Float32Array {
  const p = pickOutput(prediction, embeddingOutput, what);
  if (p == null || typeof p !== 'object') throw new ShapeError(`${what} must be an array of ${dim} numbers`);
  if (isMatrix(p) || isRows(p)) {
    const m = toMatrix(p as MatrixLike, { name: what, cols: dim });
    if (m.rows !== 1) throw new ShapeError(`${what} must be one embedding, got ${m.rows} rows (use the batch method for several)`);
    return m.data;
  }
  const v = p as ArrayLike<number>;
  if (typeof v.length !== 'number') throw new ShapeError(`${what} must be an array of ${dim} numbers`);
  return toMatrix([v], { name: what, cols: dim }).data;
}

/** Labels: integers or null (absent). */
export function checkLabels(labels: ReadonlyArray<Label | null | undefined> | ArrayLike<number> | null | undefined, n: number): Array<Label | null> | null {
  if (labels == null) return null;
  if (typeof labels.length !== 'number' || typeof labels === 'string') throw new ValueError('labels must be an array of integer labels');
  if (labels.length !== n) throw new ShapeError(`labels has ${labels.length} entries but there are ${n} embeddings`);
  const out: Array<Label | null> = new Array(n);
  for (let i = 0; i < n; i++) out[i] = checkLabel((labels as ArrayLike<unknown>)[i], `labels[${i}]`);
  return out;
}

export function checkLabel(label: unknown, what: string): Label | null {
  if (label === null || label === undefined) return null;
  if (typeof label !== 'number' || !Number.isInteger(label)) {
    throw new ValueError(`${what} must be an integer class id or null, got ${typeof label === 'number' ? label : typeof label}`);
  }
  return label;
}

/** Data: one JSON-serialisable value per embedding (checked up front, so a store never half-writes). */
export function checkData(data: ReadonlyArray<unknown> | null | undefined, n: number): unknown[] | null {
  if (data == null) return null;
  if (!Array.isArray(data)) throw new ValueError('data must be an array with one entry per embedding');
  if (data.length !== n) throw new ShapeError(`data has ${data.length} entries but there are ${n} embeddings`);
  data.forEach((d, i) => checkDatum(d, `data[${i}]`));
  return data as unknown[];
}

export function checkDatum(d: unknown, what: string): void {
  if (d === undefined) return;
  let text: string | undefined;
  try {
    text = JSON.stringify(d);
  } catch (err) {
    throw new ValueError(`${what} is not JSON-serialisable: ${(err as Error).message}`);
  }
  if (text === undefined) throw new ValueError(`${what} is not JSON-serialisable (${typeof d})`);
}

/** Query labels: one finite number per query. */
export function checkTargetLabels(labels: ArrayLike<Label>, n: number, what = 'targetLabels'): Label[] {
  if (labels == null || typeof labels.length !== 'number') throw new ValueError(`${what} must be an array of labels`);
  if (labels.length !== n) throw new ShapeError(`${what} has ${labels.length} labels but there are ${n} queries`);
  const out: Label[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const v = labels[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) throw new ValueError(`${what}[${i}] must be a number, got ${String(v)}`);
    out[i] = v;
  }
  return out;
}
