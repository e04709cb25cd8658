import { promises as fsp } from 'node:fs';
import * as path from 'node:path';

import {
  assertInteger,
  BackendError,
  createProgress,
  FormatError,
  type Matrix,
  type MatrixLike,
  type OptionKeys,
  StateError,
  ValueError,
} from '@tfsim/utils/core';

import { BaseSearch, CHUNKED_ADD_KEYS, type ChunkedAddOptions } from './base';
import { checkAddBatch, DEFAULT_K, neighbourCount, queryMatrix, rowsToRemove, TIE_SLACK } from './common';
import { readSearchFolder, type SearchManifestHead, writeSearchFolder } from './files';
import { type HnswAddon, type HnswHandle, loadHnswAddon } from './hnsw-addon';
import { checkHnswFile } from './hnsw-file';
import { moduleOrThrow } from './optional';
import type { Neighbors, SearchConfig, SearchDistance } from './search';

export const HNSW_FORMAT = 'tfsim.search.hnsw';
export const HNSW_FORMAT_VERSION = 1;

/** `addChunk`: batchAddAsync also yields to the event loop between chunks. */
export interface HnswSearchOptions extends ChunkedAddOptions {
  name?: string;
  /** Links per node on the upper levels (2M at level 0), as faiss's and hnswlib's M. Default 16. */
  m?: number;
  /** Candidate list size while inserting. Default 128. */
  efConstruction?: number;
  /** Candidate list size while searching (at least k is used): trades speed for recall. Default 64. */
  efSearch?: number;
  /** Threads for batch adds and lookups. Default: every core. */
  threads?: number;
  /** Seed of the level draws: one thread builds the same graph on every run. Default 0. */
  seed?: number;
}

type HnswManifest = SearchManifestHead & {
  m: number;
  efConstruction: number;
  efSearch: number;
  seed: number;
  graph: { file: string; bytes: number };
};

/** hnsw-kernel.c's metrics. */
const METRIC_L2 = 0;
const METRIC_IP = 1;
/** hnsw-kernel.c's distances of lookup(): the graph's values converted as distanceFromNative (common.ts) does. */
const DISTANCE_CODES: Record<string, number> = { inner_product: 0, cosine: 1, squared_euclidean: 2, euclidean: 3 };
const GRAPH_FILE = 'graph.hnsw';

/**
 * Approximate nearest-neighbour search on our own HNSW graph (Malkov &
 * Yashunin), in C: the native addon `pnpm setup:native` builds
 * (packages/setup-native/src/hnsw-kernel.c), with SIMD distance kernels chosen
 * at run time and batches spread over threads.
 *
 * - Ids are ours: graph keys are row numbers, mapped back to the ids given to
 *   `batchAdd` (duplicates and negative ids are fine). `remove` marks rows
 *   deleted (tombstones): they still route searches, are never returned, and
 *   their keys are never used again.
 * - Distances: inner product, cosine (`max(1 - q.k, 0)` on the vectors as
 *   given, as LinearSearch; the graph is searched by inner product), euclidean
 *   and squared euclidean. Manhattan and SNR are a ValueError.
 * - Results are sorted nearest first, ties by ascending id; `efSearch`
 *   trades speed for recall.
 * - Adds are all or none; `batchAddAsync` yields to the event loop between
 *   chunks for large adds.
 * - Save writes our manifest, the ids and the graph file (plain data), whose
 *   header and length are checked before the addon reads it, and whose links
 *   and levels the addon checks as it reads.
 */
export class HnswSearch extends BaseSearch<HnswSearchOptions> {
  static readonly optionKeys: OptionKeys<HnswSearchOptions> = {
    name: true,
    m: true,
    efConstruction: true,
    efSearch: true,
    threads: true,
    seed: true,
    ...CHUNKED_ADD_KEYS,
  };
  readonly m: number;
  readonly efConstruction: number;
  readonly seed: number;
  private efSearchValue: number;
  private readonly addon: HnswAddon;
  private readonly metric: number;
  private readonly distanceCode: number;
  private readonly threads: number;
  private readonly addChunk: number;
  private readonly onProgress: ((done: number, total: number) => void) | undefined;
  private graph: HnswHandle;
  /** The id of each key (a row number); removed keys keep their slot (the graph holds which are removed). */
  private ids: Int32Array = new Int32Array(0);
  /** Keys given so far. */
  private keys = 0;
  /** Rows held (keys not removed). */
  private count = 0;
  /** Set while batchAddAsync runs: other changes and lookups wait for it. */
  private adding = false;

