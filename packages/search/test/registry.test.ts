import { blasAvailable, FaissSearch, faissAvailable, fastestExactSearch, getSearch, isSearch, LinearSearch } from '../src';

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

  it('rejects unknown names and missing settings', () => {
    expect(() => getSearch('nmslib', { distance: 'cosine', dim: 2 })).toThrow(/unknown search algorithm "nmslib"; known search algorithms: auto, linear, faiss, usearch/);
    expect(() => getSearch('linear')).toThrow(/needs a distance and a dimension/);
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
