/** toRecords, reset and getConfig. */
import assert from 'node:assert/strict';

import { rejectsWithCode, rows, sameBits, type StoreHarness } from './harness';

export function testRecords({ it, withStore }: StoreHarness): void {
  it(
    'toRecords returns the first records (0: all)',
    withStore(async (store) => {
      const e = rows(4, 3, 5);
      await store.batchAdd(e, [0, 1, 0, 1], [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
      const two = await store.toRecords(2);
      assert.deepEqual(
        two.map((r) => [r.id, r.label, r.data]),
        [
          [0, 0, { i: 0 }],
          [1, 1, { i: 1 }],
        ],
      );
      sameBits(two[1]!.embedding, e[1]!, 'toRecords embedding');
      assert.equal((await store.toRecords()).length, 4);
      assert.equal((await store.toRecords(0)).length, 4);
      assert.equal((await store.toRecords(10)).length, 4);
    }),
  );

  it(
    'reset empties the store, which then takes any dimension',
    withStore(async (store) => {
      await store.batchAdd(rows(3, 4, 6), [1, 2, 3]);
      await store.reset();
      assert.equal(await store.size(), 0);
      await rejectsWithCode(store.get(0), 'ERR_VALUE', ['0']);
      assert.equal(await store.add([1, 2], 5), 0);
      assert.equal((await store.get(0)).label, 5);
    }),
  );

  it(
    'getConfig names the type and the store',
    withStore(async (store) => {
      const config = store.getConfig();
      assert.equal(typeof config.type, 'string');
      assert.equal(config.name, store.name);
    }),
  );
}
