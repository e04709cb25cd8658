/**
 * The skeleton every search class shares: the checked distance, dimension and
 * name, and the one-row `add` and `lookup` that forward to the batch methods.
 */
import type { RowDistance as Distance } from '@tfsim/distances/rows';
import { type Matrix, type MatrixLike, type OptionKeys, ValueError } from '@tfsim/utils/core';

import { DEFAULT_K, neighbourCount, queryMatrix, queryRow, type Ranked, resolveTies, searchBasics, TIE_SLACK } from './common';
import type { Neighbors, Search, SearchConfig, SearchDistance } from './search';

/** Options of a search that adds to a native index in chunks, reporting progress between them. */
export interface ChunkedAddOptions {
  /** Rows per native add call; progress is reported between chunks. Default 10,000. */
  addChunk?: number;
  /** Called after each chunk of a batch add with (rows added, rows in the batch). */
  onProgress?: (done: number, total: number) => void;
}

export const CHUNKED_ADD_KEYS: OptionKeys<ChunkedAddOptions> = { addChunk: true, onProgress: true };

/**
 * A search class over typed arrays. Every search:
 * - keeps the ids given to `batchAdd` (duplicates and negative ids are fine),
 *   mapping its own row numbers back to them;
 * - returns neighbours nearest first, ties by ascending id (for the inner
 *   product, a similarity, `distances` holds the similarities, largest first);
 * - rejects option keys it does not know (a typo is an error, not ignored).
 */
export abstract class BaseSearch<O extends { name?: string }> implements Search {
  readonly name: string;
  readonly distance: Distance;
  readonly dim: number;

  /**
   * Checks the options' keys against the class's static `optionKeys`, the
   * distance, the dimension and the integer options (each at least its
   * minimum); `defaultName` names the search unless `options.name` does.
   */
  protected constructor(
    distance: SearchDistance,
    dim: number,
    options: O,
    defaultName: string,
    integers: ReadonlyArray<readonly [keyof O & string, number]> = [],
  ) {
    const searchClass = new.target as unknown as { name: string; optionKeys: OptionKeys<O> };
    ({
      distance: this.distance,
      dim: this.dim,
      name: this.name,
    } = searchBasics(searchClass, distance, dim, options, defaultName, integers));
  }

  abstract size(): number;

  isBuilt(): boolean {
    return true;
  }

  add(embedding: ArrayLike<number>, id: number): void {
    this.batchAdd(queryRow(embedding, this.dim), [id]);
  }

  abstract batchAdd(embeddings: MatrixLike, ids: ArrayLike<number>): void;

  lookup(embedding: ArrayLike<number>, k = DEFAULT_K): Neighbors {
    return this.batchLookup(queryRow(embedding, this.dim), k)[0]!;
  }

  abstract batchLookup(embeddings: MatrixLike, k?: number): Neighbors[];
  abstract reset(): void;
  abstract save(dir: string): Promise<void>;
  abstract load(dir: string): Promise<void>;
  abstract getConfig(): SearchConfig;

  /**
   * A batch lookup on a native index that answers each query with candidates
   * in its own order: `index.search` is asked for k + TIE_SLACK per query of
   * the rows `index.prepare` gives, `index.collect` ranks one query's, and a
   * query whose ties may run past the fetch is asked again, alone, with more.
   */
  protected fetchedLookup<F>(
    embeddings: MatrixLike,
    k: number,
    size: number,
    index: {
      prepare(queries: Matrix): Float32Array;
      search(data: Float32Array, fetch: number): F;
      collect(found: F, query: number, fetch: number, kk: number): Ranked;
    },
  ): Neighbors[] {
    const queries = queryMatrix(embeddings, this.dim);
    const kk = neighbourCount(k, size);
    if (queries.rows === 0) return [];
    const data = index.prepare(queries);
    const fetch = Math.min(size, kk + TIE_SLACK);
    const found = index.search(data, fetch);
    return resolveTies(
      queries.rows,
      size,
      fetch,
      (i) => index.collect(found, i, fetch, kk),
      (i, more) => index.collect(index.search(data.subarray(i * this.dim, (i + 1) * this.dim), more), 0, more, kk),
    );
  }

  /**
   * The native metric of this search's distance, from `metrics` (distance
   * name to metric); a distance it does not list is a ValueError that names
   * the ones it serves.
   */
  protected metricOf<M>(metrics: Readonly<Record<string, M>>): M {
    const metric = Object.hasOwn(metrics, this.distance.name) ? metrics[this.distance.name] : undefined;
    if (metric === undefined) {
      throw new ValueError(
        `${this.constructor.name} does not serve distance "${this.distance.name}" (it serves ${Object.keys(metrics).join(', ')}); use LinearSearch`,
      );
    }
    return metric;
  }
}
