/** Bad input: rejected with a stable code, and nothing of a bad batch written. */
import assert from 'node:assert/strict';

import { rejectsWithCode, rows, sameBits, type StoreHarness } from './harness';

export function testValidation({ it, withStore }: StoreHarness): void {
  it(
    'rejects bad input whole: nothing of a bad batch is written',
    withStore(async (store) => {
      await store.batchAdd(rows(2, 3, 3), [0, 1]);
      const bad: Array<[string, () => Promise<unknown>, string]> = [
        [
          'NaN',
          () =>
            store.batchAdd([
              [1, 2, 3],
              [1, Number.NaN, 3],
            ]),
          'ERR_VALUE',
        ],
        ['Infinity', () => store.add([1, Number.POSITIVE_INFINITY, 3]), 'ERR_VALUE'],
        ['wrong dimension', () => store.batchAdd([[1, 2, 3, 4]]), 'ERR_SHAPE'],
        [
          'ragged rows',
          () =>
            store.batchAdd([
              [1, 2, 3],
              [1, 2],
            ]),
          'ERR_SHAPE',
        ],
        [
          'labels length',
          () =>
            store.batchAdd(
              [
                [1, 2, 3],
                [4, 5, 6],
              ],
              [1],
            ),
          'ERR_SHAPE',
        ],
        ['data length', () => store.batchAdd([[1, 2, 3]], [1], [1, 2]), 'ERR_SHAPE'],
        [
          'fractional label',
          () =>
            store.batchAdd(
              [
                [1, 2, 3],
                [4, 5, 6],
              ],
              [1, 1.5],
            ),
          'ERR_VALUE',
        ],
        [
          'BigInt data',
          () =>
            store.batchAdd(
              [
                [1, 2, 3],
                [4, 5, 6],
              ],
              null,
              [1, 2n],
            ),
          'ERR_VALUE',
        ],
      ];
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      bad.push(['cyclic data', () => store.add([1, 2, 3], 1, cyclic), 'ERR_VALUE']);
      for (const [what, call, code] of bad) {
        await rejectsWithCode(call(), code);
        assert.equal(await store.size(), 2, `size unchanged after ${what}`);
      }
      assert.equal(await store.add([7, 8, 9], 2), 2);
      sameBits((await store.get(2)).embedding, [7, 8, 9], 'record added after the errors');
    }),
  );

  it(
    'rejects unknown ids',
    withStore(async (store) => {
      await store.batchAdd(rows(3, 2, 4));
      for (const id of [-1, 3, 1.5, Number.NaN]) {
        await rejectsWithCode(store.get(id), 'ERR_VALUE', [String(id)]);
      }
      await rejectsWithCode(store.batchGet([0, 3]), 'ERR_VALUE', ['3']);
    }),
  );
}
