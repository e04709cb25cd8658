/**
 * The one input layer: every package parses matrices, vectors and labels
 * that callers hand it through these functions, so the same mistake gets the
 * same answer whichever door it comes in by. One rule each:
 *
 * - numbers are values of type `number` (not `null`, `'1'`, `true`, `''`);
 *   embeddings must also be finite;
 * - labels are safe integers (`Number.isSafeInteger`), or `null` where a
 *   record may be unlabelled;
 * - errors name the argument and, when given, the call: "queries
 *   (Indexer.batchLookup): row 1 has 3 values, expected 4 like row 0".
 */
import { ShapeError, ValueError } from './errors';
import type { Label } from './types';

/** Where an input enters: the argument's name and the call it was passed to. */
export interface InputContext {
  /** The argument: "queries", "labels", ... */
  name?: string;
  /** The call: "Indexer.batchAdd", "MemoryEvaluator.calibrate", ... */
  op?: string;
}

/** A matrix given as rows (`number[][]`, `Float32Array[]`) or as `{data, rows, cols}` (row-major). */
export type RowsLike<T = number> =
  ReadonlyArray<ArrayLike<T>> | { readonly data: ArrayLike<T>; readonly rows: number; readonly cols: number };

/**
 * What a value must be: `finite` (embeddings), `number` (NaN rejected,
 * Infinity allowed: distances, thresholds), `any` (any number, NaN included),
 * `label` (a safe integer), `mask` (a boolean, 0 or 1; stored as 1 / 0).
 */
export type ValueRule = 'finite' | 'number' | 'any' | 'label' | 'mask';

export type RowsDtype = 'float32' | 'float64' | 'uint8';
export type RowsArray<D extends RowsDtype> = D extends 'float64' ? Float64Array : D extends 'uint8' ? Uint8Array : Float32Array;

export interface Rows<A> {
  data: A;
  rows: number;
  cols: number;
}

export interface RowsOptions<D extends RowsDtype = 'float32'> extends InputContext {
  /** Default `finite`. */
  rule?: ValueRule;
  /** Storage of the result. Default `float32`. */
  dtype?: D;
  /** Required number of columns. */
  cols?: number;
  /** Accept zero rows. Default true. */
  allowEmpty?: boolean;
  /**
   * Copy a `{data, rows, cols}` whose data already has the right type (rows
   * are always copied). Default false: it is checked and used as is. Pass
   * true where the values are kept after the call returns, so that a caller
   * reusing its buffer cannot change them later.
   */
  copy?: boolean;
}

const CTORS = { float32: Float32Array, float64: Float64Array, uint8: Uint8Array } as const;

/** "queries" or "queries (Indexer.batchLookup)". */
export function describeInput(ctx: InputContext, fallback: string): string {
  const name = ctx.name ?? fallback;
  return ctx.op ? `${name} (${ctx.op})` : name;
}

function shown(v: unknown): string {
  if (typeof v === 'string') return `'${v.length > 20 ? `${v.slice(0, 20)}...` : v}' (a string)`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint' || v == null) return String(v);
  return `a value of type ${Array.isArray(v) ? 'array' : typeof v}`;
}

const EXPECTED: Record<ValueRule, string> = {
  finite: 'values must be finite',
  number: 'values must be numbers (not NaN)',
  any: 'values must be numbers',
  label: 'labels must be safe integers',
  mask: 'mask values must be booleans, 0 or 1',
};

/** The stored value of `v` under `rule`, or undefined when `v` breaks it. */
function accept(v: unknown, rule: ValueRule): number | undefined {
  if (rule === 'mask') {
    if (typeof v === 'boolean') return v ? 1 : 0;
    return v === 0 || v === 1 ? v : undefined;
  }
  if (typeof v !== 'number') return undefined;
  switch (rule) {
    case 'finite':
      return Number.isFinite(v) ? v : undefined;
    case 'number':
      return Number.isNaN(v) ? undefined : v;
    case 'label':
      return Number.isSafeInteger(v) ? v : undefined;
    default:
      return v;
  }
}

function rejectValue(who: string, v: unknown, where: string, rule: ValueRule): never {
  throw new ValueError(`${who} contains ${shown(v)} at ${where}; ${EXPECTED[rule]}`);
}

function isFlat(x: unknown): x is { data: ArrayLike<unknown>; rows: number; cols: number } {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'data' in x && 'rows' in x && 'cols' in x;
}

