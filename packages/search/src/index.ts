/** Nearest-neighbour search: exact linear search, our own HNSW graph (C), faiss (HNSW, IVF, PQ) and usearch (HNSW, exact). */
export type { Neighbors, Search, SearchConfig, SearchDistance } from './search';
export { LinearSearch, LINEAR_FORMAT, LINEAR_FORMAT_VERSION, type LinearKernel, type LinearSearchOptions } from './linear';
export { blasAvailable, blasConfig, blasUnavailableReason } from './kernel/blas';
export { fastestExactSearch } from './default';
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
export {
  UsearchSearch,
  usearchAvailable,
  usearchUnavailableReason,
  USEARCH_FORMAT,
  USEARCH_FORMAT_VERSION,
  type UsearchBinding,
  type UsearchIndex,
  type UsearchPrecision,
  type UsearchSearchOptions,
} from './usearch';
export { HnswSearch, HNSW_FORMAT, HNSW_FORMAT_VERSION, type HnswSearchOptions } from './hnsw';
export { hnswAvailable, hnswUnavailableReason } from './hnsw-addon';
export { getSearch, isSearch, searchTypes } from './registry';
export { fromPythonConfig } from './python-config';
