/** Capability `saveLoad`: identical results after a reload, and refusal of other folders. */
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import { rejectsWithCode, type SearchHarness, withDir } from './harness';
import { matrixOf } from './reference';

export function testSaveLoad(h: SearchHarness): void {
  const { it, options, distance, dim, size, k, keys, queries } = h;

  it('saves and loads with identical results', () =>
    withDir(async (dir) => {
      const search = h.filled();
      const before = search.batchLookup(matrixOf(queries), k);
      await search.save(path.join(dir, 'index'));
      const loaded = options.create(distance, dim);
      await loaded.load(path.join(dir, 'index'));
      assert.equal(loaded.size(), size);
      assert.ok(loaded.isBuilt());
      const after = loaded.batchLookup(matrixOf(queries), k);
      after.forEach((a, i) => {
        assert.deepEqual(Array.from(a.ids), Array.from(before[i]!.ids), `query ${i}: ids after load`);
        assert.deepEqual(Array.from(a.distances), Array.from(before[i]!.distances), `query ${i}: distances after load`);
      });
      // The loaded index goes on growing.
      loaded.add(keys[0]!, 777_777);
      assert.equal(loaded.size(), size + 1);
      const empty = options.create(distance, dim);
      await empty.save(path.join(dir, 'empty'));
      const emptyLoaded = options.create(distance, dim);
      await emptyLoaded.load(path.join(dir, 'empty'));
      assert.equal(emptyLoaded.size(), 0);
    }));

  it('refuses to load a folder of another format or version, and keeps its contents', () =>
    withDir(async (dir) => {
      const search = h.filled();
      const before = search.lookup(queries[0]!, k);
      await rejectsWithCode(search.load(path.join(dir, 'missing')), 'ERR_FORMAT');
      const other = path.join(dir, 'other');
      await mkdir(other);
      await writeFile(path.join(other, 'manifest.json'), JSON.stringify({ format: 'something.else', version: 1 }));
      await rejectsWithCode(search.load(other), 'ERR_FORMAT', ['something.else']);
      const saved = path.join(dir, 'saved');
      await search.save(saved);
      const manifestFile = path.join(saved, 'manifest.json');
      const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { version: number };
      await writeFile(manifestFile, JSON.stringify({ ...manifest, version: 999 }));
      await rejectsWithCode(search.load(saved), 'ERR_FORMAT', ['999']);
      await writeFile(manifestFile, '{ not json');
      await rejectsWithCode(search.load(saved), 'ERR_FORMAT');
      const after = search.lookup(queries[0]!, k);
      assert.equal(search.size(), size);
      assert.deepEqual(Array.from(after.ids), Array.from(before.ids));
    }));
}
