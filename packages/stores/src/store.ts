/**
 * The Store contract (the Python library's `Store`, in camelCase): a
 * key-value store of embedding, label and arbitrary JSON-serialisable data per
 * integer id. Asynchronous because persistent stores do I/O.
 */
import type { IndexedItem, Label, MatrixLike } from '@tfsim/utils/core';

export interface StoredRecord {
  embedding: Float32Array;
  label: Label | null;
  data: unknown;
}

/** Records in the Python library's `batch_get` order: parallel lists. */
export interface StoredRecords {
  embeddings: Float32Array[];
  labels: Array<Label | null>;
  data: unknown[];
}

/** A batch's labels, one per row (null: that row has none); absent or null: no labels at all. */
export type BatchLabels = ReadonlyArray<Label | null> | null;

/** A batch's data, one JSON-serialisable entry per row; absent or null: no data at all. */
export type BatchData = ReadonlyArray<unknown> | null;

export interface StoreConfig {
  /** Implementation: `memory`, `level`, `redis`, ... */
  type: string;
  name: string;
  [key: string]: unknown;
}

export interface Store {
  readonly name: string;
  /** Adds one record and returns its id. Ids are 0, 1, 2, ... in insertion order (removed ones are not given again). */
  add(embedding: ArrayLike<number>, label?: Label | null, data?: unknown): Promise<number>;
  /**
   * Adds records atomically (all or none) and returns their ids. `labels` and
   * `data`, when given, have one entry per embedding.
   */
  batchAdd(embeddings: MatrixLike, labels?: BatchLabels, data?: BatchData): Promise<number[]>;
  /**
   * Removes records, all or none (an unknown, removed or repeated id is a
   * ValueError and nothing changes). Ids are stable: the other records keep
   * theirs, a removed id is never given again, and reading it is an error.
   * Optional: a store that cannot remove leaves it out.
   */
  remove?(ids: ArrayLike<number>): Promise<void>;
  /**
   * Replaces records in place, all or none: each id's embedding, label and
   * data become the given ones, checked as batchAdd checks them (absent
   * labels and data are null). Optional, with `remove`.
   */
  update?(ids: ArrayLike<number>, embeddings: MatrixLike, labels?: BatchLabels, data?: BatchData): Promise<void>;
  /** One record; an unknown id is an error. */
  get(id: number): Promise<StoredRecord>;
  batchGet(ids: ArrayLike<number>): Promise<StoredRecords>;
  /** Number of records held (removed ones not counted). */
  size(): Promise<number>;
  /** Writes the store to `dir` in the project's format (manifest + binary arrays). */
  save(dir: string): Promise<void>;
  /** Replaces the contents with those saved in `dir`; returns the number of records. */
  load(dir: string): Promise<number>;
  /** The first `numRecords` records (0: all) as rows, by ascending id: the Python `to_data_frame`. */
  toRecords(numRecords?: number): Promise<IndexedItem[]>;
  /** Removes every record. */
  reset(): Promise<void>;
  /** Releases connections and handles. */
  close(): Promise<void>;
  getConfig(): StoreConfig;
}
