/** add, batchAdd and get: ids, whole records, exact values, copies. */
import assert from 'node:assert/strict';

import { rejectsWithCode, rows, sameBits, type StoreHarness } from './harness';

export function testAdd({ it, withStore }: StoreHarness): void {
  it(
    'starts empty',
    withStore(async (store) => {
      assert.equal(await store.size(), 0);
      assert.deepEqual(await store.toRecords(), []);
      const none = await store.batchGet([]);
      assert.deepEqual(none, { embeddings: [], labels: [], data: [] });
      await rejectsWithCode(store.get(0), 'ERR_VALUE', ['0']);
    }),
  );

  it(
    'add returns ids 0, 1, 2, ... and get returns each record whole',
    withStore(async (store) => {
      const e = rows(3, 4, 1);
      assert.equal(await store.add(e[0]!, 7, { path: 'a.png', tags: ['x', 'y'] }), 0);
      assert.equal(await store.add(Array.from(e[1]!), null), 1);
      assert.equal(await store.add(e[2]!), 2);
      assert.equal(await store.size(), 3);
      const r0 = await store.get(0);
      sameBits(r0.embedding, e[0]!, 'embedding 0');
      assert.equal(r0.label, 7);
      assert.deepEqual(r0.data, { path: 'a.png', tags: ['x', 'y'] });
      const r1 = await store.get(1);
      sameBits(r1.embedding, e[1]!, 'embedding 1');
      assert.equal(r1.label, null);
      assert.equal(r1.data, null);
      assert.equal((await store.get(2)).label, null);
    }),
  );

  it(
    'batchAdd continues the ids and batchGet returns records in the order asked',
    withStore(async (store) => {
      const e = rows(6, 5, 2);
      assert.deepEqual(await store.batchAdd(e.slice(0, 2), [1, 2], ['a', 'b']), [0, 1]);
      const data = { rows: 4, cols: 5, data: new Float32Array(20) };
      for (let i = 0; i < 4; i++) data.data.set(e[2 + i]!, i * 5);
      assert.deepEqual(await store.batchAdd(data, [3, 4, 5, 6]), [2, 3, 4, 5]);
      assert.deepEqual(await store.batchAdd([]), []);
      assert.equal(await store.size(), 6);
      const got = await store.batchGet([5, 0, 3, 0]);
      assert.deepEqual(got.labels, [6, 1, 4, 1]);
      assert.deepEqual(got.data, [null, 'a', null, 'a']);
      [5, 0, 3, 0].forEach((id, i) => sameBits(got.embeddings[i]!, e[id]!, `batchGet row ${i}`));
    }),
  );

  it(
    'keeps float32 values exactly, and data as JSON',
    withStore(async (store) => {
      const special = Float32Array.from([-0, 1e-45, -3.4028234663852886e38, 1 / 3, 1e30]);
      const data = { s: 'héllo ✓ "quoted"\n', n: [1, 2.5, -0], nested: { deep: [null, true, false] } };
      await store.add(special, -3, data);
      await store.add(special, 0, undefined);
      const r = await store.get(0);
      sameBits(r.embedding, special, 'special values');
      assert.equal(r.label, -3);
      assert.deepEqual(r.data, JSON.parse(JSON.stringify(data)));
      assert.equal((await store.get(1)).data, null);
    }),
  );

  it(
    'returns copies: changing what was returned or passed changes nothing stored',
    withStore(async (store) => {
      const e = Float32Array.from([1, 2, 3]);
      const data = { list: [1, 2] };
      await store.add(e, 1, data);
      e[0] = 99;
      data.list.push(3);
      const r = await store.get(0);
      r.embedding[1] = 42;
      (r.data as { list: number[] }).list.push(4);
      const again = await store.get(0);
      sameBits(again.embedding, [1, 2, 3], 'stored embedding');
      assert.deepEqual(again.data, { list: [1, 2] });
    }),
  );
}
