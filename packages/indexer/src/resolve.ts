/**
 * Search and store by name ('linear', 'faiss'; 'memory', 'level', 'redis'),
 * by saved config, or as instances, through @tfsim/search's getSearch and
 * @tfsim/stores' getStore.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import type { RowDistance as Distance } from '@tfsim/distances/rows';
import { getSearch, isSearch, type Search, type SearchConfig } from '@tfsim/search';
import { getStore, isStore, type Store, type StoreConfig, storeTypes } from '@tfsim/stores';
import { ShapeError, TfsimError, ValueError } from '@tfsim/utils/core';

export { isSearch, isStore };

export type SearchSpec = Search | string | SearchConfig;
export type StoreSpec = Store | string | StoreConfig;

/**
 * A search over the index's distance and dimension from a name or a config
 * saved by getConfig(); an instance is checked to use the same distance and
 * dimension as the index.
 */
export function makeSearch(spec: SearchSpec, distance: Distance, dim: number): Search {
  if (isSearch(spec)) {
    if (spec.dim !== dim) throw new ShapeError(`the search has dimension ${spec.dim} but the index has embedding size ${dim}`);
    if (spec.distance?.name !== distance.name) {
      throw new ValueError(`the search uses distance "${spec.distance?.name}" but the index uses "${distance.name}"`);
    }
    return spec;
  }
  if (typeof spec !== 'string' && (spec === null || typeof spec !== 'object')) {
    throw new TfsimError('search must be a name (linear, faiss), a search config or a Search');
  }
  return getSearch(spec, { distance: distance.name, dim });
}

/**
 * A store from a name, a config saved by getConfig(), or an instance. A
 * `'level'` store by name alone gets a LevelDB database in a new temporary
 * folder (a config or a LevelStore says where); `'redis'` alone is the
 * server at localhost:6379.
 */
export function makeStore(spec: StoreSpec): Store {
  if (isStore(spec)) return spec;
  if (typeof spec !== 'string' && (spec === null || typeof spec !== 'object')) {
    throw new TfsimError('kvStore must be a name (memory, level, redis), a store config or a Store');
  }
  const type = storeTypes.get(typeof spec === 'string' ? spec : String(spec.type));
  const hasPath = typeof spec === 'object' && typeof spec.path === 'string';
  if (type === 'level' && !hasPath) {
    return getStore(spec, { path: mkdtempSync(path.join(tmpdir(), 'tfsim-level-')) });
  }
  return getStore(spec);
}
