import { promises as fsp } from 'node:fs';
import { endianness } from 'node:os';
import * as path from 'node:path';

import {
  type ArrayDescriptor,
  BackendError,
  createProgress,
  FormatError,
  type Matrix,
  type MatrixLike,
  type OptionKeys,
  ValueError,
  writeArray,
} from '@tfsim/utils/core';

import { BaseSearch, CHUNKED_ADD_KEYS, type ChunkedAddOptions } from './base';
import { checkAddBatch, DEFAULT_K, distanceFromNative, type Ranked, rankFetched, rowsToRemove, withoutRows } from './common';
import { checkFiniteValues, readRegularArray, readSearchFolder, type SearchManifestHead, writeSearchFolder } from './files';
import { moduleOrThrow, optionalModule } from './optional';
import type { Neighbors, SearchConfig, SearchDistance } from './search';
import { checkUsearchFile } from './usearch-file';

export const USEARCH_FORMAT = 'tfsim.search.usearch';
/** Version 2 lists the removed keys of an HNSW graph; a search that removed none is still written as version 1. */
export const USEARCH_FORMAT_VERSION = 2;
const NO_REMOVALS_VERSION = 1;

/** Storage precision of the vectors in the graph. */
export type UsearchPrecision = 'f32' | 'f16' | 'i8';
type UsearchMetric = 'ip' | 'l2sq';

/** The parts of usearch's `Index` this module uses. */
export interface UsearchIndex {
  add(keys: BigUint64Array, vectors: Float32Array, threads?: number): void;
  search(vectors: Float32Array, k: number, threads: number): { keys: BigUint64Array; distances: Float32Array; counts?: BigUint64Array };
  remove(keys: BigUint64Array): unknown;
  size(): number;
  dimensions(): number;
  save(file: string): void;
  load(file: string): void;
}

/** The usearch module (or anything shaped like it). */
export interface UsearchBinding {
  Index: new (config: {
    dimensions: number;
    metric: string;
    quantization: string;
    connectivity: number;
    expansion_add: number;
    expansion_search: number;
    multi: boolean;
  }) => UsearchIndex;
  exactSearch(
    dataset: Float32Array,
    queries: Float32Array,
    dimensions: number,
    count: number,
    metric: string,
    threads?: number,
  ): { keys: BigUint64Array; distances: Float32Array; counts?: BigUint64Array };
}

// usearch is an optional dependency, loaded on first use only.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadUsearch = optionalModule(() => require('usearch') as UsearchBinding);

/** True when the optional package usearch loads here; UsearchSearch needs it. */
export function usearchAvailable(): boolean {
  return loadUsearch().module !== undefined;
}

/** Why usearch does not load here, or undefined when it does. */
export function usearchUnavailableReason(): string | undefined {
  return loadUsearch().error;
}

export interface UsearchSearchOptions extends ChunkedAddOptions {
  name?: string;
  /** HNSW links per node (usearch's M). Default 16. */
  connectivity?: number;
  /** Candidate list size while adding (efConstruction). Default 128. */
  expansionAdd?: number;
  /** Candidate list size while searching (efSearch). Default 64. */
  expansionSearch?: number;
  /**
   * Storage of the vectors: `f32` (default), `f16` (half the memory), `i8`
   * (a quarter; every component must lie in [-1, 1], as in unit-length
   * embeddings: usearch scales by 127 and truncates).
   */
  precision?: UsearchPrecision;
  /** Exact search (usearch's SIMD brute force over f32 rows) instead of HNSW. Default false. */
  exact?: boolean;
  /** Threads usearch may use for adds and searches; 0 (default) lets it choose. */
  threads?: number;
  /** The usearch module to use; default `require('usearch')`. */
  binding?: UsearchBinding;
}

type UsearchManifest = SearchManifestHead & {
  precision: UsearchPrecision;
  exact: boolean;
  connectivity: number;
  expansionAdd: number;
  expansionSearch: number;
  /** HNSW: usearch's own file and its byte length. */
  index: { file: string; bytes: number } | null;
  /** `ids` has one entry per key; version 2 lists the keys removed from the graph in `removed`. */
  arrays: { embeddings?: ArrayDescriptor; removed?: ArrayDescriptor };
};

