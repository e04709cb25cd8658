import {
  CosineDistance,
  EuclideanDistance,
  InnerProductSimilarity,
  ManhattanDistance,
  SNRDistance,
  SquaredEuclideanDistance,
} from '@tfsim/distances';
import type { RowDistance as Distance } from '@tfsim/distances/rows';
import {
  type ArrayDescriptor,
  BackendError,
  FormatError,
  type Matrix,
  type MatrixLike,
  type OptionKeys,
  ValueError,
  writeArray,
} from '@tfsim/utils/core';

import { BaseSearch } from './base';
import { checkAddBatch, DEFAULT_K, neighbourCount, orderNeighbours, queryMatrix, rowsToRemove, withoutRows } from './common';
import { checkFiniteValues, readRegularArray, readSearchFolder, type SearchManifestHead, writeSearchFolder } from './files';
import { blasAvailable, blasServes, BlasStore, blasUnavailableReason } from './kernel/blas';
import { type Candidates, KernelMode, NO_KEY, PanelStore } from './kernel/engine';
import { defaultThreads, MAX_HELPERS } from './kernel/pool';
import type { Neighbors, SearchConfig, SearchDistance } from './search';

export const LINEAR_FORMAT = 'tfsim.search.linear';
export const LINEAR_FORMAT_VERSION = 1;

export interface LinearSearchOptions {
  name?: string;
  /**
   * Threads a large batch lookup may use (the calling thread plus helper
   * worker threads). Default: every core.
   */
  threads?: number;
  /**
   * The candidate kernel: `blas` (a GEMM on the system OpenBLAS, the native
   * addon `pnpm setup:native` builds), `wasm` (WebAssembly SIMD), or `auto`
   * (default): blas where it loads, wasm otherwise and for manhattan. Results
   * are the same on both.
   */
  kernel?: LinearKernel;
}

export type LinearKernel = 'auto' | 'blas' | 'wasm';

type LinearManifest = SearchManifestHead & { arrays: { embeddings: ArrayDescriptor } };

/** Unit roundoff of float32. */
const U = 2 ** -24;

function kernelModeOf(distance: Distance): KernelMode | undefined {
  if (distance instanceof InnerProductSimilarity) return KernelMode.InnerProduct;
  if (distance instanceof CosineDistance) return KernelMode.Cosine;
  if (distance instanceof EuclideanDistance || distance instanceof SquaredEuclideanDistance) return KernelMode.SquaredL2;
  if (distance instanceof SNRDistance) return KernelMode.Snr;
  if (distance instanceof ManhattanDistance) return KernelMode.Manhattan;
  return undefined;
}

/**
 * Exact nearest-neighbour search over every indexed row, for any distance of
 * @tfsim/distances. Embeddings are used as given: unlike the Python library,
 * nothing is L2-normalised behind the caller's back (normalise them yourself
 * for cosine, as the distance expects).
 *
 * Results are sorted nearest first with ties broken by ascending id; when k
 * exceeds the number of indexed items, all of them are returned. For the
 * inner product (a similarity) `distances` holds the inner products, largest
 * first. Values are the distance's own (`distance.pairwise`: float64, stored
 * as float32).
 *
 * How it is fast and still exact: a kernel scans all keys in float32 (dot
 * products with the norm expansion for euclidean, cosine and SNR) and keeps
 * the best `2k + 16` candidates per query: a GEMM on the system OpenBLAS when
 * the native addon of `pnpm setup:native` loads (`kernel: 'blas'`), otherwise
 * (and for manhattan) WebAssembly SIMD on several threads for large batches. Those are re-scored with the exact distance. A
 * rounding-error bound on the float32 values proves that no key outside the
 * candidates can be among the k nearest; where the bound cannot prove it
 * (near-ties, duplicates) the query is answered by an exact scan instead.
 */
export class LinearSearch extends BaseSearch<LinearSearchOptions> {
  static readonly optionKeys: OptionKeys<LinearSearchOptions> = { name: true, threads: true, kernel: true };
  private readonly threads: number;
  private readonly mode: KernelMode | undefined;
  /** The kernel in use: `blas` or `wasm`. */
  readonly kernel: 'blas' | 'wasm';
  private panels: PanelStore | BlasStore;
  private ids: Int32Array = new Int32Array(0);

