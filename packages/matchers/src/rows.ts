/**
 * Input conversion shared by the matchers: query labels as a vector, lookup
 * labels and distances as row-major matrices (one row per query, one column
 * per neighbour), checked once where they enter.
 */
import { ShapeError, ValueError } from '@tfsim/utils';

/** A matrix given as rows (`number[][]`, `Float32Array[]`) or as `{data, rows, cols}` (row-major). */
export type RowsLike =
  | ReadonlyArray<ArrayLike<number>>
  | { readonly data: ArrayLike<number>; readonly rows: number; readonly cols: number };

/** A dense row-major matrix of labels (float64 holds every integer label exactly). */
export interface LabelMatrix {
  data: Float64Array;
  rows: number;
  cols: number;
}

/** A dense row-major matrix of distances, in float32 like the Python library's tensors. */
export interface DistanceMatrix {
  data: Float32Array;
  rows: number;
  cols: number;
}

function isFlat(x: RowsLike): x is { data: ArrayLike<number>; rows: number; cols: number } {
  return !Array.isArray(x) && typeof x === 'object' && x !== null && 'data' in x && 'rows' in x && 'cols' in x;
}

function fill(
  x: RowsLike,
  name: string,
  make: (n: number) => Float64Array | Float32Array,
  check: (v: number, i: number, cols: number) => void,
): { data: Float64Array | Float32Array; rows: number; cols: number } {
  if (isFlat(x)) {
    const { rows, cols } = x;
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0 || x.data.length !== rows * cols) {
      throw new ShapeError(`${name}: data of length ${x.data.length} does not hold ${rows} x ${cols} values`);
    }
    const data = make(rows * cols);
    for (let i = 0; i < data.length; i++) {
      const v = Number(x.data[i]);
      check(v, i, cols);
      data[i] = v;
    }
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
    if (row.length !== cols) {
      throw new ShapeError(`${name}: row ${r} has ${row.length} values, expected ${cols} like row 0`);
    }
    for (let c = 0; c < cols; c++) {
      const v = Number(row[c]);
      check(v, r * cols + c, cols);
      data[r * cols + c] = v;
    }
  }
  return { data, rows, cols };
}

function checkLabel(name: string) {
  return (v: number, i: number, cols: number): void => {
    if (!Number.isFinite(v)) {
      throw new ValueError(`${name}: row ${Math.floor(i / cols)}, column ${i % cols} is ${v}; labels must be finite numbers`);
    }
  };
}

function checkDistance(name: string) {
  return (v: number, i: number, cols: number): void => {
    if (Number.isNaN(v)) throw new ValueError(`${name}: row ${Math.floor(i / cols)}, column ${i % cols} is NaN`);
  };
}

/** Lookup labels as a [queries x neighbours] matrix. */
export function toLabelMatrix(x: RowsLike, name = 'lookupLabels'): LabelMatrix {
  return fill(x, name, (n) => new Float64Array(n), checkLabel(name)) as LabelMatrix;
}

/** Lookup distances as a [queries x neighbours] float32 matrix (NaN rejected, Infinity allowed). */
export function toDistanceMatrix(x: RowsLike, name = 'lookupDistances'): DistanceMatrix {
  return fill(x, name, (n) => new Float32Array(n), checkDistance(name)) as DistanceMatrix;
}

/**
 * Query labels as a vector. A column matrix (`[[1], [2]]`, shape [n, 1]) is
 * accepted too, as the Python library accepts a rank-2 label tensor.
 */
export function toLabelVector(x: ArrayLike<number> | ReadonlyArray<ArrayLike<number>>, name = 'queryLabels'): Float64Array {
  if (x == null || typeof (x as ArrayLike<number>).length !== 'number' || typeof x === 'string') {
    throw new ShapeError(`${name} must be an array of labels`);
  }
  const n = (x as ArrayLike<unknown>).length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let v: unknown = (x as ArrayLike<unknown>)[i];
    if (v != null && typeof v === 'object' && typeof (v as ArrayLike<number>).length === 'number') {
      const row = v as ArrayLike<number>;
      if (row.length !== 1) throw new ShapeError(`${name} must be a vector or an [n, 1] column; row ${i} has ${row.length} values`);
      v = row[0];
    }
    const num = Number(v);
    if (v === null || v === undefined || !Number.isFinite(num)) {
      throw new ValueError(`${name}[${i}] is ${String(v)}; labels must be finite numbers`);
    }
    out[i] = num;
  }
  return out;
}

/** Distance thresholds as a float32 vector sorted ascending (NaN rejected). */
export function toSortedThresholds(x: ArrayLike<number>, name = 'distanceThresholds'): Float32Array {
  if (x == null || typeof x.length !== 'number') throw new ShapeError(`${name} must be an array of numbers`);
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const v = Number(x[i]);
    if (Number.isNaN(v)) throw new ValueError(`${name}[${i}] is NaN`);
    out[i] = v;
  }
  return out.sort();
}