/** `keyWords`: the 64-bit keys as 32-bit words, read without making a BigInt per key (keys are row numbers, below 2^31). */
type RawResults = { keyWords: Uint32Array; distances: Float32Array; counts: number[]; stride: number };

/** Which 32-bit word of a uint64 holds its low half. */
const LOW_WORD = endianness() === 'LE' ? 0 : 1;

function wordsOf(keys: BigUint64Array): Uint32Array {
  return new Uint32Array(keys.buffer, keys.byteOffset, keys.length * 2);
}

const INDEX_FILE = 'index.usearch';
/** usearch's i8 storage: components times 127, truncated. */
const I8_SCALE = 127 * 127;

/**
 * Nearest-neighbour search on usearch (the optional npm package `usearch`:
 * SIMD kernels chosen at run time): an HNSW graph with f32, f16 or i8
 * storage, or an exact search.
 *
 * - Ids are ours: usearch keys are row numbers, mapped back to the ids given
 *   to `batchAdd` (duplicates and negative ids are fine). `remove` takes
 *   rows out of the graph with usearch's own remove (their keys are never
 *   used again), or out of the rows of an exact search.
 * - Distances: inner product, cosine (`max(1 - q.k, 0)`, on the vectors as
 *   given: nothing is normalised, as for LinearSearch), euclidean and squared
 *   euclidean. Manhattan and SNR have no usearch metric (a ValueError).
 * - Results are sorted nearest first, ties by ascending id. HNSW is
 *   approximate: `expansionSearch` trades speed for recall. With f16 / i8
 *   storage, distances are those of the stored (rounded) vectors.
 * - Save writes our manifest, the ids, and usearch's own index file (plain
 *   data: vectors and graph), checked against the manifest and its own header
 *   before usearch reads it. An exact search saves its f32 rows instead.
 */
export class UsearchSearch extends BaseSearch<UsearchSearchOptions> {
  static readonly optionKeys: OptionKeys<UsearchSearchOptions> = {
    name: true,
    connectivity: true,
    expansionAdd: true,
    expansionSearch: true,
    precision: true,
    exact: true,
    threads: true,
    binding: true,
    ...CHUNKED_ADD_KEYS,
  };
  readonly precision: UsearchPrecision;
  readonly exact: boolean;
  readonly connectivity: number;
  readonly expansionAdd: number;
  readonly expansionSearch: number;
  private readonly binding: UsearchBinding;
  private readonly metric: UsearchMetric;
  private readonly threads: number;
  private readonly addChunk: number;
  private readonly onProgress: ((done: number, total: number) => void) | undefined;
  private index: UsearchIndex | undefined;
  /** Exact search: the rows, row-major, with spare capacity. */
  private rows: Float32Array = new Float32Array(0);
  /** The id of each key (a row number); removed keys keep their slot. */
  private ids: Int32Array = new Int32Array(0);
  /** Keys given so far (an exact search packs its rows on remove: there, keys === count). */
  private keys = 0;
  /** HNSW keys removed from the graph. */
  private removedKeys = new Set<number>();
  /** Rows held. */
  private count = 0;

