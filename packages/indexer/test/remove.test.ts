import * as path from 'node:path';

import { faissAvailable, FaissSearch, LinearSearch, type Search, usearchAvailable, UsearchSearch } from '@tfsim/search';
import { LevelStore, MemoryStore, type Store } from '@tfsim/stores';
import { tempDir } from '@tfsim/test-utils';

import { Indexer } from '../src';
import { clusters } from './helpers';

// Issue 22: remove and update of indexed items, in search and store together, with stable ids.
const { embeddings, labels, data } = clusters(21, 50, 4, 3, 0.35);
const queries = clusters(22, 12, 4, 3, 0.35).embeddings;
const root = tempDir('tfsim-index-remove-');
let n = 0;
const next = (): string => path.join(root, `case-${n++}`);

/** Lookups without the embeddings (compared by label, data and distance). */
async function answers(index: Indexer, k = 4) {
  return (await index.batchLookup(queries, k, false)).map((row) =>
    row.map(({ rank, distance, label, data: d }) => ({ rank, distance, label, data: d })),
  );
}

/** The independent reference: a fresh index (on the same kind of search) of the items `keep` (original positions). */
async function reference(
  search: Search | 'linear',
  keep: number[],
  replaced: Map<number, { e: number[]; label: number; data: unknown }> = new Map(),
) {
  const index = new Indexer(4, { search });
  await index.batchAdd(
    keep.map((i) => replaced.get(i)?.e ?? embeddings[i]!),
    keep.map((i) => replaced.get(i)?.label ?? labels[i]!),
    keep.map((i) => (replaced.has(i) ? replaced.get(i)!.data : data[i])),
  );
  return index;
}

const searches: Array<[string, () => Search | 'linear']> = [['linear', () => 'linear']];
if (faissAvailable()) searches.push(['faiss flat', () => new FaissSearch('cosine', 4)]);
if (usearchAvailable()) searches.push(['usearch exact', () => new UsearchSearch('cosine', 4, { exact: true })]);
const stores: Array<[string, () => Store]> = [
  ['memory', () => new MemoryStore()],
  ['level', () => new LevelStore({ path: next() })],
];

describe.each(searches)('Indexer.remove and update (%s search)', (_name, search) => {
  describe.each(stores)('%s store', (_store, store) => {
    const make = async () => {
      const index = new Indexer(4, { search: search(), kvStore: store() });
      await index.batchAdd(embeddings, labels, data);
      return index;
    };

    it('remove keeps the other ids; lookups answer as an index of the remaining items', async () => {
      const index = await make();
      const gone = [3, 0, 17, 49];
      await index.remove(gone);
      await index.remove(25);
      const keep = embeddings.map((_, i) => i).filter((i) => !gone.includes(i) && i !== 25);
      expect(await index.size()).toBe(keep.length);
      expect((await index.toRecords()).map((r) => r.id)).toEqual(keep);
      const expected = await reference(search(), keep);
      expect(await answers(index)).toEqual(await answers(expected));
      // ids continue past the largest given, never reusing a removed one
      expect(await index.add(embeddings[0]!, labels[0]!, data[0])).toBe(50);
      await index.close();
    });

    it('update replaces items in place, keeping their ids', async () => {
      const index = await make();
      const replaced = new Map([
        [4, { e: embeddings[30]!, label: 7, data: { new: 4 } }],
        [30, { e: embeddings[4]!, label: 8, data: { new: 30 } }],
      ]);
      await index.update([4, 30], [embeddings[30]!, embeddings[4]!], [7, 8], [{ new: 4 }, { new: 30 }]);
      expect(await index.size()).toBe(50);
      const records = await index.toRecords();
      expect(records.map((r) => r.id)).toEqual(embeddings.map((_, i) => i));
      expect([records[4]!.label, records[4]!.data, records[30]!.label]).toEqual([7, { new: 4 }, 8]);
      const expected = await reference(
        search(),
        embeddings.map((_, i) => i),
        replaced,
      );
      expect(await answers(index)).toEqual(await answers(expected));
      await index.close();
    });

    it('bad ids change nothing: not held, removed, repeated; update of the wrong shape', async () => {
      const index = await make();
      await index.remove([5]);
      const before = await answers(index);
      await expect(index.remove([1, 99])).rejects.toMatchObject({ code: 'ERR_VALUE', message: expect.stringContaining('99') });
      await expect(index.remove([1, 5])).rejects.toMatchObject({ code: 'ERR_VALUE', message: expect.stringContaining('5') });
      await expect(index.remove([1, 1])).rejects.toMatchObject({ code: 'ERR_VALUE', message: expect.stringContaining('twice') });
      await expect(index.update([1, 5], [embeddings[0]!, embeddings[1]!])).rejects.toMatchObject({ code: 'ERR_VALUE' });
      await expect(index.update([1], [embeddings[0]!, embeddings[1]!])).rejects.toMatchObject({ code: 'ERR_SHAPE' });
      await expect(index.update([1], [[1, 2, 3]])).rejects.toMatchObject({ code: 'ERR_SHAPE' });
      await expect(index.update([1], [embeddings[0]!], [0.5])).rejects.toMatchObject({ code: 'ERR_VALUE' });
      expect(await index.size()).toBe(49);
      expect(await answers(index)).toEqual(before);
      await index.close();
    });
  });
});

