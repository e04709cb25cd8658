/**
 * The shared test suite every Store runs, in the manner of abstract-level's:
 * one file per operation under `conformance/`, picked by what the store
 * declares it supports (`StoreCapabilities`). An implementation (ours or a
 * third party's) passes `describe` and `it` from its test framework and a
 * factory of fresh stores. Assertions use `node:assert`, so the suite runs
 * under jest, vitest, mocha or `node:test`; errors are checked by their
 * stable `err.code` (`ERROR_CODES` of @tfsim/utils), not by class name or wording.
 *
 * ```ts
 * import { testStore } from '@tfsim/stores/conformance';
 * testStore({ describe, it }, { name: 'MyStore', create: async () => new MyStore() });
 * ```
 */
import { testAdd } from './conformance/add';
import { testConcurrency } from './conformance/concurrency';
import { harness, type StoreOperationSuite, type StoreSuiteOptions, type SuiteFunctions } from './conformance/harness';
import { testRecords } from './conformance/records';
import { testRemove } from './conformance/remove';
import { testReopen } from './conformance/reopen';
import { testSaveLoad } from './conformance/save-load';
import { testValidation } from './conformance/validation';

export type { StoreCapabilities, StoreHarness, StoreOperationSuite, StoreSuiteOptions, SuiteFunctions } from './conformance/harness';

/** Each operation's tests, for a store that wants to run only some of them (`testStore` runs what its capabilities allow). */
export const STORE_OPERATIONS = {
  add: testAdd,
  validation: testValidation,
  records: testRecords,
  concurrency: testConcurrency,
  saveLoad: testSaveLoad,
  remove: testRemove,
} satisfies Record<string, StoreOperationSuite>;

/** Registers the Store conformance tests under `describe('Store conformance: ' + options.name)`. */
export function testStore(t: SuiteFunctions, options: StoreSuiteOptions): void {
  const h = harness(t, options);
  t.describe(`Store conformance: ${options.name}`, () => {
    testAdd(h);
    testValidation(h);
    testRecords(h);
    if (options.concurrentWrites ?? true) testConcurrency(h);
    if (options.saveLoad ?? true) testSaveLoad(h);
    if (options.remove ?? true) testRemove(h);
    if (options.reopen) testReopen(h, options.reopen);
  });
}
