/** Capability `concurrentWrites`: batchAdds in flight together on one handle. */
import assert from 'node:assert/strict';

import { rows, sameBits, type StoreHarness } from './harness';

export function testConcurrency({ it, withStore }: StoreHarness): void {
  it(
    'concurrent batchAdds get distinct consecutive ids and keep every record whole',
    withStore(async (store) => {
      const batches = Array.from({ length: 8 }, (_, b) => rows(5, 6, 100 + b));
      const ids = await Promise.all(
        batches.map((rs, b) =>
          store.batchAdd(
            rs,
            rs.map(() => b),
          ),
        ),
      );
      assert.deepEqual(
        ids.flat().sort((a, b) => a - b),
        Array.from({ length: 40 }, (_, i) => i),
      );
      for (let b = 0; b < 8; b++) {
        const got = await store.batchGet(ids[b]!);
        assert.deepEqual(got.labels, [b, b, b, b, b]);
        got.embeddings.forEach((e, i) => sameBits(e, batches[b]![i]!, `batch ${b} row ${i}`));
      }
    }),
  );
}
