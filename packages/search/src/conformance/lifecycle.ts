/** reset and getConfig. */
import assert from 'node:assert/strict';

import { type SearchHarness, throwsWithCode } from './harness';
import { matrixOf } from './reference';

export function testLifecycle(h: SearchHarness): void {
  const { it, options, distance, dim, size, k, keys, ids, queries } = h;

  it('reset empties the index', () => {
    const search = h.filled();
    search.reset();
    assert.equal(search.size(), 0);
    throwsWithCode(() => search.lookup(queries[0]!, 3), 'ERR_EMPTY_INDEX');
    search.batchAdd(matrixOf(keys), ids);
    h.checkResults(search.batchLookup(matrixOf(queries), k), size, k, 'after reset and re-add');
  });

  it('getConfig names the type, distance and dimension', () => {
    const config = options.create(distance, dim).getConfig();
    assert.equal(typeof config.type, 'string');
    assert.equal(config.distance, distance);
    assert.equal(config.dim, dim);
  });
}
