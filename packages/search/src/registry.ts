import { Registry, ValueError } from '@tfsim/utils';
import { FaissSearch, type FaissSearchOptions } from './faiss';
import { LinearSearch } from './linear';
import type { Search, SearchConfig } from './search';

/** Search implementations by name and Python alias (case-insensitive). */
export const searchTypes = new Registry<'linear' | 'faiss'>('search algorithm');
searchTypes.register(['linear', 'LinearSearch'], () => 'linear');
searchTypes.register(['faiss', 'FaissSearch'], () => 'faiss');

/** Whether `x` is a Search (the one test of the project: what the Indexer calls). */
export function isSearch(x: unknown): x is Search {
  return typeof x === 'object' && x !== null && typeof (x as Search).batchLookup === 'function' &&
    typeof (x as Search).batchAdd === 'function' && typeof (x as Search).getConfig === 'function';
}

/**
 * A search from a name (`'linear'`, `'faiss'`, case-insensitive, with the
 * Python aliases `'LinearSearch'`, `'FaissSearch'`) plus settings, or from a
 * config written by `getConfig()`; a Search is returned as is. The Python
 * library's `search.get`.
 */
export function getSearch(
  identifier: Search | SearchConfig | string,
  settings: Partial<SearchConfig> = {},
): Search {
  if (isSearch(identifier)) return identifier;
  const config: Partial<SearchConfig> =
    typeof identifier === 'string' ? { ...settings, type: identifier } : { ...identifier, ...settings };
  const type = searchTypes.get(String(config.type));
  const { distance, dim, name, type: _type, ...rest } = config;
  if (distance === undefined || dim === undefined) {
    throw new ValueError(`a ${type} search needs a distance and a dimension (dim)`);
  }
  if (type === 'linear') {
    return new LinearSearch(distance, dim, { ...(name !== undefined ? { name } : {}), ...(rest.threads !== undefined ? { threads: rest.threads as number } : {}) });
  }
  const options: FaissSearchOptions = { ...(name !== undefined ? { name } : {}) };
  for (const key of ['algo', 'nlist', 'nprobe', 'm', 'nbits', 'hnswM', 'efSearch'] as const) {
    if (rest[key] !== undefined) (options as Record<string, unknown>)[key] = rest[key];
  }
  return new FaissSearch(distance, dim, options);
}
