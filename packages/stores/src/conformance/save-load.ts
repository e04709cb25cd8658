/** Capability `saveLoad`: the shared saved format, bit for bit, and refusal of other folders. */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import { rejectsWithCode, rows, sameBits, type StoreHarness, withDir } from './harness';

export function testSaveLoad({ it, withStore, options }: StoreHarness): void {
  it(
    'saves and loads, bit for bit, into a fresh store',
    withStore(async (store) => {
      const e = rows(50, 8, 7);
      const labels = e.map((_, i) => (i % 3 === 0 ? null : i % 5));
      const data = e.map((_, i) => (i % 2 ? { i, name: `item-${i}` } : null));
      await store.batchAdd(e, labels, data);
      await withDir(async (dir) => {
        const folder = path.join(dir, 'saved');
        await store.save(folder);
        const other = await options.create();
        try {
          await other.add([1, 2, 3], 1, 'replaced by load');
          assert.equal(await other.load(folder), 50);
          assert.equal(await other.size(), 50);
          const got = await other.batchGet(e.map((_, i) => i));
          assert.deepEqual(got.labels, labels);
          assert.deepEqual(got.data, data);
          got.embeddings.forEach((g, i) => sameBits(g, e[i]!, `loaded row ${i}`));
          assert.equal(await other.add(e[0]!, 9), 50, 'ids continue after a load');
        } finally {
          await other.close();
        }
      });
    }),
  );

  it(
    'saves and loads an empty store',
    withStore(async (store) => {
      await withDir(async (dir) => {
        await store.save(path.join(dir, 'empty'));
        await store.add([1, 2, 3]);
        assert.equal(await store.load(path.join(dir, 'empty')), 0);
        assert.equal(await store.size(), 0);
        assert.equal(await store.add([1, 2, 3, 4]), 0, 'an emptied store takes any dimension');
      });
    }),
  );

  it(
    'refuses to load a folder of another format or version, and keeps its contents',
    withStore(async (store) => {
      await store.batchAdd(rows(3, 2, 8), [1, 2, 3]);
      await withDir(async (dir) => {
        await rejectsWithCode(store.load(path.join(dir, 'missing')), 'ERR_FORMAT');
        const other = path.join(dir, 'other');
        await mkdir(other);
        await writeFile(path.join(other, 'manifest.json'), JSON.stringify({ format: 'something.else', version: 1 }));
        await rejectsWithCode(store.load(other), 'ERR_FORMAT', ['something.else']);
        const saved = path.join(dir, 'saved');
        await store.save(saved);
        const manifestFile = path.join(saved, 'manifest.json');
        const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
        await writeFile(manifestFile, JSON.stringify({ ...manifest, version: 999 }));
        await rejectsWithCode(store.load(saved), 'ERR_FORMAT', ['999']);
        await writeFile(manifestFile, JSON.stringify(manifest));
        await writeFile(path.join(saved, manifest.arrays.embeddings.file), new Uint8Array(5));
        await rejectsWithCode(store.load(saved), 'ERR_FORMAT');
        await writeFile(manifestFile, '{ not json');
        await rejectsWithCode(store.load(saved), 'ERR_FORMAT');
      });
      assert.equal(await store.size(), 3);
      assert.deepEqual((await store.batchGet([0, 1, 2])).labels, [1, 2, 3]);
    }),
  );
}
