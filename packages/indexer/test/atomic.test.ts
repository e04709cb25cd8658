import { faissAvailable, LinearSearch } from '@tfsim/search';
import { MemoryStore } from '@tfsim/stores';
import type { Label, MatrixLike } from '@tfsim/utils';

import { Indexer } from '../src';
import { clusters } from './helpers';

/** A memory store whose next batchAdd fails, as a disk or a network can. */
class FlakyStore extends MemoryStore {
  failNext = false;
  override async batchAdd(e: MatrixLike, l?: ReadonlyArray<Label | null> | null, d?: ReadonlyArray<unknown> | null): Promise<number[]> {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('store unavailable');
    }
    return super.batchAdd(e, l, d);
  }
}

/** A linear search whose next batchAdd fails. */
class FlakySearch extends LinearSearch {
  failNext = false;
  override batchAdd(e: MatrixLike, ids: ArrayLike<number>): void {
    if (this.failNext) {
      this.failNext = false;
      throw new Error('search failed');
    }
    super.batchAdd(e, ids);
  }
}

describe('index and store are updated completely or not at all', () => {
  const { embeddings, labels } = clusters(5, 60, 4, 3);

  const searches = faissAvailable() ? ['linear', 'faiss'] : ['linear'];
  it.each(searches)('a store failure after the search add rolls the search back (%s search)', async (search) => {
    const store = new FlakyStore();
    const index = new Indexer(4, 'cosine', search, store);
    await index.batchAdd(embeddings.slice(0, 30), labels.slice(0, 30));
    const before = await index.batchLookup(embeddings, 3, false);
    store.failNext = true;
    await expect(index.batchAdd(embeddings.slice(30), labels.slice(30))).rejects.toThrow('store unavailable');
    expect(await index.size()).toBe(30);
    expect(index.search.size()).toBe(30);
    expect(await index.batchLookup(embeddings, 3, false)).toEqual(before);
    // and the index keeps working: the same batch goes in on retry, with the next ids
    expect(await index.batchAdd(embeddings.slice(30), labels.slice(30))).toEqual(Array.from({ length: 30 }, (_, i) => 30 + i));
    expect(index.search.size()).toBe(60);
    await expect(index.add(embeddings[0]!, 1)).resolves.toBe(60);
  });

  it('a search failure leaves the store untouched', async () => {
    const search = new FlakySearch('cosine', 4);
    const store = new MemoryStore();
    const index = new Indexer(4, 'cosine', search, store);
    await index.batchAdd(embeddings.slice(0, 10), labels.slice(0, 10));
    search.failNext = true;
    await expect(index.batchAdd(embeddings.slice(10, 20), labels.slice(10, 20))).rejects.toThrow('search failed');
    expect(await store.size()).toBe(10);
    expect(search.size()).toBe(10);
  });

  it('bad input is refused before either is touched', async () => {
    const store = new MemoryStore();
    const index = new Indexer(4, 'cosine', 'linear', store);
    await expect(index.batchAdd(embeddings.slice(0, 5), [0, 1, 2, 3, 'x' as never])).rejects.toThrow(/labels\[4\]/);
    await expect(index.batchAdd(embeddings.slice(0, 5), null, [1, 2, 3, 4, () => 0])).rejects.toThrow(/data\[4\]/);
    expect(await store.size()).toBe(0);
    expect(index.search.size()).toBe(0);
  });
});