  constructor(distance: SearchDistance, dim: number, options: UsearchSearchOptions = {}) {
    super(distance, dim, options, 'usearch', [
      ['connectivity', 2],
      ['expansionAdd', 1],
      ['expansionSearch', 1],
      ['threads', 0],
      ['addChunk', 1],
    ]);
    this.binding =
      options.binding ?? moduleOrThrow(loadUsearch(), 'UsearchSearch', 'the optional package usearch', 'install it, or use LinearSearch');
    this.connectivity = options.connectivity ?? 16;
    this.expansionAdd = options.expansionAdd ?? 128;
    this.expansionSearch = options.expansionSearch ?? 64;
    this.threads = options.threads ?? 0;
    this.addChunk = options.addChunk ?? 10_000;
    this.onProgress = options.onProgress;
    this.precision = options.precision ?? 'f32';
    if (!['f32', 'f16', 'i8'].includes(this.precision)) {
      throw new ValueError(`precision must be 'f32', 'f16' or 'i8', got ${JSON.stringify(this.precision)}`);
    }
    this.exact = options.exact ?? false;
    if (this.exact && this.precision !== 'f32')
      throw new ValueError(`an exact UsearchSearch stores f32 rows; precision ${this.precision} applies to HNSW`);
    this.metric = this.metricOf<UsearchMetric>({ inner_product: 'ip', cosine: 'ip', euclidean: 'l2sq', squared_euclidean: 'l2sq' });
    if (!this.exact) this.index = this.newIndex();
  }

  private newIndex(): UsearchIndex {
    return new this.binding.Index({
      dimensions: this.dim,
      metric: this.metric,
      quantization: this.precision,
      connectivity: this.connectivity,
      expansion_add: this.expansionAdd,
      expansion_search: this.expansionSearch,
      multi: false,
    });
  }

  size(): number {
    return this.count;
  }

  /** Adds rows with their ids, all or none; large batches report progress chunk by chunk. */
  batchAdd(embeddings: MatrixLike, ids: ArrayLike<number>): void {
    const batch = checkAddBatch(embeddings, ids, this.dim);
    const rows = batch.m.rows;
    if (rows === 0) return;
    if (this.precision === 'i8') this.checkI8Range(batch.m);
    const first = this.keys;
    const n = first + rows;
    const grownIds = n > this.ids.length ? new Int32Array(Math.max(n, Math.ceil(this.ids.length * 1.5), 16)) : this.ids;
    if (grownIds !== this.ids) grownIds.set(this.ids.subarray(0, first));
    if (this.exact) {
      let store = this.rows;
      if (n * this.dim > store.length) {
        store = new Float32Array(Math.max(n, Math.ceil((store.length / this.dim) * 1.5), 16) * this.dim);
        store.set(this.rows.subarray(0, first * this.dim));
      }
      store.set(batch.m.data.subarray(0, rows * this.dim), first * this.dim);
      this.rows = store;
    } else {
      this.addToGraph(batch.m, first);
    }
    grownIds.set(batch.ids, first);
    this.ids = grownIds;
    this.keys = n;
    this.count += rows;
  }

  private checkI8Range(m: Matrix): void {
    const data = m.data;
    for (let i = 0; i < m.rows * m.cols; i++) {
      const v = data[i]!;
      if (v > 1 || v < -1) {
        throw new ValueError(
          `i8 precision stores components in [-1, 1]; row ${Math.floor(i / m.cols)} has ${v} (normalise the embeddings, or use f16)`,
        );
      }
    }
  }

  private addToGraph(m: Matrix, first: number): void {
    const index = this.index!;
    const total = m.rows;
    const progress = createProgress({ label: `indexing (${this.name})`, total });
    let done = 0;
    try {
      while (done < total) {
        const end = Math.min(total, done + this.addChunk);
        const keys = new BigUint64Array(end - done);
        for (let r = 0; r < keys.length; r++) keys[r] = BigInt(first + done + r);
        index.add(keys, m.data.subarray(done * this.dim, end * this.dim), this.threads);
        progress.tick(end - done);
        done = end;
        this.onProgress?.(done, total);
      }
    } catch (err) {
      // All or none: take back the chunks already in the graph.
      if (done > 0) index.remove(BigUint64Array.from({ length: done }, (_, r) => BigInt(first + r)));
      progress.done('failed');
      throw new BackendError(`usearch could not add ${total} rows: ${(err as Error).message}`);
    }
    progress.done();
  }

