/**
 * The default search of an index: the fastest exact search that loads here.
 * Exact searches, fastest first on the benchmarks of docs/performance.md:
 * LinearSearch on the BLAS kernel (the native addon of `pnpm setup:native`),
 * then LinearSearch on its WebAssembly kernel, which always loads. usearch's
 * and faiss-node's exact searches are not candidates: their distances are
 * float32 only, faiss' cosine normalises, neither serves every distance, and
 * usearch's is the slowest of them here (faiss-node's flat search outran the
 * WebAssembly kernel, but it needs the same OpenBLAS the BLAS kernel does).
 */
import type { DistanceConfig, RowDistance as Distance } from '@tfsim/distances/rows';

import { LinearSearch, type LinearSearchOptions } from './linear';

/**
 * The exact search the Indexer uses unless told otherwise (`getSearch('auto', ...)`);
 * its `kernel` says which path it took.
 */
export function fastestExactSearch(
  distance: Distance | DistanceConfig | string,
  dim: number,
  options: Omit<LinearSearchOptions, 'kernel'> = {},
): LinearSearch {
  return new LinearSearch(distance, dim, { ...options, kernel: 'auto' });
}
