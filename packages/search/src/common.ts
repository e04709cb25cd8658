/**
 * What every search shares: argument checks and the order of results.
 */
import { type DistanceConfig, getDistance, type RowDistance as Distance } from '@tfsim/distances/rows';
import {
  assertInteger,
  assertSameLength,
  checkOptions,
  EmptyIndexError,
  type Matrix,
  type MatrixLike,
  type OptionKeys,
  ShapeError,
  toMatrix,
  ValueError,
} from '@tfsim/utils/core';

import type { Neighbors } from './search';

/** Default number of neighbours, as in the Python library. */
export const DEFAULT_K = 5;

/** Extra neighbours a native search is asked for, so that ties at the k-th place can be ordered by id. */
export const TIE_SLACK = 8;

export function resolveDistance(distance: Distance | DistanceConfig | string): Distance {
  return getDistance(distance);
}

export function checkDim(dim: number): number {
  assertInteger(dim, 'dim', 1);
  return dim;
}

/**
 * What every search's constructor checks first: option names it knows (a
 * typo is an error, not ignored), the distance, the dimension, and its integer
 * options (each at least its minimum). Returns the distance, dimension and
 * name (`defaultName` unless given).
 */
export function searchBasics<O extends { name?: string }>(
  search: { name: string; optionKeys: OptionKeys<O> },
  distance: Distance | DistanceConfig | string,
  dim: number,
  options: O,
  defaultName: string,
  integers: ReadonlyArray<readonly [keyof O & string, number]> = [],
): { distance: Distance; dim: number; name: string } {
  checkOptions(options, search.optionKeys, search.name);
  const basics = { distance: resolveDistance(distance), dim: checkDim(dim), name: options.name ?? defaultName };
  for (const [key, min] of integers) {
    if (options[key] !== undefined) assertInteger(options[key] as number, key, min);
  }
  return basics;
}

/** Checks k (an integer >= 1) and the index size; returns how many neighbours a lookup returns. */
export function neighbourCount(k: number, size: number): number {
  assertInteger(k, 'k', 1);
  if (size === 0) throw new EmptyIndexError('lookup on an empty index: add embeddings first');
  return Math.min(k, size);
}

/** The embeddings of a batch add: `dim` columns, finite, with one int32 id per row. */
export function checkAddBatch(embeddings: MatrixLike, ids: ArrayLike<number>, dim: number): { m: Matrix; ids: Int32Array } {
  const m = toMatrix(embeddings, { name: 'embeddings', cols: dim, allowEmpty: true });
  if (ids == null || typeof ids.length !== 'number') throw new ValueError('ids must be an array of integers');
  assertSameLength(ids, { length: m.rows }, 'ids', 'embeddings');
  const out = new Int32Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < -2147483648 || id > 2147483647) {
      throw new ValueError(`ids[${i}] must be a 32-bit integer, got ${String(id)}`);
    }
    out[i] = id;
  }
  return { m, ids: out };
}

/**
 * The rows to drop for a remove: every row whose id is listed (a search may
 * hold an id more than once), ascending. All or none: an id that is not an
 * integer, is listed twice, or holds no row (`live(row)` false rows do not
 * count) is a ValueError before anything is removed.
 */
export function rowsToRemove(rowIds: ArrayLike<number>, remove: ArrayLike<number>, live: (row: number) => boolean = () => true): number[] {
  if (remove == null || typeof remove.length !== 'number') throw new ValueError('ids must be an array of integers');
  const wanted = new Map<number, boolean>();
  for (let i = 0; i < remove.length; i++) {
    const id = remove[i]!;
    if (!Number.isInteger(id)) throw new ValueError(`ids[${i}] must be an integer, got ${String(id)}`);
    if (wanted.has(id)) throw new ValueError(`ids lists ${id} twice`);
    wanted.set(id, false);
  }
  const rows: number[] = [];
  if (wanted.size === 0) return rows;
  for (let row = 0; row < rowIds.length; row++) {
    const id = rowIds[row]!;
    if (wanted.has(id) && live(row)) {
      rows.push(row);
      wanted.set(id, true);
    }
  }
  for (const [id, found] of wanted) if (!found) throw new ValueError(`id ${id} is not in the search`);
  return rows;
}

/** Row-major rows without the rows `drop` (ascending), and their ids. */
export function withoutRows(
  rows: Float32Array,
  ids: Int32Array,
  n: number,
  dim: number,
  drop: readonly number[],
): { rows: Float32Array; ids: Int32Array } {
  const keep = n - drop.length;
  const outRows = new Float32Array(keep * dim);
  const outIds = new Int32Array(keep);
  let j = 0;
  let d = 0;
  for (let i = 0; i < n; i++) {
    if (d < drop.length && drop[d] === i) {
      d++;
      continue;
    }
    outRows.set(rows.subarray(i * dim, (i + 1) * dim), j * dim);
    outIds[j++] = ids[i]!;
  }
  return { rows: outRows, ids: outIds };
}

