import { EmptyIndexError } from '@tfsim/utils';

import { LinearSearch, type Neighbors } from '../src';
import { REFERENCE_DISTANCES, SEARCH_OPERATIONS, type SearchSuiteOptions, testSearch } from '../src/conformance';
import { stopHelpers } from '../src/kernel/pool';

afterAll(() => stopHelpers());

/** The suite's tests by "distance / title", registered with a recording `describe`/`it` instead of jest's. */
function register(options: Omit<SearchSuiteOptions, 'name'>): Map<string, () => Promise<void>> {
  const tests = new Map<string, () => Promise<void>>();
  let scope = '';
  testSearch(
    {
      describe: (name, fn) => {
        const outer = scope;
        scope = name;
        fn();
        scope = outer;
      },
      it: (name, fn) => void tests.set(`${scope} / ${name}`, fn),
    },
    { name: 'recorded', ...options },
  );
  return tests;
}

const create = (distance: string, dim: number) => new LinearSearch(distance, dim);
const titles = (tests: Map<string, unknown>) => [...tests.keys()];

describe('testSearch', () => {
  it('picks the operations a search declares it supports, per distance it serves', () => {
    const exact = titles(register({ create, distances: ['euclidean', 'cosine'], exact: true }));
    expect(exact).toHaveLength(2 * 15);
    expect(exact.filter((t) => t.startsWith('cosine / '))).toHaveLength(15);
    expect(exact).toContain('euclidean / breaks ties by ascending id');
    const approximate = titles(register({ create, distances: ['euclidean'], exact: false, minRecall: 0.5 }));
    expect(approximate).toEqual(exact.filter((t) => t.startsWith('euclidean / ') && !t.endsWith('breaks ties by ascending id')));
    const unsaved = titles(register({ create, distances: ['euclidean'], exact: true, saveLoad: false }));
    expect(unsaved).toEqual(exact.filter((t) => t.startsWith('euclidean / ') && !/saves and loads|refuses to load/.test(t)));
    const fixed = titles(register({ create, distances: ['euclidean'], exact: true, remove: false }));
    expect(fixed.filter((t) => /remove/.test(t))).toEqual(['euclidean / refuses remove with a clear error and keeps every row']);
    expect(fixed).toHaveLength(15 - 4 + 1);
    expect(Object.keys(SEARCH_OPERATIONS)).toEqual(['lookup', 'add', 'ties', 'validation', 'lifecycle', 'saveLoad', 'remove']);
  });

  it('brute-forces with references that match hand-computed values', () => {
    const q = Float32Array.from([1, 0]);
    const k = Float32Array.from([0.5, 0.75]);
    expect(REFERENCE_DISTANCES.inner_product!(q, k)).toBe(0.5);
    expect(REFERENCE_DISTANCES.cosine!(q, k)).toBe(0.5);
    expect(REFERENCE_DISTANCES.squared_euclidean!(q, k)).toBe(0.8125);
    expect(REFERENCE_DISTANCES.euclidean!(q, k)).toBe(Math.sqrt(0.8125));
    expect(REFERENCE_DISTANCES.manhattan!(q, k)).toBe(1.25);
    // var(q - k) / var(q) = var([0.5, -0.75]) / var([1, 0]) = 0.390625 / 0.25
    expect(REFERENCE_DISTANCES.snr!(q, k)).toBe(1.5625);
  });

  it('checks the error code, not the class name or wording', async () => {
    /** Throws an error named and worded like ours on an empty index, without its code. */
    class CodelessSearch extends LinearSearch {
      override lookup(embedding: ArrayLike<number>, k?: number): Neighbors {
        if (this.size() === 0) {
          const err = new Error('lookup on an empty index: add embeddings first');
          err.name = EmptyIndexError.name;
          throw err;
        }
        return super.lookup(embedding, k);
      }
    }
    const title = 'euclidean / starts empty and refuses lookups';
    await expect(register({ create, distances: ['euclidean'], exact: true }).get(title)!()).resolves.toBeUndefined();
    const codeless = register({ create: (d, dim) => new CodelessSearch(d, dim), distances: ['euclidean'], exact: true });
    await expect(codeless.get(title)!()).rejects.toThrow(/expected code ERR_EMPTY_INDEX, got undefined/);
  });

  it("fails a search that drops the caller's ids", async () => {
    /** Returns the right rows under the wrong ids: what a search that drops the caller's ids does. */
    class IdDroppingSearch extends LinearSearch {
      override batchLookup(...args: Parameters<LinearSearch['batchLookup']>): Neighbors[] {
        return super.batchLookup(...args).map((n) => ({ ids: Int32Array.from(n.ids, (_, i) => i), distances: n.distances }));
      }
    }
    const tests = register({ create: (d, dim) => new IdDroppingSearch(d, dim), distances: ['euclidean'], exact: true });
    await expect(tests.get('euclidean / batchLookup after batchAdd agrees with brute force')!()).rejects.toThrow(/query 0: ids/);
  });
});
