import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { getStore, isStore, LevelStore, MemoryStore, RedisStore } from '../src';

describe('getStore', () => {
  it('makes stores by name, alias or config, and passes a store through', async () => {
    expect(getStore('memory')).toBeInstanceOf(MemoryStore);
    expect(getStore('MemoryStore', { name: 'x' }).name).toBe('x');
    const level = getStore({ type: 'level', name: 'db', path: '/tmp/tfsim-never-opened' });
    expect(level).toBeInstanceOf(LevelStore);
    expect(level.getConfig()).toEqual({ type: 'level', name: 'db', path: '/tmp/tfsim-never-opened', sync: true });
    const redis = getStore('redis', { url: 'redis://127.0.0.1:1/0', prefix: 'p' });
    expect(redis).toBeInstanceOf(RedisStore);
    expect(redis.getConfig()).toMatchObject({ type: 'redis', prefix: 'p', url: 'redis://127.0.0.1:1/0' });
    const memory = new MemoryStore();
    expect(getStore(memory)).toBe(memory);
    expect(getStore(memory.getConfig())).toBeInstanceOf(MemoryStore);
  });

  it('rejects unknown names and missing settings', () => {
    expect(() => getStore('shelve')).toThrow(/unknown store "shelve"; known stores: memory, level, redis, cached/);
    expect(() => getStore('level')).toThrow(/a level store needs a `path`/);
    expect(() => getStore('cached')).toThrow(/a cached store needs a `path`/);
  });

  it("'cached' (Python's CachedStore) is the on-disk LevelStore, with a one-line notice shown once", async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'tfsim-cached-'));
    try {
      const store = getStore('CachedStore', { path: path.join(dir, 'db') });
      expect(store).toBeInstanceOf(LevelStore);
      expect(getStore('cached', { path: path.join(dir, 'db2') })).toBeInstanceOf(LevelStore);
      expect(warn.mock.calls).toEqual([
        ["[tfsim] store 'cached': using LevelStore, the on-disk store of @tfsim/stores (Python's CachedStore has no port)"],
      ]);
      expect(await store.batchAdd([[1, 2]], [7], [{ a: 1 }])).toEqual([0]);
      expect((await store.get(0)).label).toBe(7);
      await store.close?.();
    } finally {
      warn.mockRestore();
      await fs.promises.rm(dir, { recursive: true, force: true });
    }
  });

  it('isStore needs what the Indexer calls: batchGet, batchAdd and getConfig', () => {
    expect(isStore(new MemoryStore())).toBe(true);
    expect(isStore({ batchGet: () => undefined })).toBe(false);
    expect(isStore({ batchGet: () => undefined, batchAdd: () => undefined })).toBe(false);
    expect(() => getStore({ batchGet: () => undefined } as never)).toThrow(/unknown store "undefined"/);
  });
});