  batchLookup(embeddings: MatrixLike, k = DEFAULT_K): Neighbors[] {
    return this.fetchedLookup(embeddings, k, this.count, {
      prepare: (queries) => queries.data.subarray(0, queries.rows * this.dim),
      search: (data, fetch) => this.search(data, fetch),
      collect: (found, query, fetch, kk) => this.collect(found, query, fetch, kk),
    });
  }

  /** Raw usearch results: `stride` slots per query (0 for one unbatched query), `counts` of them filled. */
  private search(data: Float32Array, fetch: number): RawResults {
    const raw = this.exact
      ? this.binding.exactSearch(this.rows.subarray(0, this.keys * this.dim), data, this.dim, fetch, this.metric, this.threads)
      : this.index!.search(data, fetch, this.threads);
    // usearch returns a single query's results unbatched: only the filled slots, no counts.
    if (!raw.counts) return { keyWords: wordsOf(raw.keys), distances: raw.distances, counts: [raw.keys.length], stride: 0 };
    return { keyWords: wordsOf(raw.keys), distances: raw.distances, counts: Array.from(raw.counts, Number), stride: fetch };
  }

  private collect(found: RawResults, query: number, fetch: number, kk: number): Ranked {
    const filled = found.counts[query]!;
    const offset = query * found.stride;
    const ids = new Int32Array(filled);
    const values = new Float32Array(filled);
    for (let j = 0; j < filled; j++) {
      ids[j] = this.ids[found.keyWords[2 * (offset + j) + LOW_WORD]!]!;
      values[j] = this.convert(found.distances[offset + j]!);
    }
    return rankFetched(ids, values, fetch, kk, this.distance.isSimilarity);
  }

  /** usearch's value (1 - q.k for ip, |q - k|^2 for l2sq; scaled for i8) as our distance. */
  private convert(value: number): number {
    const scale = this.precision === 'i8' ? I8_SCALE : 1;
    return distanceFromNative(this.distance.name, this.metric, (this.metric === 'ip' ? 1 - value : value) / scale);
  }

  reset(): void {
    this.index = this.exact ? undefined : this.newIndex();
    this.rows = new Float32Array(0);
    this.ids = new Int32Array(0);
    this.keys = 0;
    this.removedKeys = new Set();
    this.count = 0;
  }

  /** Removes the rows of `ids` (see Search.remove): from the graph with usearch's remove, or from the rows of an exact search. */
  remove(ids: ArrayLike<number>): void {
    const drop = rowsToRemove(this.ids.subarray(0, this.keys), ids, (key) => !this.removedKeys.has(key));
    if (drop.length === 0) return;
    if (this.exact) {
      const kept = withoutRows(this.rows, this.ids, this.keys, this.dim, drop);
      this.rows = kept.rows;
      this.ids = kept.ids;
      this.keys = this.count = kept.ids.length;
      return;
    }
    const index = this.index!;
    try {
      index.remove(BigUint64Array.from(drop, (key) => BigInt(key)));
    } catch (err) {
      throw new BackendError(`usearch could not remove ${drop.length} rows: ${(err as Error).message}`);
    }
    for (const key of drop) this.removedKeys.add(key);
    this.count -= drop.length;
    if (index.size() !== this.count)
      throw new BackendError(`usearch holds ${index.size()} rows after a remove, expected ${this.count}: reset the search`);
  }

  async save(dir: string): Promise<void> {
    const removed = Int32Array.from([...this.removedKeys].sort((a, b) => a - b));
    const version = removed.length > 0 ? USEARCH_FORMAT_VERSION : NO_REMOVALS_VERSION;
    await writeSearchFolder(
      dir,
      this,
      { format: USEARCH_FORMAT, version, size: this.count, ids: this.ids.slice(0, this.keys) },
      async (tmp) => {
        let index: UsearchManifest['index'] = null;
        const arrays: Record<string, ArrayDescriptor> = {};
        if (removed.length > 0) arrays.removed = await writeArray(tmp, 'removed.i32', removed);
        if (this.exact) {
          arrays.embeddings = await writeArray(tmp, 'embeddings.f32', this.rows.slice(0, this.keys * this.dim));
        } else {
          const file = path.join(tmp, INDEX_FILE);
          this.index!.save(file);
          index = { file: INDEX_FILE, bytes: (await fsp.stat(file)).size };
        }
        return {
          fields: {
            precision: this.precision,
            exact: this.exact,
            connectivity: this.connectivity,
            expansionAdd: this.expansionAdd,
            expansionSearch: this.expansionSearch,
            index,
          },
          arrays,
        };
      },
    );
  }

