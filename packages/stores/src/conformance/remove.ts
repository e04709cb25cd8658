/**
 * Capability `remove` (default true): remove and update, all or none, with
 * stable ids, across save / load and reopen where the store declares them.
 */
import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import type { Store } from '../store';
import { rejectsWithCode, rows, sameBits, type StoreHarness, withDir } from './harness';

type Removable = Store & Required<Pick<Store, 'remove' | 'update'>>;

function removable(store: Store): Removable {
  assert.equal(typeof store.remove, 'function', 'a store declaring `remove` has a remove method');
  assert.equal(typeof store.update, 'function', 'a store declaring `remove` has an update method');
  return store as Removable;
}

/** Five records 0..4 with labels 10..14 and data {i}; returns their embeddings. */
async function fill(store: Store): Promise<Float32Array[]> {
  const e = rows(5, 3, 21);
  await store.batchAdd(
    e,
    [10, 11, 12, 13, 14],
    e.map((_, i) => ({ i })),
  );
  return e;
}

async function expectHolds(store: Store, ids: number[], e: Float32Array[], what: string): Promise<void> {
  assert.equal(await store.size(), ids.length, `${what}: size`);
  const records = await store.toRecords();
  assert.deepEqual(
    records.map((r) => r.id),
    ids,
    `${what}: toRecords ids`,
  );
  assert.deepEqual(
    records.map((r) => r.label),
    ids.map((id) => 10 + id),
    `${what}: labels`,
  );
  assert.deepEqual(
    records.map((r) => r.data),
    ids.map((id) => ({ i: id })),
    `${what}: data`,
  );
  records.forEach((r) => sameBits(r.embedding, e[r.id]!, `${what}: embedding ${r.id}`));
}

