/** lookup and batchLookup: empty index, agreement with brute force, k. */
import assert from 'node:assert/strict';

import { type SearchHarness, throwsWithCode } from './harness';
import { bruteForce, checkSorted, matrixOf } from './reference';

export function testLookup(h: SearchHarness): void {
  const { it, options, distance, similarity, dim, size, k, keys, ids, queries } = h;

  it('starts empty and refuses lookups', () => {
    const search = options.create(distance, dim);
    assert.equal(search.size(), 0);
    assert.equal(search.dim, dim);
    assert.equal(search.distance.name, distance);
    throwsWithCode(() => search.lookup(queries[0]!, 3), 'ERR_EMPTY_INDEX');
    throwsWithCode(() => search.batchLookup([queries[0]!], 3), 'ERR_EMPTY_INDEX');
  });

  it('batchLookup after batchAdd agrees with brute force', () => {
    const search = h.filled();
    assert.equal(search.size(), size);
    assert.ok(search.isBuilt());
    h.checkResults(search.batchLookup(matrixOf(queries), k));
    h.checkResults(
      search.batchLookup(
        queries.map((q) => Array.from(q)),
        1,
      ),
      size,
      1,
      'k=1, rows as number[][]',
    );
  });

  it('returns every item when k exceeds the size, and rejects k < 1', () => {
    const search = h.filled();
    const all = search.lookup(queries[0]!, size + 50);
    if (options.exact) {
      assert.equal(all.ids.length, size);
      assert.deepEqual(Array.from(all.ids), Array.from(bruteForce(distance, keys, ids, queries[0]!, size).ids));
    } else {
      assert.ok(all.ids.length <= size);
      checkSorted(all, similarity, 'k > size');
    }
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      throwsWithCode(() => search.lookup(queries[0]!, bad), 'ERR_VALUE', ['k']);
      throwsWithCode(() => search.batchLookup([queries[0]!], bad), 'ERR_VALUE', ['k']);
    }
  });
}