  constructor(distance: SearchDistance, dim: number, options: HnswSearchOptions = {}) {
    super(distance, dim, options, 'hnsw', [
      ['m', 2],
      ['efConstruction', 1],
      ['efSearch', 1],
      ['threads', 1],
      ['seed', 0],
      ['addChunk', 1],
    ]);
    const addon = moduleOrThrow(
      loadHnswAddon(),
      'HnswSearch',
      'the native HNSW addon',
      'or use UsearchSearch, FaissSearch with algo hnsw, or LinearSearch',
    );
    this.addon = addon;
    this.m = options.m ?? 16;
    if (this.m > 2048) throw new ValueError(`m must be at most 2048, got ${this.m}`);
    this.efConstruction = options.efConstruction ?? 128;
    this.efSearchValue = options.efSearch ?? 64;
    this.threads = options.threads ?? addon.cores;
    this.seed = options.seed ?? 0;
    if (this.seed > Number.MAX_SAFE_INTEGER) throw new ValueError(`seed must be a safe integer, got ${this.seed}`);
    this.addChunk = options.addChunk ?? 10_000;
    this.onProgress = options.onProgress;
    this.metric = this.metricOf({ inner_product: METRIC_IP, cosine: METRIC_IP, euclidean: METRIC_L2, squared_euclidean: METRIC_L2 });
    this.distanceCode = DISTANCE_CODES[this.distance.name]!;
    this.graph = this.newGraph();
  }

  private newGraph(): HnswHandle {
    return this.addon.create(this.dim, this.m, this.efConstruction, this.metric, this.seed);
  }

  /** Candidate list size of lookups. */
  get efSearch(): number {
    return this.efSearchValue;
  }

  /** Changes efSearch for the next lookups (the graph stays as built). */
  setSearchParameters(params: { efSearch?: number }): void {
    if (params.efSearch !== undefined) {
      assertInteger(params.efSearch, 'efSearch', 1);
      this.efSearchValue = params.efSearch;
    }
  }

  /** Which SIMD kernel the addon chose on this CPU (`avx512`, `avx2`, `scalar`). */
  get kernel(): string {
    return this.addon.kernel;
  }

  /** Bytes allocated for the graph in native memory (vectors, links, visited tables, with room to grow), plus the ids. */
  memoryBytes(): number {
    return this.addon.info(this.graph).bytes + this.ids.byteLength;
  }

  size(): number {
    return this.count;
  }

  /** Adds rows with their ids, all or none; large batches report progress chunk by chunk. */
  batchAdd(embeddings: MatrixLike, ids: ArrayLike<number>): void {
    for (const _ of this.addSteps(embeddings, ids));
  }

  /** batchAdd that yields to the event loop between chunks of `addChunk` rows (lookups and other changes wait for it). */
  async batchAddAsync(embeddings: MatrixLike, ids: ArrayLike<number>): Promise<void> {
    this.notAdding();
    this.adding = true;
    try {
      for (const _ of this.addSteps(embeddings, ids, true)) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      this.adding = false;
    }
  }

  private notAdding(): void {
    if (this.adding) throw new StateError(`${this.name}: a batchAddAsync is in progress; wait for it`);
  }

  /** The steps of an add, one per chunk; the rows count once the last chunk is in. */
  private *addSteps(embeddings: MatrixLike, ids: ArrayLike<number>, async = false): Generator<void> {
    if (!async) this.notAdding();
    const batch = checkAddBatch(embeddings, ids, this.dim);
    const rows = batch.m.rows;
    if (rows === 0) return;
    const first = this.keys;
    this.reserve(first + rows);
    this.ids.set(batch.ids, first);
    const progress = createProgress({ label: `indexing (${this.name})`, total: rows });
    let done = 0;
    let complete = false;
    try {
      while (done < rows) {
        const end = Math.min(rows, done + this.addChunk);
        this.addon.add(this.graph, this.chunkOf(batch.m, done, end), end - done, this.threads);
        progress.tick(end - done);
        done = end;
        this.keys = first + done;
        this.onProgress?.(done, rows);
        if (done < rows) yield;
      }
      complete = true;
    } catch (err) {
      throw new BackendError(`${this.name} could not add ${rows} rows: ${(err as Error).message}`);
    } finally {
      if (!complete) {
        // All or none: what reached the graph (the chunks done, and any of a chunk that failed part-way) becomes tombstones.
        const inGraph = this.addon.info(this.graph).count;
        this.markRemoved(first, inGraph);
        this.keys = inGraph;
        progress.done('failed');
      }
    }
    this.count += rows;
    progress.done();
  }

  private chunkOf(m: Matrix, start: number, end: number): Float32Array {
    return m.data.subarray(start * this.dim, end * this.dim);
  }

  /** Room for `keys` ids. */
  private reserve(keys: number): void {
    if (keys <= this.ids.length) return;
    const ids = new Int32Array(Math.max(keys, Math.ceil(this.ids.length * 1.5), 16));
    ids.set(this.ids.subarray(0, this.keys));
    this.ids = ids;
  }

