import { FaissSearch, faissAvailable, getSearch, isSearch, LinearSearch } from '../src';

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
    expect(() => getSearch('nmslib', { distance: 'cosine', dim: 2 })).toThrow(/unknown search algorithm "nmslib"; known search algorithms: linear, faiss/);
    expect(() => getSearch('linear')).toThrow(/needs a distance and a dimension/);
  });

  it('isSearch needs what the Indexer calls: batchLookup, batchAdd and getConfig', () => {
    expect(isSearch(new LinearSearch('cosine', 2))).toBe(true);
    expect(isSearch({ batchLookup: () => undefined })).toBe(false);
  });
});