  /**
   * Loads a folder written by `save` into this search, whose distance,
   * dimension, precision and mode must match; search parameters
   * (expansionSearch, threads) stay this instance's.
   */
  async load(dir: string): Promise<void> {
    const { manifest, ids } = await readSearchFolder<UsearchManifest>(
      dir,
      USEARCH_FORMAT,
      [NO_REMOVALS_VERSION, USEARCH_FORMAT_VERSION],
      this,
    );
    if (manifest.precision !== this.precision || manifest.exact !== this.exact) {
      throw new FormatError(
        `${dir} holds a${manifest.exact ? 'n exact' : ''} ${String(manifest.precision)} index; this search is ` +
          `${this.exact ? 'exact' : 'HNSW'} ${this.precision}`,
      );
    }
    const size = manifest.size;
    const removed = await this.readRemoved(dir, manifest, ids.length);
    if (ids.length !== size + removed.size)
      throw new FormatError(`${dir}: ${ids.length} ids for ${size} rows and ${removed.size} removed keys`);
    if (this.exact) {
      const rows = await readRegularArray(dir, manifest.arrays?.embeddings as ArrayDescriptor, 'float32');
      if (rows.length !== size * this.dim) throw new FormatError(`${dir}: the rows do not hold ${size} x ${this.dim} values`);
      checkFiniteValues(rows, dir);
      this.rows = rows;
    } else {
      const entry = manifest.index;
      if (!entry || typeof entry.file !== 'string' || path.basename(entry.file) !== entry.file) {
        throw new FormatError(`${dir}: the manifest names no valid usearch index file`);
      }
      const file = path.join(dir, entry.file);
      await checkUsearchFile(file, { metric: this.metric, scalar: this.precision, dim: this.dim, size, bytes: entry.bytes });
      const index = this.newIndex();
      try {
        index.load(file);
      } catch (err) {
        throw new FormatError(`${file}: usearch cannot read it: ${(err as Error).message}`);
      }
      if (index.size() !== size || index.dimensions() !== this.dim) {
        throw new FormatError(`${file}: holds ${index.size()} rows of dimension ${index.dimensions()}, expected ${size} of ${this.dim}`);
      }
      this.index = index;
    }
    this.ids = ids;
    this.keys = ids.length;
    this.removedKeys = removed;
    this.count = size;
  }

  /** Version 2 of an HNSW search: the removed keys, ascending, each below the number of keys. */
  private async readRemoved(dir: string, manifest: UsearchManifest, keys: number): Promise<Set<number>> {
    const descriptor = manifest.arrays?.removed;
    if (manifest.version === NO_REMOVALS_VERSION || this.exact) {
      if (descriptor !== undefined) throw new FormatError(`${dir}: only a version 2 HNSW search lists removed keys`);
      return new Set();
    }
    const removed = await readRegularArray(dir, descriptor, 'int32');
    removed.forEach((key, i) => {
      if (key < (i === 0 ? 0 : removed[i - 1]! + 1) || key >= keys) {
        throw new FormatError(`${dir}: removed key ${i} is ${key}; removed keys are ascending, from 0 to ${keys - 1}`);
      }
    });
    return new Set(removed);
  }

  getConfig(): SearchConfig {
    return {
      type: 'usearch',
      distance: this.distance.name,
      dim: this.dim,
      name: this.name,
      precision: this.precision,
      exact: this.exact,
      connectivity: this.connectivity,
      expansionAdd: this.expansionAdd,
      expansionSearch: this.expansionSearch,
    };
  }
}
