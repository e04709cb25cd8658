/**
 * The Search contract (the Python library's `Search`, in camelCase): nearest
 * neighbours of query embeddings among indexed ones, over typed arrays.
 */
import type { DistanceConfig, RowDistance as Distance } from '@tfsim/distances/rows';
import type { MatrixLike } from '@tfsim/utils/core';

/** What a search's constructor takes for its distance: a distance, its config, or its name or alias. */
export type SearchDistance = Distance | DistanceConfig | string;

/** The neighbours of one query, nearest first; ties broken by ascending id. */
export interface Neighbors {
  ids: Int32Array;
  distances: Float32Array;
}

export interface SearchConfig {
  /** Implementation: `linear`, `faiss`, ... */
  type: string;
  distance: string;
  dim: number;
  name: string;
  [key: string]: unknown;
}

export interface Search {
  readonly name: string;
  readonly distance: Distance;
  readonly dim: number;
  /** Number of indexed embeddings. */
  size(): number;
  /** True once the index can answer lookups (trained, where it needs training). */
  isBuilt(): boolean;
  add(embedding: ArrayLike<number>, id: number): void;
  /** Adds every row with its id; all or none. */
  batchAdd(embeddings: MatrixLike, ids: ArrayLike<number>): void;
  /**
   * The k nearest (k defaults to 5). When fewer than k items are indexed, all
   * of them are returned; k < 1 and an empty index are errors.
   */
  lookup(embedding: ArrayLike<number>, k?: number): Neighbors;
  batchLookup(embeddings: MatrixLike, k?: number): Neighbors[];
  /**
   * Removes the rows of the given ids, all or none (an id the search does not
   * hold, or listed twice, is a ValueError and nothing changes); the other
   * rows keep their ids. Optional: a search that cannot remove (faiss HNSW,
   * IVF, PQ) throws a ValueError saying so, or leaves the method out.
   */
  remove?(ids: ArrayLike<number>): void;
  /** Removes every embedding, as if newly created. */
  reset(): void;
  save(dir: string): Promise<void>;
  load(dir: string): Promise<void>;
  getConfig(): SearchConfig;
}
