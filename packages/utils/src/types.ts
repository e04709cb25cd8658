/** Class id of an example. TensorFlow Similarity uses integer labels. */
export type Label = number;

/**
 * A dense float32 matrix, row-major: row `i` is `data.subarray(i * cols, (i + 1) * cols)`.
 * The index side (stores, search, evaluators, indexer) exchanges embeddings in
 * this form, so that it never needs TensorFlow.js.
 */
export interface Matrix {
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/** A matrix, or a list of rows (`Float32Array[]`, `number[][]`). */
export type MatrixLike = Matrix | ReadonlyArray<ArrayLike<number>>;

/** One neighbour found for a query: the Python library's `Lookup`. */
export interface Lookup {
  /** 1 for the nearest neighbour. */
  rank: number;
  distance: number;
  label?: Label | null;
  embedding?: Float32Array;
  data?: unknown;
}

/** What an index stores per item. */
export interface IndexedItem {
  id: number;
  embedding: Float32Array;
  label: Label | null;
  data: unknown;
}
