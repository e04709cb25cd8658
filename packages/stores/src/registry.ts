import { Registry, ValueError } from '@tfsim/utils/core';

import { LevelStore } from './level';
import { MemoryStore } from './memory';
import { RedisStore, type RedisStoreOptions } from './redis';
import type { Store, StoreConfig } from './store';

/** Store implementations by name and Python alias (case-insensitive). */
export const storeTypes = new Registry<'memory' | 'level' | 'redis' | 'cached'>('store');
storeTypes.register(['memory', 'MemoryStore'], () => 'memory');
storeTypes.register(['level', 'LevelStore'], () => 'level');
storeTypes.register(['redis', 'RedisStore'], () => 'redis');
// Python's CachedStore keeps records in files on disk; LevelStore is the on-disk store here.
storeTypes.register(['cached', 'CachedStore'], () => 'cached');

let cachedNoticeShown = false;

/** Whether `x` is a Store (the one test of the project: what the Indexer calls). */
export function isStore(x: unknown): x is Store {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Store).batchGet === 'function' &&
    typeof (x as Store).batchAdd === 'function' &&
    typeof (x as Store).getConfig === 'function'
  );
}

/**
 * A store from a name (`'memory'`, `'level'`, `'redis'`, case-insensitive,
 * with the Python aliases `'MemoryStore'`, ...) plus settings, or from a
 * config written by `getConfig()`; a Store is returned as is. The Python
 * library's `stores.get`.
 */
export function getStore(identifier: Store | StoreConfig | string, settings: Partial<StoreConfig> = {}): Store {
  if (isStore(identifier)) return identifier;
  const config: Partial<StoreConfig> = typeof identifier === 'string' ? { ...settings, type: identifier } : { ...identifier, ...settings };
  const type = storeTypes.get(String(config.type));
  const name = config.name === undefined ? {} : { name: config.name };
  if (type === 'memory') return new MemoryStore(name);
  if (type === 'level' || type === 'cached') {
    if (typeof config.path !== 'string') throw new ValueError(`a ${type} store needs a \`path\``);
    if (type === 'cached' && !cachedNoticeShown) {
      cachedNoticeShown = true;
      console.warn("[tfsim] store 'cached': using LevelStore, the on-disk store of @tfsim/stores (Python's CachedStore has no port)");
    }
    return new LevelStore({ ...name, path: config.path, ...(typeof config.sync === 'boolean' ? { sync: config.sync } : {}) });
  }
  const options: RedisStoreOptions = { ...name };
  for (const key of ['url', 'host', 'port', 'db', 'prefix', 'commandTimeout'] as const) {
    if (config[key] !== undefined) (options as Record<string, unknown>)[key] = config[key];
  }
  return new RedisStore(options);
}