function isArrayLike(x: unknown): x is ArrayLike<unknown> {
  return x != null && typeof x === 'object' && typeof (x as ArrayLike<unknown>).length === 'number';
}

/** Whether every value of a float array obeys `rule` (`finite`: v - v is 0 for finite v, NaN otherwise; `number`: not NaN). */
function floatRule(data: Float32Array | Float64Array, rule: ValueRule): boolean {
  if (rule === 'any') return true;
  if (rule === 'finite') {
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v - v !== 0) return false;
    }
    return true;
  }
  if (rule === 'number') {
    for (let i = 0; i < data.length; i++) {
      const v = data[i]!;
      if (v !== v) return false;
    }
    return true;
  }
  return false;
}

/**
 * A 2-D input (rows, or `{data, rows, cols}`) checked value by value under
 * `rule` into one row-major typed array. The one matrix parser of the project.
 */
export function toRows<D extends RowsDtype = 'float32'>(x: RowsLike<unknown>, opts: RowsOptions<D> = {}): Rows<RowsArray<D>> {
  const who = describeInput(opts, 'matrix');
  const rule = opts.rule ?? 'finite';
  const Ctor = CTORS[opts.dtype ?? 'float32'];
  let out: Rows<RowsArray<D>>;
  if (isFlat(x)) {
    const { rows, cols } = x;
    if (
      !Number.isSafeInteger(rows) ||
      !Number.isSafeInteger(cols) ||
      rows < 0 ||
      cols < 0 ||
      !isArrayLike(x.data) ||
      x.data.length !== rows * cols
    ) {
      throw new ShapeError(
        `${who}: data of length ${String((x.data as ArrayLike<unknown>)?.length)} does not hold ${rows} x ${cols} values`,
      );
    }
    const reuse = x.data instanceof Ctor && !opts.copy;
    const data = (reuse ? x.data : new Ctor(rows * cols)) as RowsArray<D>;
    const typed = x.data instanceof Ctor;
    // Float rows used as they are (queries and re-scored keys on a search's hot path): a float array holds numbers
    // only, so `any` needs no look and `finite` / `number` one tight scan; the general loop below then runs only to
    // name the first bad value.
    const scanned = reuse && Ctor !== Uint8Array && floatRule(x.data as Float32Array | Float64Array, rule);
    for (let i = 0; i < (scanned ? 0 : rows * cols); i++) {
      const v = x.data[i];
      // a typed array of the target type holds numbers already: only the rule's range is left to check
      const a = accept(typed && rule === 'mask' ? Boolean(v) : v, rule);
      if (a === undefined) rejectValue(who, v, cols > 0 ? `row ${Math.floor(i / cols)}, column ${i % cols}` : `position ${i}`, rule);
      if (!reuse) data[i] = a;
    }
    out = { data, rows, cols };
  } else if (Array.isArray(x)) {
    const rows = x.length;
    const first: unknown = x[0];
    const cols = rows > 0 ? (isArrayLike(first) ? first.length : -1) : (opts.cols ?? 0);
    const data = new Ctor(rows * Math.max(cols, 0)) as RowsArray<D>;
    for (let r = 0; r < rows; r++) {
      const row: unknown = x[r];
      if (!isArrayLike(row)) throw new ShapeError(`${who} must be a 2D array of rows: row ${r} is ${shown(row)}`);
      if (row.length !== cols) throw new ShapeError(`${who}: row ${r} has ${row.length} values, expected ${cols} like row 0`);
      for (let c = 0; c < cols; c++) {
        const a = accept(row[c], rule);
        if (a === undefined) rejectValue(who, row[c], `row ${r}, column ${c}`, rule);
        data[r * cols + c] = a;
      }
    }
    out = { data, rows, cols };
  } else {
    throw new ShapeError(`${who} must be an array of rows or {data, rows, cols}, got ${shown(x)}`);
  }
  if (opts.cols !== undefined && out.cols !== opts.cols && out.rows > 0) {
    throw new ShapeError(`${who} has dimension ${out.cols}, expected ${opts.cols}`);
  }
  if (out.rows === 0 && opts.allowEmpty === false) throw new ShapeError(`${who} is empty`);
  return out;
}

export interface VectorOptions<D extends RowsDtype = 'float32'> extends InputContext {
  /** Default `finite`. */
  rule?: ValueRule;
  /** Default `float32`. */
  dtype?: D;
  /** Required length, and what it is the length of: `{ length: 4, of: 'queries' }`. */
  expected?: { length: number; of: string };
}

