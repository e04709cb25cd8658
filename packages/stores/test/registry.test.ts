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
    expect(() => getStore('cached')).toThrow(/unknown store "cached"; known stores: memory/);
    expect(() => getStore('level')).toThrow(/needs a `path`/);
  });

  it('isStore needs what the Indexer calls: batchGet, batchAdd and getConfig', () => {
    expect(isStore(new MemoryStore())).toBe(true);
    expect(isStore({ batchGet: () => undefined })).toBe(false);
    expect(isStore({ batchGet: () => undefined, batchAdd: () => undefined })).toBe(false);
    expect(() => getStore({ batchGet: () => undefined } as never)).toThrow(/unknown store "undefined"/);
  });
});