describe('Indexer.remove and update: all or nothing', () => {
  class FailingStore extends MemoryStore {
    failing = false;
    override async remove(ids: ArrayLike<number>): Promise<void> {
      if (this.failing) throw new Error('store unavailable');
      return super.remove(ids);
    }
    override async update(...args: Parameters<MemoryStore['update']>): Promise<void> {
      if (this.failing) throw new Error('store unavailable');
      return super.update(...args);
    }
  }

  it('a store failure leaves the search as it was', async () => {
    const store = new FailingStore();
    const index = new Indexer(4, { kvStore: store });
    await index.batchAdd(embeddings, labels, data);
    const before = await answers(index, 50);
    store.failing = true;
    await expect(index.remove([0, 1, 2])).rejects.toThrow('store unavailable');
    await expect(index.update([3], [embeddings[9]!], [9])).rejects.toThrow('store unavailable');
    expect(index.search.size()).toBe(50);
    expect(await answers(index, 50)).toEqual(before);
  });

  it('an index whose search or store cannot remove says so and changes nothing', async () => {
    // a store without remove (as a third-party store may be)
    const store = new MemoryStore();
    Object.defineProperty(store, 'remove', { value: undefined });
    const index = new Indexer(4, { kvStore: store });
    await index.batchAdd(embeddings, labels);
    await expect(index.remove([0])).rejects.toThrow(/the store MemoryStore cannot remove/);
    expect(await index.size()).toBe(50);
    if (faissAvailable()) {
      const hnsw = new Indexer(4, { search: new FaissSearch('cosine', 4, { algo: 'hnsw' }) });
      await hnsw.batchAdd(embeddings, labels);
      await expect(hnsw.remove([0])).rejects.toMatchObject({
        code: 'ERR_VALUE',
        message: expect.stringMatching(/cannot remove from a "HNSW16" index/),
      });
      expect(await hnsw.size()).toBe(50);
      expect(hnsw.search.size()).toBe(50);
    }
    const linear = new LinearSearch('cosine', 4);
    expect(typeof linear.remove).toBe('function');
  });

  it('string labels in an update join the table only when the update is stored', async () => {
    const store = new FailingStore();
    const index = new Indexer<string>(2, { kvStore: store });
    await index.batchAdd(
      [
        [1, 0],
        [0, 1],
      ],
      ['a', 'b'],
    );
    store.failing = true;
    await expect(index.update([1], [[0, 1]], ['lost'])).rejects.toThrow('store unavailable');
    store.failing = false;
    await index.update([1], [[0, 1]], ['c']);
    expect((await index.kvStore.toRecords()).map((r) => r.label)).toEqual([0, 2]);
    expect((await index.toRecords()).map((r) => r.label)).toEqual(['a', 'c']);
  });
});

describe('saving an index with removed items', () => {
  it('round-trips: same ids, same answers, and adding goes on after the largest id', async () => {
    const index = new Indexer(4);
    await index.batchAdd(embeddings, labels, data);
    await index.remove([0, 10, 49]);
    await index.update([20], [embeddings[21]!], [5], ['moved']);
    const dir = next();
    await index.save(dir);
    const loaded = await Indexer.load(dir);
    // the loaded index knows the store's next id: adding does not rebuild the search
    const reset = jest.spyOn(loaded.search, 'reset');
    expect((await loaded.toRecords()).map((r) => r.id)).toEqual((await index.toRecords()).map((r) => r.id));
    expect(await answers(loaded)).toEqual(await answers(index));
    await expect(loaded.remove([10])).rejects.toMatchObject({ code: 'ERR_VALUE' });
    expect(await loaded.add(embeddings[0]!, 1)).toBe(50);
    expect(reset).not.toHaveBeenCalled();
    await loaded.remove([1]);
    expect((await loaded.toRecords()).map((r) => r.id)).toEqual(
      embeddings
        .map((_, i) => i)
        .filter((i) => ![0, 1, 10, 49].includes(i))
        .concat(50),
    );
  });
});
