import * as path from 'node:path';

import {
  type ArrayDescriptor,
  assertInteger,
  BackendError,
  FormatError,
  type Matrix,
  type MatrixLike,
  type OptionKeys,
  StateError,
  ValueError,
  writeArray,
} from '@tfsim/utils/core';

import { BaseSearch } from './base';
import { checkAddBatch, DEFAULT_K, queryMatrix, type Ranked, rankFetched, rowsToRemove } from './common';
import { checkFaissBytes } from './faiss-file';
import { readRegularArray, readSearchFolder, type SearchManifestHead, writeSearchFolder } from './files';
import { moduleOrThrow, optionalModule } from './optional';
import type { Neighbors, SearchConfig, SearchDistance } from './search';

export const FAISS_FORMAT = 'tfsim.search.faiss';
export const FAISS_FORMAT_VERSION = 1;

/** The parts of a faiss-node index this module uses; the typed ones come with our patch. */
export interface FaissIndex {
  ntotal(): number;
  getDimension(): number;
  isTrained(): boolean;
  add(x: number[]): void;
  train(x: number[]): void;
  search(x: number[], k: number): { distances: number[]; labels: number[] };
  toBuffer(): Buffer;
  removeIds?(ids: number[]): number;
  addTyped?(x: Float32Array): void;
  trainTyped?(x: Float32Array): void;
  searchTyped?(x: Float32Array, k: number): { distances: Float32Array; labels: Int32Array };
  setParameter?(name: string, value: number): void;
}

/** The faiss-node module (or anything shaped like it). */
export interface FaissBinding {
  Index: {
    fromFactory(dim: number, description: string, metric?: number): FaissIndex;
    fromBuffer(bytes: Buffer): FaissIndex;
  };
}

/** faiss' metric codes (faiss/MetricType.h). */
const METRIC_INNER_PRODUCT = 0;
const METRIC_L2 = 1;
const METRIC_L1 = 2;

// faiss-node is an optional dependency, loaded on first use only.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const loadFaiss = optionalModule(() => require('faiss-node') as FaissBinding);

/** True when faiss-node loads here; FaissSearch needs it. */
export function faissAvailable(): boolean {
  return loadFaiss().module !== undefined;
}

/** The faiss-node module, or undefined when it does not load here. */
export function faissBinding(): FaissBinding | undefined {
  return loadFaiss().module;
}

/** Why faiss-node does not load here, or undefined when it does. */
export function faissUnavailableReason(): string | undefined {
  return loadFaiss().error;
}

/** Names of the built-in index types; anything else is taken as a faiss factory string. */
export type FaissAlgo = 'flat' | 'hnsw' | 'ivf' | 'ivfpq';

export interface FaissSearchOptions {
  name?: string;
  /**
   * The index: `flat` (exact, the default), `hnsw`, `ivf` (IVF-flat), `ivfpq`,
   * or a faiss factory string such as `'IVF256,Flat'` or `'HNSW48'`.
   */
  algo?: FaissAlgo | string;
  /** IVF lists; default: 4 * sqrt(rows of the training batch), at most rows / 39. */
  nlist?: number;
  /** IVF lists probed per query; default: nlist / 8 (at least 1). */
  nprobe?: number;
  /** PQ sub-quantizers (the dimension must be a multiple). Default 8, as in the Python library. */
  m?: number;
  /** Bits per PQ code. Default 8. */
  nbits?: number;
  /** HNSW links per node. Default 16. */
  hnswM?: number;
  /** HNSW candidate list size at search time. Default 400. */
  efSearch?: number;
  /** The faiss-node module to use; default `require('faiss-node')`. */
  binding?: FaissBinding;
}

type FaissManifest = SearchManifestHead & {
  algo: string;
  factory: string | null;
  nlist: number | null;
  nprobe: number | null;
  efSearch: number;
  m: number;
  nbits: number;
  hnswM: number;
  arrays: { index?: ArrayDescriptor };
};

const BUILT_IN = new Set(['flat', 'hnsw', 'ivf', 'ivfpq']);

