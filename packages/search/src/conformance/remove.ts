/**
 * Capability `remove` (default true): the rows of the given ids go, all or
 * none, and the other rows keep their ids and results. A search declaring
 * `remove: false` that has the method must refuse with ERR_VALUE.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import type { Neighbors, Search } from '../search';
import { type SearchHarness, throwsWithCode } from './harness';
import { matrixOf } from './reference';

type Removable = Search & Required<Pick<Search, 'remove'>>;

function removable(search: Search): Removable {
  assert.equal(typeof search.remove, 'function', 'a search declaring `remove` has a remove method');
  return search as Removable;
}

function sameResults(a: Neighbors[], b: Neighbors[], what: string): void {
  a.forEach((r, i) => {
    assert.deepEqual(Array.from(r.ids), Array.from(b[i]!.ids), `${what}: query ${i} ids`);
    assert.deepEqual(Array.from(r.distances), Array.from(b[i]!.distances), `${what}: query ${i} distances`);
  });
}

export function testRemove(h: SearchHarness): void {
  const { it, options, distance, dim, size, k, keys, ids, queries } = h;
  // every third row, listed out of order
  const dropped = Array.from({ length: size }, (_, i) => i)
    .filter((i) => i % 3 === 1)
    .reverse();
  const kept = Array.from({ length: size }, (_, i) => i).filter((i) => i % 3 !== 1);

  if (!(options.remove ?? true)) {
    it('refuses remove with a clear error and keeps every row', () => {
      const search = h.filled();
      if (typeof search.remove !== 'function') return;
      const before = search.batchLookup(matrixOf(queries), k);
      throwsWithCode(() => search.remove!([ids[0]!]), 'ERR_VALUE');
      assert.equal(search.size(), size);
      sameResults(search.batchLookup(matrixOf(queries), k), before, 'after a refused remove');
    });
    return;
  }

  it('remove takes out the rows of the given ids; the others keep their ids', () => {
    const search = removable(h.filled());
    search.remove(dropped.map((r) => ids[r]!));
    assert.equal(search.size(), kept.length);
    h.checkResults(search.batchLookup(matrixOf(queries), k), size, k, 'after remove', kept);
    // the removed rows come back under new ids
    const newIds = dropped.map((r) => 900_000 + r);
    search.batchAdd(matrixOf(dropped.map((r) => keys[r]!)), newIds);
    assert.equal(search.size(), size);
    const results = search.batchLookup(matrixOf(queries), k);
    const back = new Map(dropped.map((r) => [900_000 + r, ids[r]!]));
    // read with the old ids, the results are those of the full index
    const asBefore = results.map((r) => ({ ids: Int32Array.from(r.ids, (id) => back.get(id) ?? id), distances: r.distances }));
    h.checkResults(asBefore, size, k, 're-added');
  });

  it('remove is all or none: an id not held, repeated or fractional changes nothing', () => {
    const search = removable(h.filled());
    search.remove([ids[5]!]);
    const before = search.batchLookup(matrixOf(queries), k);
    for (const [bad, mention] of [
      [[ids[0]!, 123_456_789], '123456789'],
      [[ids[0]!, ids[5]!], String(ids[5])],
      [[ids[0]!, ids[0]!], String(ids[0])],
      [[ids[0]!, 1.5], '1.5'],
    ] as const) {
      throwsWithCode(() => search.remove(bad), 'ERR_VALUE', [mention]);
      assert.equal(search.size(), size - 1);
    }
    sameResults(search.batchLookup(matrixOf(queries), k), before, 'after refused removes');
    search.remove([]);
    assert.equal(search.size(), size - 1);
  });

  it('removing every row empties the index, which then takes rows again', () => {
    const search = removable(h.filled());
    search.remove(ids);
    assert.equal(search.size(), 0);
    throwsWithCode(() => search.lookup(queries[0]!, 3), 'ERR_EMPTY_INDEX');
    search.batchAdd(matrixOf(keys), ids);
    h.checkResults(search.batchLookup(matrixOf(queries), k), size, k, 'after removing all and adding again');
  });

  if (options.saveLoad ?? true) {
    it('saves and loads after a remove with identical results', async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'tfsim-search-remove-'));
      try {
        const search = removable(h.filled());
        search.remove(dropped.map((r) => ids[r]!));
        const before = search.batchLookup(matrixOf(queries), k);
        await search.save(path.join(dir, 'index'));
        const loaded = removable(options.create(distance, dim));
        await loaded.load(path.join(dir, 'index'));
        assert.equal(loaded.size(), kept.length);
        sameResults(loaded.batchLookup(matrixOf(queries), k), before, 'after load');
        // removing and adding go on in the loaded index
        loaded.remove([ids[kept[0]!]!]);
        throwsWithCode(() => loaded.remove([ids[dropped[0]!]!]), 'ERR_VALUE');
        loaded.add(keys[kept[0]!]!, ids[kept[0]!]!);
        h.checkResults(loaded.batchLookup(matrixOf(queries), k), size, k, 'after remove and re-add in the loaded index', kept);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
}
