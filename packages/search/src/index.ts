/** Nearest-neighbour search: exact linear search and faiss (HNSW, IVF, PQ). */
export const PACKAGE_NAME = '@tfsim/search';
export type { Neighbors, Search, SearchConfig } from './search';
