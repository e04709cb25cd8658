/** Capability `exact`: equal distances come back in ascending id order. */
import assert from 'node:assert/strict';

import type { SearchHarness } from './harness';

export function testTies(h: SearchHarness): void {
  const { it, similarity, size, keys, ids, queries } = h;

  it('breaks ties by ascending id', () => {
    const search = h.filled();
    // Copies of one row under shuffled ids: equal distances to any query.
    const copyIds = [900_005, 900_001, 900_004, 900_002, 900_003];
    search.batchAdd(
      copyIds.map(() => keys[0]!),
      copyIds,
    );
    const got = search.lookup(keys[0]!, 3);
    if (!similarity) assert.deepEqual(Array.from(got.ids), [...[ids[0]!, ...copyIds].sort((a, b) => a - b)].slice(0, 3));
    const all = search.lookup(queries[1]!, size + 5);
    const positions = copyIds.map((id) => Array.from(all.ids).indexOf(id)).sort((a, b) => a - b);
    const tied = positions.map((p) => all.ids[p]!);
    assert.deepEqual(
      tied,
      [...copyIds].sort((a, b) => a - b),
      'tied ids in ascending order',
    );
  });
}
