/**
 * What the retrieval metrics are computed from, and the match mask and class
 * counts derived from it. Matrices and labels are parsed by the input layer
 * of @tfsim/utils.
 */
import { type RowsLike, ShapeError, toLabelMatrix, toLabels, ValueError } from '@tfsim/utils/core';

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

/**
 * The match mask: `mask[i][j]` is true when neighbour j of query i has the
 * query's label (the Python library's `compute_match_mask`).
 */
export function computeMatchMask(queryLabels: ArrayLike<number>, lookupLabels: RowsLike): Mask {
  const q = toLabels(queryLabels, { name: 'queryLabels' });
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
    if (!Number.isSafeInteger(label)) throw new ValueError(`${name}: key ${String(key)} is not a label (a safe integer)`);
    if (!Number.isInteger(count) || count < 0) {
      throw new ValueError(`${name}[${String(key)}] must be a count (an integer >= 0), got ${String(value)}`);
    }
    out.set(label, count);
  }
  return out;
}