  constructor(distance: SearchDistance, dim: number, options: LinearSearchOptions = {}) {
    super(distance, dim, options, 'linear', [['threads', 1]]);
    this.threads = Math.min(options.threads ?? defaultThreads(), MAX_HELPERS + 1);
    this.mode = kernelModeOf(this.distance);
    const kernel = options.kernel ?? 'auto';
    if (!['auto', 'blas', 'wasm'].includes(kernel))
      throw new ValueError(`kernel must be 'auto', 'blas' or 'wasm', got ${JSON.stringify(kernel)}`);
    if (kernel === 'blas' && !blasAvailable())
      throw new BackendError(`the BLAS kernel does not load here (pnpm setup:native builds it): ${blasUnavailableReason()}`);
    if (kernel === 'blas' && !blasServes(this.mode))
      throw new ValueError(`the BLAS kernel does not serve ${this.distance.name}; use kernel 'wasm' or 'auto'`);
    this.kernel = kernel !== 'wasm' && blasServes(this.mode) && blasAvailable() ? 'blas' : 'wasm';
    this.panels = this.newStore();
  }

  private newStore(): PanelStore | BlasStore {
    return this.kernel === 'blas' ? new BlasStore(this.dim) : new PanelStore(this.dim);
  }

  size(): number {
    return this.panels.size;
  }

  batchAdd(embeddings: MatrixLike, ids: ArrayLike<number>): void {
    const batch = checkAddBatch(embeddings, ids, this.dim);
    this.append(batch.m, batch.ids);
  }

  private append(m: Matrix, ids: Int32Array): void {
    const count = this.panels.size;
    const n = count + m.rows;
    // Everything that can fail (memory) happens before anything is written.
    this.panels.reserve(m.rows);
    if (n > this.ids.length) {
      const grown = new Int32Array(Math.max(n, Math.ceil(this.ids.length * 1.5), 16));
      grown.set(this.ids.subarray(0, count));
      this.ids = grown;
    }
    this.ids.set(ids, count);
    this.panels.append(m);
  }

  batchLookup(embeddings: MatrixLike, k = DEFAULT_K): Neighbors[] {
    const queries = queryMatrix(embeddings, this.dim);
    const n = this.panels.size;
    const kk = neighbourCount(k, n);
    if (queries.rows === 0) return [];
    if (this.mode === undefined || !this.panels.finite) return this.exactAll(queries, kk);
    const K = Math.min(n, 2 * kk + 16);
    const candidates = this.panels.search(queries, this.mode, K, this.threads);
    const out: Neighbors[] = new Array(queries.rows);
    for (let i = 0; i < queries.rows; i++) {
      const q = queries.data.subarray(i * this.dim, (i + 1) * this.dim);
      out[i] = this.finish(q, candidates[i]!, kk) ?? this.exactScan(q, kk);
    }
    return out;
  }

  /**
   * Re-scores a query's kernel candidates exactly, or returns undefined when
   * the error bound cannot show that they contain the k nearest.
   */
  private finish(q: Float32Array, c: Candidates, kk: number): Neighbors | undefined {
    const n = this.panels.size;
    const K = c.keys.length;
    for (let e = 0; e < K; e++) if (c.keys[e] === NO_KEY) return undefined;
    let qNorm2 = 0;
    let qSum = 0;
    let qL1 = 0;
    for (let j = 0; j < q.length; j++) {
      const v = q[j]!;
      qNorm2 += v * v;
      qSum += v;
      qL1 += v < 0 ? -v : v;
    }
    // A constant query has no variance: SNR is Infinity or NaN for every key.
    if (this.mode === KernelMode.Snr && qNorm2 - (qSum * qSum) / q.length <= 1e-12 * qNorm2) return undefined;
    let keys = c.keys;
    if (n > K) {
      const sorted = Float32Array.from(c.values).sort();
      const kth = sorted[kk - 1]!;
      const worst = sorted[K - 1]!;
      // Bound on |float32 kernel value - exact value| over all keys for this query.
      const c0 = 2 * (this.dim + 32) * U;
      const { maxNorm2, maxL1 } = this.panels;
      let margin: number;
      switch (this.mode) {
        case KernelMode.InnerProduct:
        case KernelMode.Cosine:
          margin = c0 * Math.sqrt(qNorm2 * maxNorm2);
          break;
        case KernelMode.Manhattan:
          margin = c0 * (qL1 + maxL1);
          break;
        default:
          margin = c0 * (qNorm2 + maxNorm2);
      }
      if (!(worst - kth > 2 * margin)) return undefined;
      // A candidate whose kernel value exceeds kth + 2 margin is exactly farther
      // than the kk candidates up to kth: re-score only the others (usually
      // about kk of the K), which gives the same k nearest.
      keys = c.keys.filter((_, e) => !(c.values[e]! > kth + 2 * margin));
    }
    const count = keys.length;
    const rows = this.panels.gatherRows(keys);
    const values = this.distance.pairwise({ data: q, rows: 1, cols: this.dim }, { data: rows, rows: count, cols: this.dim });
    const ids = new Int32Array(count);
    for (let e = 0; e < count; e++) ids[e] = this.ids[keys[e]!]!;
    return orderNeighbours(ids, values, kk, this.distance.isSimilarity);
  }

