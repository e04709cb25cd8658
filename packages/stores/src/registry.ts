import { UnknownNameError, ValueError } from '@tfsim/utils';
import { LevelStore } from './level';
import { MemoryStore } from './memory';
import { RedisStore, type RedisStoreOptions } from './redis';
import type { Store, StoreConfig } from './store';

const TYPES: Record<string, 'memory' | 'level' | 'redis'> = {
  memory: 'memory',
  memorystore: 'memory',
  level: 'level',
  levelstore: 'level',
  redis: 'redis',
  redisstore: 'redis',
};

function isStore(x: unknown): x is Store {
  return typeof x === 'object' && x !== null && typeof (x as Store).batchGet === 'function';
}

/**
 * A store from a name (`'memory'`, `'level'`, `'redis'`, case-insensitive,
 * with the Python aliases `'MemoryStore'`, ...) plus settings, or from a
 * config written by `getConfig()`; a Store is returned as is. The Python
 * library's `stores.get`.
 */
export function getStore(identifier: Store | StoreConfig | string, settings: Partial<StoreConfig> = {}): Store {
  if (isStore(identifier)) return identifier;
  const config: Partial<StoreConfig> =
    typeof identifier === 'string' ? { ...settings, type: identifier } : { ...identifier, ...settings };
  const type = TYPES[String(config.type).toLowerCase()];
  if (!type) throw new UnknownNameError('store', String(config.type), Object.keys(TYPES));
  const name = config.name === undefined ? {} : { name: config.name };
  if (type === 'memory') return new MemoryStore(name);
  if (type === 'level') {
    if (typeof config.path !== 'string') throw new ValueError('a level store needs a `path`');
    return new LevelStore({ ...name, path: config.path, ...(typeof config.sync === 'boolean' ? { sync: config.sync } : {}) });
  }
  const options: RedisStoreOptions = { ...name };
  for (const key of ['url', 'host', 'port', 'db', 'prefix', 'commandTimeout'] as const) {
    if (config[key] !== undefined) (options as Record<string, unknown>)[key] = config[key];
  }
  return new RedisStore(options);
}
