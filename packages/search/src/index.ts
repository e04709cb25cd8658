/** Nearest-neighbour search: exact linear search and faiss (HNSW, IVF, PQ). */
export type { Neighbors, Search, SearchConfig } from './search';
export { LinearSearch, LINEAR_FORMAT, LINEAR_FORMAT_VERSION, type LinearSearchOptions } from './linear';
export {
  FaissSearch,
  faissAvailable,
  faissBinding,
  faissUnavailableReason,
  FAISS_FORMAT,
  FAISS_FORMAT_VERSION,
  type FaissAlgo,
  type FaissBinding,
  type FaissIndex,
  type FaissSearchOptions,
} from './faiss';
export { getSearch, isSearch, searchTypes } from './registry';
export { fromPythonConfig } from './python-config';