/**
 * Nearest-neighbour search on faiss (the optional `faiss-node` package),
 * exact (`flat`) or approximate (`hnsw`, `ivf`, `ivfpq`, any factory string).
 *
 * - Ids are ours: faiss numbers rows in insertion order and this class maps
 *   them back to the ids given to `batchAdd` (the Python library loses them).
 * - Cosine: rows and queries are L2-normalised and searched by inner product;
 *   distances are `max(1 - similarity, 0)`. Euclidean distances are the
 *   square roots of faiss' squared L2. Inner product: `distances` holds the
 *   similarities, largest first. Manhattan works with `flat` and `hnsw` only;
 *   SNR has no faiss metric (use LinearSearch).
 * - Training: IVF indexes train on the first batch added (which must hold at
 *   least nlist rows, and 2^nbits for PQ), or on an explicit `train()`.
 * - Results are sorted nearest first, ties by ascending id. An approximate
 *   index may return fewer than k neighbours (IVF when the probed lists hold
 *   fewer).
 * - With the project's patch of faiss-node, data crosses as typed arrays,
 *   nprobe and efSearch can be set, and faiss errors become JS errors. With an
 *   unpatched faiss-node, data is copied through plain arrays (slower),
 *   nprobe stays 1 and efSearch 16 (faiss' defaults), and inputs faiss would
 *   reject are caught here first where possible.
 */
export class FaissSearch extends BaseSearch<FaissSearchOptions> {
  static readonly optionKeys: OptionKeys<FaissSearchOptions> = {
    name: true,
    algo: true,
    nlist: true,
    nprobe: true,
    m: true,
    nbits: true,
    hnswM: true,
    efSearch: true,
    binding: true,
  };
  readonly algo: string;
  private readonly binding: FaissBinding;
  private readonly metric: number;
  private readonly m: number;
  private readonly nbits: number;
  private readonly hnswM: number;
  private readonly nlistOption: number | undefined;
  private readonly nprobeOption: number | undefined;
  private efSearch: number;
  private nprobe: number | undefined;
  private nlist: number | undefined;
  private factory: string | undefined;
  private index: FaissIndex | undefined;
  private ids: Int32Array = new Int32Array(0);
  private count = 0;

  constructor(distance: SearchDistance, dim: number, options: FaissSearchOptions = {}) {
    super(distance, dim, options, 'faiss', [
      ['nlist', 1],
      ['nprobe', 1],
      ['m', 1],
      ['nbits', 1],
      ['hnswM', 2],
      ['efSearch', 1],
    ]);
    this.algo = options.algo ?? 'flat';
    this.binding =
      options.binding ??
      moduleOrThrow(
        loadFaiss(),
        'FaissSearch',
        'the optional package faiss-node',
        'install it (npm install faiss-node @tfsim/setup-native, then npx tfsim-setup-native builds it against a system faiss), or use LinearSearch',
      );
    this.m = options.m ?? 8;
    this.nbits = options.nbits ?? 8;
    this.hnswM = options.hnswM ?? 16;
    this.efSearch = options.efSearch ?? 400;
    this.nlistOption = options.nlist;
    this.nprobeOption = options.nprobe;
    this.metric = this.metricOf({
      inner_product: METRIC_INNER_PRODUCT,
      cosine: METRIC_INNER_PRODUCT,
      euclidean: METRIC_L2,
      squared_euclidean: METRIC_L2,
      manhattan: METRIC_L1,
    });
    const algo = this.algo.toLowerCase();
    if (BUILT_IN.has(algo)) this.algo = algo;
    if (this.algo === 'ivfpq' && this.dim % this.m !== 0) {
      throw new ValueError(`ivfpq needs the dimension (${this.dim}) to be a multiple of m (${this.m})`);
    }
    // faiss' IVF scanners support L2 and inner product only, and fail inside
    // OpenMP threads (an abort, not an exception) with other metrics.
    if (this.metric === METRIC_L1 && /IVF|PQ|ivf/.test(this.algo)) {
      throw new ValueError(`manhattan works with the flat and hnsw indexes only, not "${this.algo}"`);
    }
    if (!this.patched && (options.nprobe !== undefined || options.efSearch !== undefined)) {
      throw new BackendError('setting nprobe or efSearch needs the patched faiss-node (patches/faiss-node@0.5.1.patch)');
    }
    if (!this.needsTraining()) this.createIndex(0);
  }

