/** Nearest-neighbour search: exact linear search and faiss (HNSW, IVF, PQ). */
export type { Neighbors, Search, SearchConfig } from './search';
export { LinearSearch, LINEAR_FORMAT, LINEAR_FORMAT_VERSION, type LinearSearchOptions } from './linear';
