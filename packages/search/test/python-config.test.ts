import { Rng, UnknownNameError } from '@tfsim/utils';

import { faissAvailable, FaissSearch, fromPythonConfig, LinearSearch, type Search } from '../src';
import { stopHelpers } from '../src/kernel/pool';

afterAll(() => stopHelpers());

const rng = new Rng(5);
const rows = Array.from({ length: 20 }, () => Array.from({ length: 8 }, () => rng.normal()));
const queries = rows.slice(0, 3).map((r) => r.map((v) => v + 0.1));

/** Ids and distances of 4 neighbours of each query, after indexing `rows`. */
function neighbours(search: Search) {
  search.batchAdd(
    rows,
    rows.map((_, i) => i),
  );
  return search.batchLookup(queries, 4).map((n) => [Array.from(n.ids), Array.from(n.distances)]);
}

describe('search fromPythonConfig', () => {
  it("LinearSearch: Python's get_config() gives the settings and the neighbours of our options", () => {
    const search = fromPythonConfig('LinearSearch', { distance: 'l2', dim: 8, name: 'py_linear', verbose: 0 });
    expect(search).toBeInstanceOf(LinearSearch);
    expect([search.name, search.distance.name, search.dim]).toEqual(['py_linear', 'euclidean', 8]);
    expect(neighbours(search)).toEqual(neighbours(new LinearSearch('euclidean', 8, { name: 'py_linear' })));
  });

  (faissAvailable() ? it : it.skip)('FaissSearch: the same for an exact faiss index', () => {
    const search = fromPythonConfig('FaissSearch', { distance: 'cosine', dim: 8, name: 'faiss', verbose: 1, algo: 'flat', m: 8, nbits: 8 });
    expect(search).toBeInstanceOf(FaissSearch);
    expect([search.distance.name, (search as FaissSearch).algo]).toEqual(['cosine', 'flat']);
    expect(neighbours(search)).toEqual(neighbours(new FaissSearch('cosine', 8, { algo: 'flat' })));
  });

  it('an option we do not have, a missing dimension, or an unknown class is an error', () => {
    expect(() => fromPythonConfig('LinearSearch', { distance: 'cosine', dim: 8, normalize: true })).toThrow(
      "unknown option 'normalize' for LinearSearch; known options: name, threads",
    );
    expect(() => fromPythonConfig('FaissSearch', { distance: 'cosine', dim: 8, n_list: 4 })).toThrow("did you mean 'nlist'?");
    expect(() => fromPythonConfig('LinearSearch', { distance: 'cosine' })).toThrow('needs "distance" and "dim"');
    expect(() => fromPythonConfig('NMSLibSearch', { distance: 'cosine', dim: 8 })).toThrow(UnknownNameError);
  });
});