  private markRemoved(start: number, end: number): void {
    if (end <= start) return;
    const keys = Int32Array.from({ length: end - start }, (_, i) => start + i);
    this.addon.setDeleted(this.graph, keys, 1);
  }

  /**
   * The addon searches, orders (distance, then id), maps keys to ids and
   * re-fetches ties running past the fetch, straight into one buffer per
   * batch; each query's Neighbors are views of it.
   */
  batchLookup(embeddings: MatrixLike, k = DEFAULT_K): Neighbors[] {
    this.notAdding();
    const queries = queryMatrix(embeddings, this.dim);
    const kk = neighbourCount(k, this.count);
    const rows = queries.rows;
    if (rows === 0) return [];
    const ids = new Int32Array(rows * kk);
    const distances = new Float32Array(rows * kk);
    const counts = new Int32Array(rows);
    const fetch = Math.min(this.count, kk + TIE_SLACK);
    this.addon.lookup(
      this.graph,
      queries.data,
      rows,
      kk,
      fetch,
      this.efSearchValue,
      this.threads,
      this.count,
      this.distanceCode,
      this.ids,
      ids,
      distances,
      counts,
    );
    const out: Neighbors[] = new Array(rows);
    for (let i = 0; i < rows; i++) {
      const start = i * kk;
      const end = start + counts[i]!;
      out[i] = { ids: ids.subarray(start, end), distances: distances.subarray(start, end) };
    }
    return out;
  }

  reset(): void {
    this.notAdding();
    this.graph = this.newGraph();
    this.ids = new Int32Array(0);
    this.keys = 0;
    this.count = 0;
  }

  /** Removes the rows of `ids` (see Search.remove): tombstones in the graph, never returned again. */
  remove(ids: ArrayLike<number>): void {
    this.notAdding();
    const removed = this.addon.deleted(this.graph);
    const drop = rowsToRemove(this.ids.subarray(0, this.keys), ids, (key) => removed[key] === 0);
    if (drop.length === 0) return;
    this.addon.setDeleted(this.graph, Int32Array.from(drop), 1);
    this.count -= drop.length;
  }

  async save(dir: string): Promise<void> {
    this.notAdding();
    await writeSearchFolder(
      dir,
      this,
      { format: HNSW_FORMAT, version: HNSW_FORMAT_VERSION, size: this.count, ids: this.ids.slice(0, this.keys) },
      async (tmp) => {
        const file = path.join(tmp, GRAPH_FILE);
        this.addon.save(this.graph, file);
        return {
          fields: {
            m: this.m,
            efConstruction: this.efConstruction,
            efSearch: this.efSearchValue,
            seed: this.seed,
            graph: { file: GRAPH_FILE, bytes: (await fsp.stat(file)).size },
          },
        };
      },
    );
  }

  /**
   * Loads a folder written by `save` into this search, whose distance,
   * dimension and m must match; efConstruction, efSearch and threads stay
   * this instance's.
   */
  async load(dir: string): Promise<void> {
    this.notAdding();
    const { manifest, ids } = await readSearchFolder<HnswManifest>(dir, HNSW_FORMAT, HNSW_FORMAT_VERSION, this);
    if (manifest.m !== this.m) throw new FormatError(`${dir} holds a graph of m ${String(manifest.m)}; this search has m ${this.m}`);
    const entry = manifest.graph;
    if (!entry || typeof entry.file !== 'string' || path.basename(entry.file) !== entry.file) {
      throw new FormatError(`${dir}: the manifest names no valid graph file`);
    }
    const file = path.join(dir, entry.file);
    await checkHnswFile(file, { dim: this.dim, m: this.m, metric: this.metric, count: ids.length, bytes: entry.bytes });
    let graph: HnswHandle;
    try {
      graph = this.addon.load(file, this.dim, this.m, this.metric, this.efConstruction, entry.bytes);
    } catch (err) {
      throw new FormatError(`${file}: ${(err as Error).message}`);
    }
    const removed = this.addon.deleted(graph);
    let live = 0;
    for (const flag of removed) live += 1 - flag;
    if (live !== manifest.size) throw new FormatError(`${dir}: the graph holds ${live} live rows, the manifest ${manifest.size}`);
    this.graph = graph;
    this.ids = ids;
    this.keys = ids.length;
    this.count = live;
  }

  getConfig(): SearchConfig {
    return {
      type: 'hnsw',
      distance: this.distance.name,
      dim: this.dim,
      name: this.name,
      m: this.m,
      efConstruction: this.efConstruction,
      efSearch: this.efSearchValue,
      seed: this.seed,
    };
  }
}
