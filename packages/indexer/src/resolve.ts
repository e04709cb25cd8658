/**
 * Search and store by name ('linear', 'faiss'; 'memory', 'level', 'redis'),
 * by saved config, or as instances.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Distance } from '@tfsim/distances';
import { LinearSearch, type Search, type SearchConfig } from '@tfsim/search';
import { LevelStore, MemoryStore, RedisStore, type Store, type StoreConfig } from '@tfsim/stores';
import { ShapeError, TfsimError, UnknownNameError, ValueError } from '@tfsim/utils';

export type SearchSpec = Search | string | SearchConfig;
export type StoreSpec = Store | string | StoreConfig;

type SearchFactory = (distance: Distance, dim: number, config: Partial<SearchConfig>) => Search;
type StoreFactory = (config: Partial<StoreConfig>) => Store;

const searchFactories = new Map<string, SearchFactory>([
  ['linear', (distance, dim, config) => new LinearSearch(distance, dim, { name: config.name })],
]);

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);

const storeFactories = new Map<string, StoreFactory>([
  ['memory', (config) => new MemoryStore({ name: config.name })],
  [
    // By name alone, a LevelDB database in a new temporary folder; a config
    // (or a LevelStore) says where.
    'level',
    (config) =>
      new LevelStore({
        path: str(config.path) ?? mkdtempSync(path.join(tmpdir(), 'tfsim-level-')),
        name: config.name,
        sync: typeof config.sync === 'boolean' ? config.sync : undefined,
      }),
  ],
  [
    // By name alone, the server at localhost:6379.
    'redis',
    (config) =>
      new RedisStore({
        url: str(config.url),
        host: str(config.host),
        port: num(config.port),
        db: num(config.db),
        name: config.name,
        prefix: str(config.prefix),
      }),
  ],
]);

/** Makes `name` available as a search type to Indexer and Indexer.load. */
export function registerSearch(name: string, factory: SearchFactory): void {
  searchFactories.set(name.toLowerCase(), factory);
}

/** Makes `name` available as a store type to Indexer and Indexer.load. */
export function registerStore(name: string, factory: StoreFactory): void {
  storeFactories.set(name.toLowerCase(), factory);
}

export function isSearch(x: unknown): x is Search {
  return typeof x === 'object' && x !== null && typeof (x as Search).batchLookup === 'function' &&
    typeof (x as Search).batchAdd === 'function' && typeof (x as Search).getConfig === 'function';
}

export function isStore(x: unknown): x is Store {
  return typeof x === 'object' && x !== null && typeof (x as Store).batchGet === 'function' &&
    typeof (x as Store).batchAdd === 'function' && typeof (x as Store).getConfig === 'function';
}

/** A search over `distance` and `dim` from a name, a config saved by getConfig(), or an instance (checked). */
export function makeSearch(spec: SearchSpec, distance: Distance, dim: number): Search {
  if (isSearch(spec)) {
    if (spec.dim !== dim) throw new ShapeError(`the search has dimension ${spec.dim} but the index has embedding size ${dim}`);
    if (spec.distance?.name !== distance.name) {
      throw new ValueError(`the search uses distance "${spec.distance?.name}" but the index uses "${distance.name}"`);
    }
    return spec;
  }
  const config: Partial<SearchConfig> = typeof spec === 'string' ? { type: spec } : (spec ?? {});
  if (typeof config.type !== 'string') throw new TfsimError(`search must be a name (${[...searchFactories.keys()].join(', ')}), a config or a Search`);
  const factory = searchFactories.get(config.type.toLowerCase());
  if (!factory) throw new UnknownNameError('search', config.type, [...searchFactories.keys()]);
  return factory(distance, dim, config);
}

/** A store from a name, a config saved by getConfig(), or an instance. */
export function makeStore(spec: StoreSpec): Store {
  if (isStore(spec)) return spec;
  const config: Partial<StoreConfig> = typeof spec === 'string' ? { type: spec } : (spec ?? {});
  if (typeof config.type !== 'string') throw new TfsimError(`kvStore must be a name (${[...storeFactories.keys()].join(', ')}), a config or a Store`);
  const factory = storeFactories.get(config.type.toLowerCase());
  if (!factory) throw new UnknownNameError('store', config.type, [...storeFactories.keys()]);
  return factory(config);
}