/** One query vector as a one-row matrix. */
export function queryRow(embedding: ArrayLike<number>, dim: number): Matrix {
  if (embedding == null || typeof embedding.length !== 'number') throw new ShapeError('embedding must be an array of numbers');
  if (embedding instanceof Float32Array) {
    return toMatrix({ data: embedding, rows: 1, cols: embedding.length }, { name: 'embedding', cols: dim });
  }
  return toMatrix([embedding], { name: 'embedding', cols: dim });
}

export function queryMatrix(embeddings: MatrixLike, dim: number): Matrix {
  return toMatrix(embeddings, { name: 'queries', cols: dim, allowEmpty: true });
}

/**
 * A native index's value as our distance: `metric` 'ip' gives the dot product
 * q.k (inner product as is, cosine as max(1 - q.k, 0)), 'l2sq' the squared L2
 * distance (clipped at 0; euclidean its square root, 0 below 1e-18 as the
 * distances package).
 */
export function distanceFromNative(distance: string, metric: 'ip' | 'l2sq', value: number): number {
  if (metric === 'ip') return distance === 'cosine' ? Math.max(1 - value, 0) : value;
  const squared = Math.max(value, 0);
  if (distance === 'squared_euclidean') return squared;
  return squared >= 1e-18 ? Math.sqrt(squared) : 0;
}

/** Up to this many candidates orderNeighbours sorts by insertion. */
export const SMALL_SORT = 64;

/**
 * Sorts candidates into the result order and keeps the first `k`: ascending
 * distance (descending when `similarity`), ties by ascending id, NaN last.
 */
export function orderNeighbours(ids: ArrayLike<number>, values: ArrayLike<number>, k: number, similarity: boolean): Neighbors {
  const n = ids.length;
  const sign = similarity ? -1 : 1;
  const compare = (a: number, b: number): number => {
    const va = values[a]!;
    const vb = values[b]!;
    // NaN tests without globals: a global lookup per call is slow inside vm contexts (jest).
    const na = va !== va;
    const nb = vb !== vb;
    if (na || nb) return na === nb ? ids[a]! - ids[b]! : na ? 1 : -1;
    if (va !== vb) return sign * (va < vb ? -1 : 1);
    return ids[a]! - ids[b]!;
  };
  let order: ArrayLike<number>;
  if (n <= SMALL_SORT) {
    // The few candidates of one query (often in order already): a stable
    // insertion sort, the same order as Array.prototype.sort's, without its
    // set-up cost, which dominated a lookup of k + 8 usearch results.
    const small = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let j = i;
      while (j > 0 && compare(small[j - 1]!, i) > 0) {
        small[j] = small[j - 1]!;
        j--;
      }
      small[j] = i;
    }
    order = small;
  } else {
    order = Array.from({ length: n }, (_, i) => i).sort(compare);
  }
  const m = Math.min(k, n);
  const out: Neighbors = { ids: new Int32Array(m), distances: new Float32Array(m) };
  for (let i = 0; i < m; i++) {
    out.ids[i] = ids[order[i]!]!;
    out.distances[i] = values[order[i]!]!;
  }
  return out;
}

/** One query's candidates from a native search, ordered, and whether more may tie with the k-th. */
export interface Ranked {
  neighbors: Neighbors;
  tiedAtEnd: boolean;
}

/**
 * Orders the candidates a native search returned for one query (in its own
 * order, `fetched` asked for). When all `fetched` came back and the last of
 * them equals the k-th distance, keys beyond the fetch may tie with it.
 */
export function rankFetched(ids: ArrayLike<number>, values: Float32Array, fetched: number, kk: number, similarity: boolean): Ranked {
  const neighbors = orderNeighbours(ids, values, kk, similarity);
  const last = values.length === fetched ? values[values.length - 1]! : Number.NaN;
  return { neighbors, tiedAtEnd: neighbors.distances.length === kk && last === neighbors.distances[kk - 1] };
}

/**
 * Each query's ranking from the first fetch; where a tie may run past it,
 * fetched again with twice as many (up to `size`), so that ties go by id.
 */
export function resolveTies(
  rows: number,
  size: number,
  fetch: number,
  first: (query: number) => Ranked,
  again: (query: number, more: number) => Ranked,
): Neighbors[] {
  const out: Neighbors[] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    let result = first(i);
    let more = fetch;
    while (result.tiedAtEnd && more < size) {
      more = Math.min(size, more * 2);
      result = again(i, more);
    }
    out[i] = result.neighbors;
  }
  return out;
}
