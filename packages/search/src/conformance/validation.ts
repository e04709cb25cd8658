/** Bad input: rejected with a stable code, and the index unchanged. */
import assert from 'node:assert/strict';

import { type SearchHarness, throwsWithCode } from './harness';
import { matrixOf } from './reference';

export function testValidation(h: SearchHarness): void {
  const { it, dim, size, k, keys, queries } = h;

  it('rejects bad input and changes nothing', () => {
    const search = h.filled();
    const before = search.batchLookup(matrixOf(queries.slice(0, 5)), k);
    const wide = new Float32Array(dim + 1);
    const nan = Float32Array.from(keys[0]!);
    nan[dim - 1] = Number.NaN;
    const inf = Float32Array.from(keys[0]!);
    inf[0] = Number.NEGATIVE_INFINITY;
    throwsWithCode(() => search.add(wide, 1), 'ERR_SHAPE', [String(dim + 1), String(dim)]);
    throwsWithCode(() => search.batchAdd([keys[1]!, wide], [1, 2]), 'ERR_SHAPE');
    throwsWithCode(() => search.batchAdd([keys[1]!, nan], [1, 2]), 'ERR_VALUE', ['NaN']);
    throwsWithCode(() => search.add(inf, 3), 'ERR_VALUE', ['Infinity']);
    throwsWithCode(() => search.batchAdd([keys[1]!, keys[2]!], [1]), 'ERR_SHAPE');
    throwsWithCode(() => search.batchAdd([keys[1]!], [1.5]), 'ERR_VALUE');
    throwsWithCode(() => search.lookup(wide, 3), 'ERR_SHAPE');
    throwsWithCode(() => search.lookup(nan, 3), 'ERR_VALUE');
    throwsWithCode(() => search.batchLookup([keys[0]!, inf], 3), 'ERR_VALUE');
    assert.equal(search.size(), size, 'nothing was added');
    const after = search.batchLookup(matrixOf(queries.slice(0, 5)), k);
    after.forEach((a, i) => assert.deepEqual(Array.from(a.ids), Array.from(before[i]!.ids), 'results unchanged'));
  });
}