export function testRemove({ it, withStore, options }: StoreHarness): void {
  it(
    'remove keeps the other ids, makes the removed ones unknown, and never gives them again',
    withStore(async (s) => {
      const store = removable(s);
      const e = await fill(store);
      await store.remove([3, 1]);
      await expectHolds(store, [0, 2, 4], e, 'after remove');
      await rejectsWithCode(store.get(1), 'ERR_VALUE', ['1']);
      await rejectsWithCode(store.batchGet([0, 3]), 'ERR_VALUE', ['3']);
      assert.deepEqual(
        (await store.toRecords(2)).map((r) => r.id),
        [0, 2],
        'toRecords(2): the first two held',
      );
      await store.remove([4]);
      assert.equal(await store.add([1, 2, 3], 15), 5, 'the next id follows the largest ever given');
      await store.remove([]);
      assert.equal(await store.size(), 3);
    }),
  );

  it(
    'remove is all or none: an unknown, removed, repeated or fractional id changes nothing',
    withStore(async (s) => {
      const store = removable(s);
      const e = await fill(store);
      await store.remove([2]);
      for (const [bad, mention] of [
        [[0, 9], '9'],
        [[0, 2], '2'],
        [[0, 0], '0'],
        [[0, 1.5], '1.5'],
        [[-1], '-1'],
      ] as const) {
        await rejectsWithCode(store.remove(bad), 'ERR_VALUE', [mention]);
      }
      await expectHolds(store, [0, 1, 3, 4], e, 'after refused removes');
    }),
  );

  it(
    'update replaces records in place, bit for bit, and leaves the others',
    withStore(async (s) => {
      const store = removable(s);
      const e = await fill(store);
      const fresh = rows(2, 3, 22);
      await store.update([4, 1], fresh, [40, null], [{ new: 4 }, undefined]);
      assert.equal(await store.size(), 5);
      const got = await store.batchGet([0, 1, 4]);
      sameBits(got.embeddings[0]!, e[0]!, 'untouched record 0');
      sameBits(got.embeddings[1]!, fresh[1]!, 'updated record 1');
      sameBits(got.embeddings[2]!, fresh[0]!, 'updated record 4');
      assert.deepEqual(got.labels, [10, null, 40]);
      assert.deepEqual(got.data, [{ i: 0 }, null, { new: 4 }]);
      await store.update([2], [[7, 8, 9]]);
      const r2 = await store.get(2);
      assert.equal(r2.label, null, 'an update without labels leaves none');
      assert.equal(r2.data, null);
    }),
  );

  it(
    'update is all or none: a bad id, dimension, value or length changes nothing',
    withStore(async (s) => {
      const store = removable(s);
      const e = await fill(store);
      await store.remove([3]);
      const good = [1, 1, 1];
      const bad: Array<[string, () => Promise<unknown>, string]> = [
        ['a removed id', () => store.update([0, 3], [good, good]), 'ERR_VALUE'],
        ['an unknown id', () => store.update([0, 7], [good, good]), 'ERR_VALUE'],
        ['a repeated id', () => store.update([0, 0], [good, good]), 'ERR_VALUE'],
        ['a wrong dimension', () => store.update([0], [[1, 2]]), 'ERR_SHAPE'],
        ['NaN', () => store.update([0, 1], [good, [1, Number.NaN, 1]]), 'ERR_VALUE'],
        ['fewer ids than rows', () => store.update([0], [good, good]), 'ERR_SHAPE'],
        ['a fractional label', () => store.update([0], [good], [0.5]), 'ERR_VALUE'],
      ];
      for (const [what, call, code] of bad) {
        await rejectsWithCode(call(), code);
        await expectHolds(store, [0, 1, 2, 4], e, `after ${what}`);
      }
    }),
  );

  it(
    'reset after removals starts the ids again at 0',
    withStore(async (s) => {
      const store = removable(s);
      await fill(store);
      await store.remove([0, 4]);
      await store.reset();
      assert.equal(await store.size(), 0);
      assert.equal(await store.add([1, 2]), 0);
      assert.deepEqual(
        (await store.toRecords()).map((r) => r.id),
        [0],
      );
    }),
  );

  if (options.saveLoad ?? true) {
    it(
      'save and load keep the ids, the removed ones and the next id',
      withStore(async (s) => {
        const store = removable(s);
        const e = await fill(store);
        await store.remove([0, 3]);
        await withDir(async (dir) => {
          const folder = path.join(dir, 'saved');
          await store.save(folder);
          const manifest = JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8'));
          assert.equal(manifest.version, 2, 'a store with removed records saves version 2');
          const other = removable(await options.create());
          try {
            await other.add([9, 9, 9], 1);
            assert.equal(await other.load(folder), 3);
            await expectHolds(other, [1, 2, 4], e, 'loaded');
            await rejectsWithCode(other.get(0), 'ERR_VALUE', ['0']);
            await rejectsWithCode(other.remove([3]), 'ERR_VALUE', ['3']);
            assert.equal(await other.add(e[0]!, 15, { i: 5 }), 5, 'ids continue after the saved next id');
            // a loaded store saves what it loaded
            const again = path.join(dir, 'again');
            await other.remove([5]);
            await other.save(again);
            for (const file of ['ids.f64', 'embeddings.f32', 'labels.f64', 'data.json']) {
              assert.deepEqual(
                await readFile(path.join(again, file)),
                await readFile(path.join(folder, file)),
                `${file} saved again bit for bit`,
              );
            }
          } finally {
            await other.close();
          }
          // hostile ids: not ascending, past nextId, nextId below size
          const file = path.join(folder, 'manifest.json');
          const idsFile = path.join(folder, manifest.arrays.ids.file);
          await writeFile(idsFile, new Uint8Array(Float64Array.from([2, 1, 4]).buffer));
          await rejectsWithCode(store.load(folder), 'ERR_FORMAT', ['ascending']);
          await writeFile(idsFile, new Uint8Array(Float64Array.from([1, 2, 5]).buffer));
          await rejectsWithCode(store.load(folder), 'ERR_FORMAT', ['ascending']);
          await writeFile(file, JSON.stringify({ ...manifest, nextId: 2 }));
          await rejectsWithCode(store.load(folder), 'ERR_FORMAT', ['nextId']);
        });
        await expectHolds(store, [1, 2, 4], e, 'after refused loads');
      }),
    );

    it(
      'a store that never removed a record saves version 1',
      withStore(async (store) => {
        await fill(store);
        await withDir(async (dir) => {
          await store.save(path.join(dir, 'v1'));
          const manifest = JSON.parse(await readFile(path.join(dir, 'v1', 'manifest.json'), 'utf8'));
          assert.equal(manifest.version, 1);
          assert.equal(manifest.arrays.ids, undefined);
        });
      }),
    );
  }

  if (options.reopen) {
    const reopen = options.reopen;
    it(
      'removals and updates survive a close and reopen',
      withStore(async (s) => {
        const store = removable(s);
        const e = await fill(store);
        await store.remove([1]);
        const fresh = rows(1, 3, 23);
        await store.update([2], fresh, [12], [{ i: 2 }]);
        const reopened = removable(await reopen(store));
        e[2] = fresh[0]!;
        await expectHolds(reopened, [0, 2, 3, 4], e, 'reopened');
        await rejectsWithCode(reopened.get(1), 'ERR_VALUE', ['1']);
        assert.equal(await reopened.add([1, 1, 1]), 5);
        return reopened;
      }),
    );
  }
}