  /** Every key, exactly, for one query. */
  private exactScan(q: Float32Array, kk: number): Neighbors {
    const n = this.panels.size;
    const values = new Float32Array(n);
    const chunk = 8192;
    const buffer = new Float32Array(Math.min(n, chunk) * this.dim);
    for (let start = 0; start < n; start += chunk) {
      const end = Math.min(n, start + chunk);
      const rows = this.panels.copyRows(start, end, buffer);
      const part = this.distance.pairwise(
        { data: q, rows: 1, cols: this.dim },
        { data: rows.subarray(0, (end - start) * this.dim), rows: end - start, cols: this.dim },
      );
      values.set(part, start);
    }
    return orderNeighbours(this.ids.subarray(0, n), values, kk, this.distance.isSimilarity);
  }

  /** A distance without a kernel: every pair through `distance.pairwise`. */
  private exactAll(queries: Matrix, kk: number): Neighbors[] {
    const n = this.panels.size;
    const keys: Matrix = { data: this.panels.copyRows(0, n), rows: n, cols: this.dim };
    const ids = this.ids.subarray(0, n);
    const out: Neighbors[] = new Array(queries.rows);
    const chunk = Math.max(1, Math.floor(4_000_000 / n));
    for (let start = 0; start < queries.rows; start += chunk) {
      const rows = Math.min(chunk, queries.rows - start);
      const q: Matrix = { data: queries.data.subarray(start * this.dim, (start + rows) * this.dim), rows, cols: this.dim };
      const values = this.distance.pairwise(q, keys);
      for (let i = 0; i < rows; i++) {
        out[start + i] = orderNeighbours(ids, values.subarray(i * n, (i + 1) * n), kk, this.distance.isSimilarity);
      }
    }
    return out;
  }

  /** Removes the rows of `ids` (see Search.remove): the kept rows are packed again, in their order. */
  remove(ids: ArrayLike<number>): void {
    const n = this.panels.size;
    const drop = rowsToRemove(this.ids.subarray(0, n), ids);
    if (drop.length === 0) return;
    const kept = withoutRows(this.panels.copyRows(0, n), this.ids, n, this.dim, drop);
    const panels = this.newStore();
    if (kept.ids.length > 0) panels.append({ data: kept.rows, rows: kept.ids.length, cols: this.dim });
    this.panels = panels;
    this.ids = kept.ids;
  }

  reset(): void {
    this.panels = this.newStore();
    this.ids = new Int32Array(0);
  }

  async save(dir: string): Promise<void> {
    const n = this.panels.size;
    const embeddings = this.panels.copyRows(0, n);
    const head = { format: LINEAR_FORMAT, version: LINEAR_FORMAT_VERSION, size: n, ids: this.ids.slice(0, n) };
    await writeSearchFolder(dir, this, head, async (tmp) => ({
      arrays: { embeddings: await writeArray(tmp, 'embeddings.f32', embeddings) },
    }));
  }

  async load(dir: string): Promise<void> {
    const { manifest, ids } = await readSearchFolder<LinearManifest>(dir, LINEAR_FORMAT, LINEAR_FORMAT_VERSION, this);
    const size = manifest.size;
    const embeddings = await readRegularArray(dir, manifest.arrays?.embeddings, 'float32');
    if (embeddings.length !== size * this.dim || ids.length !== size) {
      throw new FormatError(`${dir}: arrays do not hold ${size} rows of dimension ${this.dim}`);
    }
    checkFiniteValues(embeddings, dir);
    const panels = this.newStore();
    panels.append({ data: embeddings, rows: size, cols: this.dim });
    this.panels = panels;
    this.ids = ids;
  }

  getConfig(): SearchConfig {
    return { type: 'linear', distance: this.distance.name, dim: this.dim, name: this.name };
  }
}
