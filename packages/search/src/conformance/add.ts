/** add and batchAdd: single rows against batches, growth across batches. */
import assert from 'node:assert/strict';

import type { SearchHarness } from './harness';
import { matrixOf } from './reference';

export function testAdd(h: SearchHarness): void {
  const { it, options, distance, dim, size, k, keys, ids, queries } = h;

  it('single add and lookup agree with the batch forms', () => {
    const batch = h.filled();
    const single = options.create(distance, dim);
    // A first batch (which trains an index that needs it), then rows one by one.
    const half = Math.floor(size / 2);
    single.batchAdd(keys.slice(0, half), ids.slice(0, half));
    for (let i = half; i < size; i++) single.add(keys[i]!, ids[i]!);
    assert.equal(single.size(), size);
    const expected = batch.batchLookup(matrixOf(queries.slice(0, 10)), k);
    for (let qi = 0; qi < 10; qi++) {
      const got = single.lookup(queries[qi]!, k);
      if (options.exact) {
        assert.deepEqual(Array.from(got.ids), Array.from(expected[qi]!.ids), `query ${qi}`);
        assert.deepEqual(Array.from(got.distances), Array.from(expected[qi]!.distances), `query ${qi}`);
      }
    }
    h.checkResults(single.batchLookup(matrixOf(queries), k), size, k, 'after single adds');
  });

  it('grows across several batches', () => {
    const search = options.create(distance, dim);
    const cut = [0, Math.floor(size / 2), Math.floor((3 * size) / 4), size - 1, size];
    for (let i = 1; i < cut.length; i++) {
      search.batchAdd(matrixOf(keys.slice(cut[i - 1], cut[i])), ids.slice(cut[i - 1], cut[i]));
      assert.equal(search.size(), cut[i]);
    }
    h.checkResults(search.batchLookup(matrixOf(queries), k), size, k, 'after several batches');
  });
}