  /** True with the project's patch of faiss-node (typed arrays, parameters, errors as exceptions). */
  get patched(): boolean {
    const proto = (this.binding.Index as unknown as { prototype?: FaissIndex }).prototype;
    return typeof proto?.searchTyped === 'function';
  }

  private needsTraining(): boolean {
    return this.algo === 'ivf' || this.algo === 'ivfpq' || (!BUILT_IN.has(this.algo) && /IVF|PQ|LSH|SQ/.test(this.algo));
  }

  /** Least number of training rows the index needs (k-means needs a point per centroid). */
  private minTrainingRows(nlist: number): number {
    let least = 1;
    if (this.algo === 'ivf') least = nlist;
    else if (this.algo === 'ivfpq') least = Math.max(nlist, 2 ** this.nbits);
    else {
      const ivf = /IVF(\d+)/.exec(this.algo);
      if (ivf) least = Math.max(least, Number(ivf[1]));
      const pq = /PQ(\d+)(?:x(\d+))?/.exec(this.algo);
      if (pq) least = Math.max(least, 2 ** Number(pq[2] ?? 8));
    }
    return least;
  }

  private createIndex(trainingRows: number): void {
    let factory: string;
    let nlist: number | undefined;
    if (this.algo === 'ivf' || this.algo === 'ivfpq') {
      nlist = this.nlistOption ?? Math.max(1, Math.min(Math.round(4 * Math.sqrt(trainingRows)), Math.floor(trainingRows / 39)));
      // "np": no polysemous training, which only polysemous search would use and which is slow.
      factory = this.algo === 'ivf' ? `IVF${nlist},Flat` : `IVF${nlist},PQ${this.m}x${this.nbits}np`;
    } else if (this.algo === 'flat') {
      factory = 'Flat';
    } else if (this.algo === 'hnsw') {
      factory = `HNSW${this.hnswM}`;
    } else {
      factory = this.algo;
      const ivf = /IVF(\d+)/.exec(factory);
      if (ivf) nlist = Number(ivf[1]);
    }
    let index: FaissIndex;
    try {
      index = this.binding.Index.fromFactory(this.dim, factory, this.metric);
    } catch (err) {
      throw new ValueError(`faiss cannot build index "${factory}": ${(err as Error).message}`);
    }
    this.index = index;
    this.factory = factory;
    this.nlist = nlist;
    this.nprobe = nlist === undefined ? undefined : Math.min(nlist, this.nprobeOption ?? Math.max(1, Math.ceil(nlist / 8)));
    this.applyParameters();
  }

  private applyParameters(): void {
    const index = this.index!;
    if (!index.setParameter) return;
    if (this.nprobe !== undefined) index.setParameter('nprobe', this.nprobe);
    if (this.factory && /HNSW/.test(this.factory)) index.setParameter('efSearch', this.efSearch);
  }

  /** Sets search parameters of the current index (patched faiss-node only). */
  setSearchParameters(params: { nprobe?: number; efSearch?: number }): void {
    if (!this.patched) throw new BackendError('setting nprobe or efSearch needs the patched faiss-node');
    if (params.nprobe !== undefined) {
      assertInteger(params.nprobe, 'nprobe', 1);
      if (this.nlist === undefined)
        throw new StateError(`nprobe applies to IVF indexes (this one is ${this.factory ?? this.algo}, or untrained)`);
      this.nprobe = Math.min(params.nprobe, this.nlist);
    }
    if (params.efSearch !== undefined) {
      assertInteger(params.efSearch, 'efSearch', 1);
      this.efSearch = params.efSearch;
    }
    if (this.index) this.applyParameters();
  }

  size(): number {
    return this.count;
  }

  override isBuilt(): boolean {
    return this.index !== undefined && this.index.isTrained();
  }

  /**
   * Rows as faiss gets them. faiss only reads them (and copies what it keeps),
   * so the rows are passed as they are, except for cosine: a copy,
   * L2-normalised. (Copying every batch cost time and a transient buffer that
   * stayed resident: see docs/performance.md, 1M-row IVF index.)
   */
  private prepare(m: Matrix): Float32Array {
    const cosine = this.distance.name === 'cosine';
    if (!cosine) return m.data.subarray(0, m.rows * m.cols);
    const data = Float32Array.from(m.data.subarray(0, m.rows * m.cols));
    for (let i = 0; i < m.rows; i++) {
      const row = data.subarray(i * m.cols, (i + 1) * m.cols);
      let norm = 0;
      for (let j = 0; j < m.cols; j++) norm += row[j]! * row[j]!;
      if (norm > 0) {
        const scale = 1 / Math.sqrt(norm);
        for (let j = 0; j < m.cols; j++) row[j] = row[j]! * scale;
      }
    }
    return data;
  }

