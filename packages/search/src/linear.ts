import type { Distance, DistanceConfig } from '@tfsim/distances';
import {
  type ArrayDescriptor,
  FormatError,
  type Matrix,
  type MatrixLike,
  readArray,
  readManifest,
  writeArray,
  writeFolderAtomically,
  writeManifest,
} from '@tfsim/utils';
import {
  checkAddBatch,
  checkDim,
  DEFAULT_K,
  neighbourCount,
  orderNeighbours,
  queryMatrix,
  queryRow,
  resolveDistance,
} from './common';
import type { Neighbors, Search, SearchConfig } from './search';

export const LINEAR_FORMAT = 'tfsim.search.linear';
export const LINEAR_FORMAT_VERSION = 1;

export interface LinearSearchOptions {
  name?: string;
}

type LinearManifest = {
  format: string;
  version: number;
  name: string;
  distance: string;
  dim: number;
  size: number;
  arrays: { embeddings: ArrayDescriptor; ids: ArrayDescriptor };
};

/**
 * Exact nearest-neighbour search over every indexed row, for any distance of
 * @tfsim/distances. Embeddings are used as given: unlike the Python library,
 * nothing is L2-normalised behind the caller's back (normalise them yourself
 * for cosine, as the distance expects).
 *
 * Results are sorted nearest first with ties broken by ascending id. For the
 * inner product (a similarity) `distances` holds the inner products, largest
 * first.
 */
export class LinearSearch implements Search {
  readonly name: string;
  readonly distance: Distance;
  readonly dim: number;
  private count = 0;
  private keys: Float32Array;
  private ids: Int32Array;

  constructor(distance: Distance | DistanceConfig | string, dim: number, options: LinearSearchOptions = {}) {
    this.distance = resolveDistance(distance);
    this.dim = checkDim(dim);
    this.name = options.name ?? 'linear';
    this.keys = new Float32Array(0);
    this.ids = new Int32Array(0);
  }

  size(): number {
    return this.count;
  }

  isBuilt(): boolean {
    return true;
  }

  add(embedding: ArrayLike<number>, id: number): void {
    const row = queryRow(embedding, this.dim);
    this.batchAdd(row, [id]);
  }

  batchAdd(embeddings: MatrixLike, ids: ArrayLike<number>): void {
    const batch = checkAddBatch(embeddings, ids, this.dim);
    this.append(batch.m, batch.ids);
  }

  private append(m: Matrix, ids: Int32Array): void {
    const n = this.count + m.rows;
    if (n > this.ids.length) {
      const capacity = Math.max(n, this.ids.length * 2, 16);
      const keys = new Float32Array(capacity * this.dim);
      keys.set(this.keys.subarray(0, this.count * this.dim));
      const grownIds = new Int32Array(capacity);
      grownIds.set(this.ids.subarray(0, this.count));
      this.keys = keys;
      this.ids = grownIds;
    }
    this.keys.set(m.data, this.count * this.dim);
    this.ids.set(ids, this.count);
    this.count = n;
  }

  lookup(embedding: ArrayLike<number>, k = DEFAULT_K): Neighbors {
    return this.batchLookup(queryRow(embedding, this.dim), k)[0]!;
  }

  batchLookup(embeddings: MatrixLike, k = DEFAULT_K): Neighbors[] {
    const queries = queryMatrix(embeddings, this.dim);
    const kk = neighbourCount(k, this.count);
    const keys: Matrix = { data: this.keys.subarray(0, this.count * this.dim), rows: this.count, cols: this.dim };
    const ids = this.ids.subarray(0, this.count);
    const out: Neighbors[] = new Array(queries.rows);
    const chunk = Math.max(1, Math.floor(4_000_000 / Math.max(1, this.count)));
    for (let start = 0; start < queries.rows; start += chunk) {
      const rows = Math.min(chunk, queries.rows - start);
      const q: Matrix = { data: queries.data.subarray(start * this.dim, (start + rows) * this.dim), rows, cols: this.dim };
      const values = this.distance.pairwise(q, keys);
      for (let i = 0; i < rows; i++) {
        out[start + i] = orderNeighbours(ids, values.subarray(i * this.count, (i + 1) * this.count), kk, this.distance.isSimilarity);
      }
    }
    return out;
  }

  reset(): void {
    this.count = 0;
    this.keys = new Float32Array(0);
    this.ids = new Int32Array(0);
  }

  async save(dir: string): Promise<void> {
    const embeddings = this.keys.slice(0, this.count * this.dim);
    const ids = this.ids.slice(0, this.count);
    await writeFolderAtomically(dir, async (tmp) => {
      const manifest: LinearManifest = {
        format: LINEAR_FORMAT,
        version: LINEAR_FORMAT_VERSION,
        name: this.name,
        distance: this.distance.name,
        dim: this.dim,
        size: this.count,
        arrays: { embeddings: await writeArray(tmp, 'embeddings.f32', embeddings), ids: await writeArray(tmp, 'ids.i32', ids) },
      };
      await writeManifest(tmp, manifest);
    });
  }

  async load(dir: string): Promise<void> {
    const manifest = (await readManifest(dir, LINEAR_FORMAT, [LINEAR_FORMAT_VERSION])) as unknown as LinearManifest;
    if (manifest.distance !== this.distance.name || manifest.dim !== this.dim) {
      throw new FormatError(
        `${dir} holds a ${String(manifest.distance)} index of dimension ${String(manifest.dim)}; ` +
          `this search is ${this.distance.name} of dimension ${this.dim}`,
      );
    }
    const size = manifest.size;
    if (!Number.isInteger(size) || size < 0) throw new FormatError(`${dir}: invalid size ${String(size)}`);
    const embeddings = await readArray(dir, manifest.arrays?.embeddings, 'float32');
    const ids = await readArray(dir, manifest.arrays?.ids, 'int32');
    if (embeddings.length !== size * this.dim || ids.length !== size) {
      throw new FormatError(`${dir}: arrays do not hold ${size} rows of dimension ${this.dim}`);
    }
    for (let i = 0; i < embeddings.length; i++) {
      if (!Number.isFinite(embeddings[i]!)) throw new FormatError(`${dir}: embedding value ${i} is ${embeddings[i]}`);
    }
    this.reset();
    this.append({ data: embeddings, rows: size, cols: this.dim }, ids);
  }

  getConfig(): SearchConfig {
    return { type: 'linear', distance: this.distance.name, dim: this.dim, name: this.name };
  }
}
