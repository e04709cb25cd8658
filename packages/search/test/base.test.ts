import type { MatrixLike } from '@tfsim/utils';

import { BaseSearch } from '../src/base';
import { checkAddBatch, queryMatrix, rankFetched } from '../src/common';
import type { Neighbors, SearchConfig } from '../src/search';

interface ToyOptions {
  name?: string;
  width?: number;
}

/** The least search over BaseSearch: remembers its batches, answers every query with its first k ids at distance = query[0]. */
class ToySearch extends BaseSearch<ToyOptions> {
  static readonly optionKeys = { name: true, width: true } as const;
  readonly batches: { rows: number; ids: number[] }[] = [];
  readonly metric: string;

  constructor(distance: string, dim: number, options: ToyOptions = {}) {
    super(distance, dim, options, 'toy', [['width', 2]]);
    this.metric = this.metricOf({ cosine: 'ip', euclidean: 'l2' });
  }

  size(): number {
    return this.batches.reduce((n, b) => n + b.rows, 0);
  }

  batchAdd(embeddings: MatrixLike, ids: ArrayLike<number>): void {
    const batch = checkAddBatch(embeddings, ids, this.dim);
    this.batches.push({ rows: batch.m.rows, ids: Array.from(batch.ids) });
  }

  batchLookup(embeddings: MatrixLike, k = 5): Neighbors[] {
    const q = queryMatrix(embeddings, this.dim);
    const ids = this.batches.flatMap((b) => b.ids).slice(0, k);
    return Array.from({ length: q.rows }, (_, i) => ({
      ids: Int32Array.from(ids),
      distances: new Float32Array(ids.length).fill(q.data[i * this.dim]!),
    }));
  }

  reset(): void {
    this.batches.length = 0;
  }

  async save(): Promise<void> {}

  async load(): Promise<void> {}

  getConfig(): SearchConfig {
    return { type: 'toy', distance: this.distance.name, dim: this.dim, name: this.name };
  }
}

/** A native-like index whose every key has a fixed distance; it returns the `fetch` nearest in its own order: ties by descending key. */
class FetchingSearch extends ToySearch {
  readonly fetches: number[] = [];

  constructor(readonly values: number[]) {
    super('euclidean', 2);
  }

  override size(): number {
    return this.values.length;
  }

  override batchLookup(embeddings: MatrixLike, k = 5): Neighbors[] {
    const keys = this.values.map((_, key) => key).sort((a, b) => this.values[a]! - this.values[b]! || b - a);
    return this.fetchedLookup(embeddings, k, this.values.length, {
      prepare: (queries) => queries.data.subarray(0, queries.rows * this.dim),
      search: (data, fetch) => {
        this.fetches.push(fetch);
        return Array.from({ length: data.length / this.dim }, () => keys.slice(0, fetch));
      },
      collect: (found, query, fetch, kk) => {
        const got = found[query]!;
        return rankFetched(
          Int32Array.from(got),
          Float32Array.from(got, (key) => this.values[key]!),
          fetch,
          kk,
          false,
        );
      },
    });
  }
}

describe('BaseSearch', () => {
  it('fetchedLookup asks for k + 8, ranks ties by id, and asks again where ties run past the fetch', () => {
    // Key 0 at 0.5, keys 1-12 tied at 0.25, key 13 at 0.75: the first fetch of 2 + 8 holds keys 12 ... 3, all tied.
    const search = new FetchingSearch([0.5, ...Array<number>(12).fill(0.25), 0.75]);
    const got = search.batchLookup(
      [
        [0, 0],
        [1, 1],
      ],
      2,
    );
    expect(got.map((n) => Array.from(n.ids))).toEqual([
      [1, 2],
      [1, 2],
    ]);
    expect(Array.from(got[0]!.distances)).toEqual([0.25, 0.25]);
    // One batch fetch of 10, then each query alone with twice as many (capped at the 14 keys).
    expect(search.fetches).toEqual([10, 14, 14]);
    // No tie at the end: one fetch.
    const plain = new FetchingSearch([0.5, 0.25, 0.75, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(Array.from(plain.lookup([0, 0], 3).ids)).toEqual([1, 0, 2]);
    expect(plain.fetches).toEqual([11]);
    expect(() => plain.lookup([0, 0], 0)).toThrow(expect.objectContaining({ code: 'ERR_VALUE' }));
    expect(() => new FetchingSearch([]).lookup([0, 0], 1)).toThrow(expect.objectContaining({ code: 'ERR_EMPTY_INDEX' }));
    expect(plain.batchLookup({ data: new Float32Array(0), rows: 0, cols: 2 }, 3)).toEqual([]);
  });

  it('resolves the distance by name or alias, checks the dimension, and names the search', () => {
    const search = new ToySearch('l2', 3);
    expect(search.distance.name).toBe('euclidean');
    expect(search.dim).toBe(3);
    expect(search.name).toBe('toy');
    expect(search.metric).toBe('l2');
    expect(new ToySearch('cosine', 3, { name: 'mine' }).name).toBe('mine');
    expect(() => new ToySearch('cosine', 0)).toThrow(expect.objectContaining({ code: 'ERR_VALUE', message: expect.stringMatching(/dim/) }));
    expect(() => new ToySearch('no-such-distance', 3)).toThrow(expect.objectContaining({ code: 'ERR_UNKNOWN_NAME' }));
  });

  it("checks option keys against the subclass's optionKeys, and its integer options", () => {
    expect(() => new ToySearch('cosine', 3, { widht: 4 } as ToyOptions)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_OPTION',
        message: expect.stringMatching(/'widht' for ToySearch; did you mean 'width'/),
      }),
    );
    expect(() => new ToySearch('cosine', 3, { width: 1 })).toThrow(/width/);
    expect(() => new ToySearch('cosine', 3, { width: 2.5 })).toThrow(/width/);
    expect(new ToySearch('cosine', 3, { width: 2 }).name).toBe('toy');
  });

  it('a distance missing from metricOf is a ValueError naming the class, the distance and what it serves', () => {
    expect(() => new ToySearch('manhattan', 3)).toThrow(
      expect.objectContaining({
        code: 'ERR_VALUE',
        message: 'ToySearch does not serve distance "manhattan" (it serves cosine, euclidean); use LinearSearch',
      }),
    );
  });

  it('add is a one-row batchAdd, lookup the first result of a one-row batchLookup, both with the row checked', () => {
    const search = new ToySearch('euclidean', 3);
    search.add([1, 2, 3], 7);
    search.add(new Float32Array([4, 5, 6]), -2);
    expect(search.batches).toEqual([
      { rows: 1, ids: [7] },
      { rows: 1, ids: [-2] },
    ]);
    const got = search.lookup([0.5, 0, 0], 1);
    expect(Array.from(got.ids)).toEqual([7]);
    expect(Array.from(got.distances)).toEqual([0.5]);
    expect(Array.from(search.lookup([0.25, 0, 0]).ids)).toEqual([7, -2]);
    expect(() => search.add([1, 2], 3)).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => search.lookup([1, 2, 3, 4])).toThrow(expect.objectContaining({ code: 'ERR_SHAPE' }));
    expect(() => search.add([1, Number.NaN, 3], 3)).toThrow(expect.objectContaining({ code: 'ERR_VALUE' }));
    expect(search.size()).toBe(2);
  });

  it('isBuilt is true unless a search says otherwise', () => {
    expect(new ToySearch('cosine', 2).isBuilt()).toBe(true);
  });
});