  /**
   * Trains the index on `embeddings` (IVF and PQ indexes need it; others
   * ignore it). Needs an empty index: reset first to retrain.
   */
  train(embeddings: MatrixLike): void {
    const m = queryMatrix(embeddings, this.dim);
    if (this.count > 0) throw new StateError('cannot train an index that holds embeddings; reset() it first');
    if (!this.needsTraining()) return;
    this.trainOn(m);
  }

  private trainOn(m: Matrix): void {
    if (this.index === undefined || this.index.ntotal() === 0) this.createIndex(m.rows);
    const least = this.minTrainingRows(this.nlist ?? 1);
    if (m.rows < least) {
      this.index = undefined;
      throw new ValueError(
        `${this.factory} needs at least ${least} rows to train, got ${m.rows}: add a larger first batch or call train()`,
      );
    }
    const data = this.prepare(m);
    const index = this.index!;
    if (index.trainTyped) index.trainTyped(data);
    else index.train(Array.from(data));
  }

  /** Adds rows with their ids; an untrained index first trains on this batch. */
  batchAdd(embeddings: MatrixLike, ids: ArrayLike<number>): void {
    const batch = checkAddBatch(embeddings, ids, this.dim);
    if (batch.m.rows === 0) return;
    if (!this.isBuilt()) this.trainOn(batch.m);
    const data = this.prepare(batch.m);
    const index = this.index!;
    if (index.addTyped) index.addTyped(data);
    else index.add(Array.from(data));
    const n = this.count + batch.m.rows;
    if (n > this.ids.length) {
      const grown = new Int32Array(Math.max(n, Math.ceil(this.ids.length * 1.5), 16));
      grown.set(this.ids.subarray(0, this.count));
      this.ids = grown;
    }
    this.ids.set(batch.ids, this.count);
    this.count = n;
  }

  batchLookup(embeddings: MatrixLike, k = DEFAULT_K): Neighbors[] {
    // (Exact for flat: a tie past the fetch is fetched again.)
    return this.fetchedLookup(embeddings, k, this.count, {
      prepare: (queries) => this.prepare(queries),
      search: (data, fetch) => this.search(data, fetch),
      collect: (found, query, fetch, kk) => this.collect(found.labels, found.distances, query * fetch, fetch, kk),
    });
  }

  private search(data: Float32Array, k: number): { labels: ArrayLike<number>; distances: ArrayLike<number> } {
    const index = this.index!;
    return index.searchTyped ? index.searchTyped(data, k) : index.search(Array.from(data), k);
  }

  /** Maps faiss rows to ids and its values to distances, and orders them. */
  private collect(labels: ArrayLike<number>, raw: ArrayLike<number>, offset: number, fetched: number, kk: number): Ranked {
    const ids: number[] = [];
    const values: number[] = [];
    for (let j = 0; j < fetched; j++) {
      const label = labels[offset + j]!;
      if (label < 0) continue;
      ids.push(this.ids[label]!);
      values.push(this.convert(raw[offset + j]!));
    }
    return rankFetched(ids, Float32Array.from(values), fetched, kk, this.distance.isSimilarity);
  }

  private convert(value: number): number {
    switch (this.distance.name) {
      case 'euclidean':
        return value >= 1e-18 ? Math.sqrt(value) : 0;
      case 'squared_euclidean':
        return Math.max(value, 0);
      case 'cosine':
        return Math.max(1 - value, 0);
      default:
        return value;
    }
  }

