import {
  blasAvailable,
  faissAvailable,
  FaissSearch,
  fastestExactSearch,
  getSearch,
  hnswAvailable,
  HnswSearch,
  isSearch,
  LinearSearch,
  usearchAvailable,
  UsearchSearch,
} from '../src';

describe('getSearch', () => {
  it('makes searches by name, alias or config, and passes a search through', () => {
    const linear = getSearch('linear', { distance: 'l2', dim: 4 });
    expect(linear).toBeInstanceOf(LinearSearch);
    expect(linear.getConfig()).toEqual({ type: 'linear', distance: 'euclidean', dim: 4, name: 'linear' });
    expect(getSearch(linear)).toBe(linear);
    expect(getSearch(linear.getConfig())).toBeInstanceOf(LinearSearch);
    expect(getSearch('LinearSearch', { distance: 'cosine', dim: 2, name: 'x' }).name).toBe('x');
    if (faissAvailable()) {
      const faiss = getSearch({ type: 'faiss', distance: 'cosine', dim: 8, name: 'f', algo: 'hnsw', efSearch: 50 });
      expect(faiss).toBeInstanceOf(FaissSearch);
      expect(faiss.getConfig()).toMatchObject({ algo: 'hnsw', efSearch: 50, factory: 'HNSW16' });
      expect(getSearch(faiss.getConfig()).getConfig()).toEqual(faiss.getConfig());
    }
  });

  const NATIVE = [
    {
      type: 'hnsw',
      className: 'HnswSearch',
      cls: HnswSearch,
      available: hnswAvailable,
      options: { m: 12, efSearch: 99, seed: 3 },
      config: { m: 12, efConstruction: 128, efSearch: 99, seed: 3 },
    },
    {
      type: 'usearch',
      className: 'UsearchSearch',
      cls: UsearchSearch,
      available: usearchAvailable,
      options: { precision: 'f16', expansionSearch: 99, connectivity: 12 },
      config: { precision: 'f16', exact: false, connectivity: 12, expansionAdd: 128, expansionSearch: 99 },
    },
  ];
  for (const c of NATIVE) {
    (c.available() ? it : it.skip)(`makes ${c.className} by name and by class name with its options; getConfig round-trips`, () => {
      const search = getSearch(c.type, { distance: 'cosine', dim: 8, ...c.options });
      expect(search).toBeInstanceOf(c.cls);
      expect(search.getConfig()).toEqual({ type: c.type, distance: 'cosine', dim: 8, name: c.type, ...c.config });
      expect(getSearch(search.getConfig()).getConfig()).toEqual(search.getConfig());
      expect(getSearch(c.className, { distance: 'l2', dim: 2 })).toBeInstanceOf(c.cls);
    });
  }

  it('rejects unknown names and missing settings', () => {
    expect(() => getSearch('annoy', { distance: 'cosine', dim: 2 })).toThrow(
      /unknown search algorithm "annoy"; known search algorithms: auto, linear, faiss, usearch, hnsw, nmslib/,
    );
    expect(() => getSearch('linear')).toThrow(/needs a distance and a dimension/);
  });

  (faissAvailable() ? it : it.skip)("'nmslib' (Python's NMSLibSearch) is FaissSearch's HNSW, with a one-line notice shown once", () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const search = getSearch('NMSLibSearch', { distance: 'cosine', dim: 3 }) as FaissSearch;
      expect(search).toBeInstanceOf(FaissSearch);
      expect(search.algo).toBe('hnsw');
      expect(getSearch('nmslib', { distance: 'l2', dim: 3 })).toBeInstanceOf(FaissSearch);
      expect(warn.mock.calls).toEqual([
        ["[tfsim] search 'nmslib': nmslib has no JavaScript binding; using FaissSearch with algo 'hnsw' (the same HNSW graph search)"],
      ]);
      // It finds what an exact search finds on a small index.
      const rows = [
        [1, 0, 0],
        [0, 1, 0],
        [0, 0, 1],
        [0.9, 0.1, 0],
      ];
      search.batchAdd(rows, [10, 11, 12, 13]);
      expect(Array.from(search.batchLookup([[1, 0.05, 0]], 2)[0]!.ids)).toEqual([10, 13]);
    } finally {
      warn.mockRestore();
    }
  });

  it('isSearch needs what the Indexer calls: batchLookup, batchAdd and getConfig', () => {
    expect(isSearch(new LinearSearch('cosine', 2))).toBe(true);
    expect(isSearch({ batchLookup: () => undefined })).toBe(false);
  });
});

describe("getSearch('auto')", () => {
  it('is the fastest exact search that loads: LinearSearch on blas where the addon loads and serves the distance', () => {
    const search = getSearch('auto', { distance: 'cosine', dim: 4 });
    expect(search).toBeInstanceOf(LinearSearch);
    expect((search as LinearSearch).kernel).toBe(blasAvailable() ? 'blas' : 'wasm');
    expect((getSearch('auto', { distance: 'manhattan', dim: 4 }) as LinearSearch).kernel).toBe('wasm');
    expect((fastestExactSearch('l2', 3) as LinearSearch).kernel).toBe(blasAvailable() ? 'blas' : 'wasm');
    // Its config reloads as a linear search (the kernel is chosen again where it loads).
    expect(search.getConfig()).toEqual({ type: 'linear', distance: 'cosine', dim: 4, name: 'linear' });
    expect((getSearch('linear', { distance: 'cosine', dim: 4, kernel: 'wasm' }) as LinearSearch).kernel).toBe('wasm');
  });
});