/** A 1-D input (an array or typed array) checked value by value under `rule`. */
export function toVector<D extends RowsDtype = 'float32'>(x: ArrayLike<unknown>, opts: VectorOptions<D> = {}): RowsArray<D> {
  const who = describeInput(opts, 'vector');
  const rule = opts.rule ?? 'finite';
  if (!isArrayLike(x)) throw new ShapeError(`${who} must be an array, got ${shown(x)}`);
  checkLength(x, who, opts.expected);
  const out = new CTORS[opts.dtype ?? 'float32'](x.length) as RowsArray<D>;
  for (let i = 0; i < x.length; i++) {
    const a = accept(x[i], rule);
    if (a === undefined) {
      throw new ValueError(
        `${describeInput({ name: `${opts.name ?? 'vector'}[${i}]`, op: opts.op }, '')} is ${shown(x[i])}; ${EXPECTED[rule]}`,
      );
    }
    out[i] = a;
  }
  return out;
}

function checkLength(x: ArrayLike<unknown>, who: string, expected: { length: number; of: string } | undefined): void {
  if (expected && x.length !== expected.length) {
    throw new ShapeError(`${who} has ${x.length} entries but there are ${expected.length} ${expected.of}`);
  }
}

export interface LabelsOptions extends InputContext {
  /** Accept `null` / `undefined` entries (unlabelled records). Default false. */
  nullable?: boolean;
  /** Required length, and what it is the length of: `{ length: 4, of: 'embeddings' }`. */
  expected?: { length: number; of: string };
}

/** One label: a safe integer (or null when `nullable`). */
export function toLabel(v: unknown, opts: LabelsOptions & { nullable: true }): Label | null;
export function toLabel(v: unknown, opts?: LabelsOptions): Label;
export function toLabel(v: unknown, opts: LabelsOptions = {}): Label | null {
  if (v == null && opts.nullable) return null;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  throw new ValueError(`${describeInput(opts, 'label')} is ${shown(v)}; ${EXPECTED.label}${opts.nullable ? ' or null' : ''}`);
}

/**
 * Labels, one per example: safe integers (or null when `nullable`). A column
 * (`[[1], [2]]`, shape [n, 1]) is read as a vector, as the Python library
 * reads a rank-2 label tensor.
 */
export function toLabels(x: ArrayLike<unknown>, opts: LabelsOptions & { nullable: true }): Array<Label | null>;
export function toLabels(x: ArrayLike<unknown>, opts?: LabelsOptions): Float64Array;
export function toLabels(x: ArrayLike<unknown>, opts: LabelsOptions = {}): Float64Array | Array<Label | null> {
  const who = describeInput(opts, 'labels');
  if (!isArrayLike(x)) throw new ShapeError(`${who} must be an array of labels, got ${shown(x)}`);
  checkLength(x, who, opts.expected);
  const out = opts.nullable ? new Array<Label | null>(x.length) : new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    let v = x[i];
    if (isArrayLike(v)) {
      if (v.length !== 1) throw new ShapeError(`${who} must be a vector or an [n, 1] column; row ${i} has ${v.length} values`);
      v = v[0];
    }
    out[i] = toLabel(v, { nullable: opts.nullable, name: `${opts.name ?? 'labels'}[${i}]`, op: opts.op }) as Label;
  }
  return out;
}

/** Neighbour labels, [queries x k] (float64 holds every safe-integer label exactly). */
export type LabelMatrix = Rows<Float64Array>;
/** Neighbour distances, [queries x k], float32 like the Python library's tensors. */
export type DistanceMatrix = Rows<Float32Array>;

/** Neighbour labels as a [queries x k] matrix of safe integers. */
export function toLabelMatrix(x: RowsLike<unknown>, ctx: InputContext = {}): LabelMatrix {
  return toRows(x, { name: 'lookupLabels', ...ctx, rule: 'label', dtype: 'float64' });
}

/** Neighbour distances as a [queries x k] float32 matrix (NaN rejected, Infinity kept). */
export function toDistanceMatrix(x: RowsLike<unknown>, ctx: InputContext = {}): DistanceMatrix {
  return toRows(x, { name: 'lookupDistances', ...ctx, rule: 'number', dtype: 'float32' });
}
