/**
 * Input conversion for the retrieval metrics: query labels, lookup labels,
 * lookup distances and the match mask, each checked once where it enters.
 */
import { ShapeError, ValueError } from '@tfsim/utils';

/** A matrix given as rows or as `{data, rows, cols}` (row-major). */
export type RowsLike<T = number> =
  | ReadonlyArray<ArrayLike<T>>
  | { readonly data: ArrayLike<T>; readonly rows: number; readonly cols: number };

/** What a retrieval metric is computed from (the Python library's keyword arguments). */
export interface RetrievalInputs {
  /** One label per query. */
  queryLabels: ArrayLike<number>;
  /** `[queries x neighbours]`: true (or 1) where the neighbour has the query's label. Derived from lookupLabels when omitted. */
  matchMask?: RowsLike<boolean | number>;
  /** [queries x neighbours] labels of the neighbours, nearest first. */
  lookupLabels?: RowsLike;
  /** [queries x neighbours] distances to the neighbours (BNDCG's distance threshold). */
  lookupDistances?: RowsLike;
  /**
   * Number of indexed examples per class, for the metrics that need R when
   * they were not given their own `r` (the evaluator passes the index's).
   */
  classCounts?: ReadonlyMap<number, number> | Readonly<Record<number, number>>;
}

export interface Mask {
  data: Uint8Array;
  rows: number;
  cols: number;
}

function isFlat<T>(x: RowsLike<T>): x is { data: ArrayLike<T>; rows: number; cols: number } {
  return !Array.isArray(x) && typeof x === 'object' && x !== null && 'data' in x && 'rows' in x && 'cols' in x;
}

/** Any RowsLike into a flat array through `convert`. */
export function flatten<T, A extends { [i: number]: number; length: number }>(
  x: RowsLike<T>,
  name: string,
  make: (n: number) => A,
  convert: (v: T, row: number, col: number) => number,
): { data: A; rows: number; cols: number } {
  if (x == null || typeof x !== 'object') throw new ShapeError(`${name} must be a 2D array [queries][neighbours] or {data, rows, cols}`);
  if (isFlat(x)) {
    const { rows, cols } = x;
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || x.data.length !== rows * cols) {
      throw new ShapeError(`${name}: data of length ${x.data.length} does not hold ${rows} x ${cols} values`);
    }
    const data = make(rows * cols);
    for (let i = 0; i < rows * cols; i++) data[i] = convert(x.data[i]!, Math.floor(i / cols), i % cols);
    return { data, rows, cols };
  }
  if (!Array.isArray(x)) throw new ShapeError(`${name} must be a 2D array [queries][neighbours] or {data, rows, cols}`);
  const rows = x.length;
  const cols = rows > 0 ? (x[0]?.length ?? 0) : 0;
  const data = make(rows * cols);
  for (let r = 0; r < rows; r++) {
    const row = x[r];
    if (row == null || typeof row.length !== 'number' || typeof row === 'string') {
      throw new ShapeError(`${name} must be a 2D array of shape [queries, neighbours]: row ${r} is not an array`);
    }
    if (row.length !== cols) throw new ShapeError(`${name}: row ${r} has ${row.length} values, expected ${cols} like row 0`);
    for (let c = 0; c < cols; c++) data[r * cols + c] = convert(row[c]!, r, c);
  }
  return { data, rows, cols };
}

export function toLabels(x: ArrayLike<number>, name = 'queryLabels'): Float64Array {
  if (x == null || typeof x.length !== 'number' || typeof x === 'string') throw new ShapeError(`${name} must be an array of labels`);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let v: unknown = x[i];
    if (v != null && typeof v === 'object' && (v as ArrayLike<number>).length === 1) v = (v as ArrayLike<number>)[0];
    const n = Number(v);
    if (v == null || !Number.isFinite(n)) throw new ValueError(`${name}[${i}] is ${String(v)}; labels must be finite numbers`);
    out[i] = n;
  }
  return out;
}

export function toLabelMatrix(x: RowsLike, name = 'lookupLabels'): { data: Float64Array; rows: number; cols: number } {
  return flatten(x, name, (n) => new Float64Array(n), (v, r, c) => {
    const n = Number(v);
    if (v == null || !Number.isFinite(n)) throw new ValueError(`${name}: row ${r}, column ${c} is ${String(v)}; labels must be finite numbers`);
    return n;
  });
}

export function toDistances(x: RowsLike, name = 'lookupDistances'): { data: Float32Array; rows: number; cols: number } {
  return flatten(x, name, (n) => new Float32Array(n), (v, r, c) => {
    const n = Number(v);
    if (Number.isNaN(n)) throw new ValueError(`${name}: row ${r}, column ${c} is NaN`);
    return n;
  });
}

export function toMask(x: RowsLike<boolean | number>, name = 'matchMask'): Mask {
  return flatten(x, name, (n) => new Uint8Array(n), (v) => (v ? 1 : 0));
}

/**
 * The match mask: `mask[i][j]` is true when neighbour j of query i has the
 * query's label (the Python library's `compute_match_mask`).
 */
export function computeMatchMask(queryLabels: ArrayLike<number>, lookupLabels: RowsLike): Mask {
  const q = toLabels(queryLabels);
  const l = toLabelMatrix(lookupLabels);
  if (q.length !== l.rows) {
    throw new ShapeError(`the number of query labels (${q.length}) must equal the number of lookup sets (${l.rows})`);
  }
  const data = new Uint8Array(l.rows * l.cols);
  for (let i = 0; i < l.rows; i++) {
    for (let j = 0; j < l.cols; j++) data[i * l.cols + j] = l.data[i * l.cols + j] === q[i] ? 1 : 0;
  }
  return { data, rows: l.rows, cols: l.cols };
}

/** A class-count mapping as a Map; keys may come as strings from JSON. */
export function toCountMap(
  r: ReadonlyMap<number, number> | Readonly<Record<number, number>> | null | undefined,
  name = 'r',
): Map<number, number> | null {
  if (r == null) return null;
  const entries: Array<[unknown, unknown]> = r instanceof Map ? [...r.entries()] : Object.entries(r);
  const out = new Map<number, number>();
  for (const [key, value] of entries) {
    const label = Number(key);
    const count = Number(value);
    if (!Number.isFinite(label)) throw new ValueError(`${name}: key ${String(key)} is not a numeric label`);
    if (!Number.isInteger(count) || count < 0) {
      throw new ValueError(`${name}[${String(key)}] must be a count (an integer >= 0), got ${String(value)}`);
    }
    out.set(label, count);
  }
  return out;
}
