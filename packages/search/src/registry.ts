import { Registry, ValueError } from '@tfsim/utils/core';

import { fastestExactSearch } from './default';
import { FaissSearch, type FaissSearchOptions } from './faiss';
import { HnswSearch, type HnswSearchOptions } from './hnsw';
import { type LinearKernel, LinearSearch, type LinearSearchOptions } from './linear';
import type { Search, SearchConfig } from './search';
import { UsearchSearch, type UsearchSearchOptions } from './usearch';

/** Search implementations by name and Python alias (case-insensitive); 'auto' is the fastest exact one that loads. */
export const searchTypes = new Registry<'auto' | 'linear' | 'faiss' | 'usearch' | 'hnsw' | 'nmslib'>('search algorithm');
searchTypes.register(['auto'], () => 'auto');
searchTypes.register(['linear', 'LinearSearch'], () => 'linear');
searchTypes.register(['faiss', 'FaissSearch'], () => 'faiss');
searchTypes.register(['usearch', 'UsearchSearch'], () => 'usearch');
searchTypes.register(['hnsw', 'HnswSearch'], () => 'hnsw');
// Python's NMSLibSearch: nmslib has no JavaScript binding; its default method is an HNSW graph, which faiss has too.
searchTypes.register(['nmslib', 'NMSLibSearch'], () => 'nmslib');

let nmslibNoticeShown = false;

/** Whether `x` is a Search (the one test of the project: what the Indexer calls). */
export function isSearch(x: unknown): x is Search {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Search).batchLookup === 'function' &&
    typeof (x as Search).batchAdd === 'function' &&
    typeof (x as Search).getConfig === 'function'
  );
}

/**
 * A search from a name (`'linear'`, `'faiss'`, `'usearch'`, `'hnsw'`, case-insensitive,
 * with the aliases `'LinearSearch'`, `'FaissSearch'`, `'UsearchSearch'`, `'HnswSearch'`; `'auto'`
 * is the fastest exact search that loads here: see fastestExactSearch) plus
 * settings, or from a config written by `getConfig()`; a Search is returned as is. The Python
 * library's `search.get`.
 */
export function getSearch(identifier: Search | SearchConfig | string, settings: Partial<SearchConfig> = {}): Search {
  if (isSearch(identifier)) return identifier;
  const config: Partial<SearchConfig> = typeof identifier === 'string' ? { ...settings, type: identifier } : { ...identifier, ...settings };
  const type = searchTypes.get(String(config.type));
  const { distance, dim, name, type: _type, ...rest } = config;
  if (distance === undefined || dim === undefined) {
    throw new ValueError(`a ${type} search needs a distance and a dimension (dim)`);
  }
  if (type === 'auto' || type === 'linear') {
    const options: LinearSearchOptions = { ...(name !== undefined ? { name } : {}) };
    if (rest.threads !== undefined) options.threads = rest.threads as number;
    if (type === 'auto') return fastestExactSearch(distance, dim, options);
    if (rest.kernel !== undefined) options.kernel = rest.kernel as LinearKernel;
    return new LinearSearch(distance, dim, options);
  }
  if (type === 'nmslib') {
    if (!nmslibNoticeShown) {
      nmslibNoticeShown = true;
      console.warn(
        "[tfsim] search 'nmslib': nmslib has no JavaScript binding; using FaissSearch with algo 'hnsw' (the same HNSW graph search)",
      );
    }
    return new FaissSearch(distance, dim, { algo: 'hnsw', ...(name !== undefined ? { name } : {}) });
  }
  if (type === 'usearch') {
    const options: UsearchSearchOptions = { ...(name !== undefined ? { name } : {}) };
    for (const key of ['connectivity', 'expansionAdd', 'expansionSearch', 'precision', 'exact', 'threads'] as const) {
      if (rest[key] !== undefined) (options as Record<string, unknown>)[key] = rest[key];
    }
    return new UsearchSearch(distance, dim, options);
  }
  if (type === 'hnsw') {
    const options: HnswSearchOptions = { ...(name !== undefined ? { name } : {}) };
    for (const key of ['m', 'efConstruction', 'efSearch', 'threads', 'seed'] as const) {
      if (rest[key] !== undefined) (options as Record<string, unknown>)[key] = rest[key];
    }
    return new HnswSearch(distance, dim, options);
  }
  const options: FaissSearchOptions = { ...(name !== undefined ? { name } : {}) };
  for (const key of ['algo', 'nlist', 'nprobe', 'm', 'nbits', 'hnswM', 'efSearch'] as const) {
    if (rest[key] !== undefined) (options as Record<string, unknown>)[key] = rest[key];
  }
  return new FaissSearch(distance, dim, options);
}
