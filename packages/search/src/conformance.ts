/**
 * The shared test suite every Search runs, in the manner of abstract-level's:
 * one file per operation under `conformance/`, picked by what the search
 * declares it supports (`SearchCapabilities`: the distances it serves,
 * exact or approximate results, save/load). An implementation (ours or a
 * third party's) passes `describe` and `it` from its test framework and a
 * factory of fresh searches. Assertions use `node:assert`, so the suite runs
 * under jest, vitest, mocha or `node:test`; errors are checked by their
 * stable `err.code` (`ERROR_CODES` of @tfsim/utils), not by class name or wording.
 *
 * Results are checked against a brute-force reference written here, in
 * float64, independent of @tfsim/distances: exact searches must return the
 * same ids (ties by ascending id) and distances; approximate ones must reach
 * `minRecall` and report correct ids.
 *
 * ```ts
 * import { testSearch } from '@tfsim/search/conformance';
 * testSearch({ describe, it }, {
 *   name: 'MySearch',
 *   create: (distance, dim) => new MySearch(distance, dim),
 *   distances: ['euclidean', 'cosine'],
 *   exact: true,
 * });
 * ```
 */
import { testAdd } from './conformance/add';
import { harness, type SearchHarness, type SearchSuiteOptions, type SuiteFunctions } from './conformance/harness';
import { testLifecycle } from './conformance/lifecycle';
import { testLookup } from './conformance/lookup';
import { testRemove } from './conformance/remove';
import { testSaveLoad } from './conformance/save-load';
import { testTies } from './conformance/ties';
import { testValidation } from './conformance/validation';

export type { SearchCapabilities, SearchHarness, SearchSuiteOptions, SuiteFunctions } from './conformance/harness';
export { REFERENCE_DISTANCES } from './conformance/reference';

/** Each operation's tests, for a search that wants to run only some of them (`testSearch` runs what its capabilities allow). */
export const SEARCH_OPERATIONS = {
  lookup: testLookup,
  add: testAdd,
  ties: testTies,
  validation: testValidation,
  lifecycle: testLifecycle,
  saveLoad: testSaveLoad,
  remove: testRemove,
} satisfies Record<string, (h: SearchHarness) => void>;

/** Registers the Search conformance tests under `describe('Search conformance: ' + options.name)`, one `describe` per distance. */
export function testSearch(t: SuiteFunctions, options: SearchSuiteOptions): void {
  t.describe(`Search conformance: ${options.name}`, () => {
    for (const distance of options.distances) {
      const h = harness(t, options, distance);
      t.describe(distance, () => {
        testLookup(h);
        testAdd(h);
        if (options.exact) testTies(h);
        testValidation(h);
        testLifecycle(h);
        if (options.saveLoad ?? true) testSaveLoad(h);
        testRemove(h);
      });
    }
  });
}
