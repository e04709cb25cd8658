/** Capability `reopen` (persistent stores): what was written survives a close and reopen. */
import assert from 'node:assert/strict';

import type { Store } from '../store';
import { rejectsWithCode, rows, sameBits, type StoreHarness } from './harness';

export function testReopen({ it, withStore }: StoreHarness, reopen: (store: Store) => Promise<Store>): void {
  it(
    'keeps everything written across a close and reopen',
    withStore(async (store) => {
      const e = rows(20, 4, 9);
      await store.batchAdd(
        e.slice(0, 10),
        e.slice(0, 10).map((_, i) => i),
        e.slice(0, 10).map((_, i) => ({ i })),
      );
      await store.add(e[10]!, 10, { i: 10 });
      const reopened = await reopen(store);
      assert.equal(await reopened.size(), 11);
      const got = await reopened.batchGet(Array.from({ length: 11 }, (_, i) => i));
      assert.deepEqual(
        got.labels,
        Array.from({ length: 11 }, (_, i) => i),
      );
      assert.deepEqual(
        got.data,
        Array.from({ length: 11 }, (_, i) => ({ i })),
      );
      got.embeddings.forEach((g, i) => sameBits(g, e[i]!, `reopened row ${i}`));
      assert.deepEqual(await reopened.batchAdd(e.slice(11)), [11, 12, 13, 14, 15, 16, 17, 18, 19]);
      await rejectsWithCode(reopened.add([1, 2, 3]), 'ERR_SHAPE', ['3', '4']);
      return reopened;
    }),
  );

  it(
    'keeps a reset across a reopen',
    withStore(async (store) => {
      await store.batchAdd(rows(5, 3, 10));
      await store.reset();
      const reopened = await reopen(store);
      assert.equal(await reopened.size(), 0);
      await rejectsWithCode(reopened.get(0), 'ERR_VALUE', ['0']);
      return reopened;
    }),
  );
}