  /**
   * Removes the rows of `ids` (see Search.remove) from a flat index, whose
   * faiss `remove_ids` packs the kept rows in order, as the id map here is
   * packed. Other indexes cannot: faiss' HNSW has no remove_ids, and after
   * an IVF remove_ids faiss numbers new rows from its smaller count, onto
   * rows it still holds (faiss-node has no add_with_ids to avoid that).
   */
  remove(ids: ArrayLike<number>): void {
    if (this.factory !== 'Flat') {
      throw new ValueError(
        `FaissSearch cannot remove from a "${this.factory ?? this.algo}" index: only the flat index supports it here ` +
          '(faiss HNSW has no remove_ids; IVF would renumber rows onto others); use algo "flat", LinearSearch or UsearchSearch',
      );
    }
    const drop = rowsToRemove(this.ids.subarray(0, this.count), ids);
    if (drop.length === 0) return;
    const index = this.index!;
    if (!index.removeIds) throw new BackendError('this faiss-node has no removeIds');
    const removed = index.removeIds(drop);
    if (removed !== drop.length || index.ntotal() !== this.count - drop.length) {
      throw new BackendError(`faiss removed ${removed} rows of ${drop.length}; the index is out of line with its ids: reset it`);
    }
    let j = 0;
    let d = 0;
    for (let i = 0; i < this.count; i++) {
      if (d < drop.length && drop[d] === i) d++;
      else this.ids[j++] = this.ids[i]!;
    }
    this.count = j;
  }

  reset(): void {
    this.index = undefined;
    this.factory = undefined;
    this.nlist = undefined;
    this.nprobe = undefined;
    this.ids = new Int32Array(0);
    this.count = 0;
    if (!this.needsTraining()) this.createIndex(0);
  }

  async save(dir: string): Promise<void> {
    const bytes = this.index ? new Uint8Array(this.index.toBuffer()) : undefined;
    const head = { format: FAISS_FORMAT, version: FAISS_FORMAT_VERSION, size: this.count, ids: this.ids.slice(0, this.count) };
    await writeSearchFolder(dir, this, head, async (tmp) => ({
      fields: {
        algo: this.algo,
        factory: this.factory ?? null,
        nlist: this.nlist ?? null,
        nprobe: this.nprobe ?? null,
        efSearch: this.efSearch,
        m: this.m,
        nbits: this.nbits,
        hnswM: this.hnswM,
      },
      arrays: bytes ? { index: await writeArray(tmp, 'index.faiss', bytes) } : undefined,
    }));
  }

  async load(dir: string): Promise<void> {
    const { manifest, ids } = await readSearchFolder<FaissManifest>(dir, FAISS_FORMAT, FAISS_FORMAT_VERSION, this);
    const size = manifest.size;
    if (ids.length !== size) throw new FormatError(`${dir}: ${ids.length} ids for ${size} rows`);
    let index: FaissIndex | undefined;
    if (manifest.arrays.index) {
      const bytes = await readRegularArray(dir, manifest.arrays.index, 'uint8');
      checkFaissBytes(bytes, this.dim, size, path.join(dir, manifest.arrays.index.file));
      try {
        index = this.binding.Index.fromBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      } catch (err) {
        throw new FormatError(`${dir}: faiss cannot read the index: ${(err as Error).message}`);
      }
      if (index.getDimension() !== this.dim)
        throw new FormatError(`${dir}: the index has dimension ${index.getDimension()}, expected ${this.dim}`);
      if (index.ntotal() !== size) throw new FormatError(`${dir}: the index holds ${index.ntotal()} rows, the manifest ${size}`);
    } else if (size > 0) {
      throw new FormatError(`${dir}: ${size} rows but no index array`);
    }
    this.index = index;
    this.factory = manifest.factory ?? undefined;
    this.nlist = manifest.nlist ?? undefined;
    this.nprobe = manifest.nprobe ?? undefined;
    this.efSearch = manifest.efSearch;
    this.ids = ids;
    this.count = size;
    if (!this.index && !this.needsTraining()) this.createIndex(0);
    else if (this.index) this.applyParameters();
  }

  getConfig(): SearchConfig {
    return {
      type: 'faiss',
      distance: this.distance.name,
      dim: this.dim,
      name: this.name,
      algo: this.algo,
      ...(this.factory ? { factory: this.factory } : {}),
      ...(this.nlist !== undefined ? { nlist: this.nlist, nprobe: this.nprobe } : {}),
      ...(this.factory && /HNSW/.test(this.factory) ? { efSearch: this.efSearch, hnswM: this.hnswM } : {}),
      ...(this.algo === 'ivfpq' ? { m: this.m, nbits: this.nbits } : {}),
    };
  }
}
