/**
 * A store from the Python library's class name and `get_config()`, with its
 * option names (`MemoryStore`: name, verbose; `RedisStore`: also host, port, db).
 */
import { fromPythonKeys, UnknownNameError, ValueError } from '@tfsim/utils/core';

import { MemoryStore } from './memory';
import { RedisStore } from './redis';
import type { Store } from './store';

/**
 * `verbose` only sets how much Python prints and is dropped; any other key
 * goes to the constructor, which rejects what it does not know. Python's
 * `CachedStore` (pickled shards in a folder) has no counterpart to read.
 */
export function fromPythonConfig(name: string, config: Record<string, unknown>): Store {
  const { verbose: _verbose, ...options } = fromPythonKeys(config, name);
  const key = name.toLowerCase();
  if (key === 'memorystore' || key === 'memory') return new MemoryStore(options);
  if (key === 'redisstore' || key === 'redis') return new RedisStore(options);
  if (key === 'cachedstore' || key === 'cached') {
    throw new ValueError(`${name}: Python's CachedStore keeps pickled shards, which are not read here; use a LevelStore with a path`);
  }
  throw new UnknownNameError('store class', name, ['MemoryStore', 'RedisStore']);
}
