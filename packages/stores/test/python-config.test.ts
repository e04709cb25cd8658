import { UnknownNameError } from '@tfsim/utils';

import { fromPythonConfig, MemoryStore, RedisStore } from '../src';

describe('stores fromPythonConfig', () => {
  it("builds the store of Python's get_config(), with its settings", async () => {
    const memory = fromPythonConfig('MemoryStore', { name: 'train', verbose: 0 });
    expect(memory).toBeInstanceOf(MemoryStore);
    expect(memory.getConfig()).toEqual(new MemoryStore({ name: 'train' }).getConfig());
    await memory.batchAdd([[1, 2]], [7], [{ a: 1 }]);
    expect((await memory.get(0)).label).toBe(7);
    const redis = fromPythonConfig('RedisStore', { name: 'redis', verbose: 0, host: 'example.invalid', port: 6380, db: 2 });
    expect(redis).toBeInstanceOf(RedisStore);
    expect(redis.getConfig()).toEqual(new RedisStore({ host: 'example.invalid', port: 6380, db: 2 }).getConfig());
  });

  it('an option we do not have, CachedStore, or an unknown class is an error', () => {
    expect(() => fromPythonConfig('MemoryStore', { name: 'x', num_items: 3 })).toThrow(
      "unknown option 'numItems' for MemoryStore; known options: name",
    );
    expect(() => fromPythonConfig('CachedStore', { name: 'cached', shard_size: 10, num_items: 0 })).toThrow(
      /CachedStore keeps pickled shards/,
    );
    expect(() => fromPythonConfig('SqlStore', {})).toThrow(UnknownNameError);
  });
});
