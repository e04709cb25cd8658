/**
 * The native HNSW graph of HnswSearch: the addon `pnpm setup:native` builds
 * from packages/setup-native/src/hnsw-kernel.c into native/tfsim-hnsw.node.
 * Optional: where it does not load, HnswSearch says why.
 */
import * as path from 'node:path';

import { optionalModule } from './optional';

/** An opaque handle to one graph in native memory (freed when it is garbage). */
export type HnswHandle = { readonly __hnsw: unique symbol };

/** What hnsw-kernel.c exports. Metric 0 is squared L2, 1 the negated inner product. */
export interface HnswAddon {
  /** The SHA-256 of the C source it was built from. */
  readonly source: string;
  /** The distance kernel chosen for this CPU: `avx512`, `avx2` or `scalar`. */
  readonly kernel: string;
  readonly cores: number;
  create(dim: number, m: number, efConstruction: number, metric: number, seed: number): HnswHandle;
  /** Inserts n rows as the next keys; all or none (a failure leaves the graph as it was). */
  add(h: HnswHandle, rows: Float32Array, n: number, threads: number): void;
  /** For each query its k nearest live keys (-1 and Infinity where fewer), values as the metric's (squared L2, or -dot). */
  search(
    h: HnswHandle,
    queries: Float32Array,
    m: number,
    k: number,
    ef: number,
    threads: number,
    outDistances: Float32Array,
    outKeys: Int32Array,
  ): void;
  /**
   * HnswSearch.batchLookup's results: for each query its kk nearest live rows
   * as the caller's ids (`ids[key]`) and distances (`distance`: 0 inner
   * product, 1 cosine, 2 squared euclidean, 3 euclidean), ordered by distance
   * (inner product largest first), ties by ascending id, NaN last; the first
   * search fetches `fetch` keys, and while a tie may run past the fetch the
   * query is fetched again with twice as many (up to `size`, the live rows).
   * outCounts[i] says how many of query i's kk slots hold a result.
   */
  lookup(
    h: HnswHandle,
    queries: Float32Array,
    m: number,
    kk: number,
    fetch: number,
    ef: number,
    threads: number,
    size: number,
    distance: number,
    ids: Int32Array,
    outIds: Int32Array,
    outDistances: Float32Array,
    outCounts: Int32Array,
  ): void;
  /** Marks (1) or unmarks (0) keys as deleted. */
  setDeleted(h: HnswHandle, keys: Int32Array, flag: number): void;
  deleted(h: HnswHandle): Uint8Array;
  info(h: HnswHandle): { count: number; deleted: number; maxLevel: number; entry: number; bytes: number };
  links(h: HnswHandle, node: number, level: number): Int32Array;
  save(h: HnswHandle, file: string): void;
  /** Reads and checks a saved graph (links in range, levels bounded, vectors finite); throws with code ERR_FORMAT. */
  load(file: string, dim: number, m: number, metric: number, efConstruction: number, bytes: number): HnswHandle;
}

/** Where `pnpm setup:native` puts the addon (the same from src/ and dist/); TFSIM_HNSW_ADDON overrides. */
function addonPath(): string {
  return process.env.TFSIM_HNSW_ADDON ?? path.join(__dirname, '..', 'native', 'tfsim-hnsw.node');
}

export const loadHnswAddon = optionalModule(
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  () => require(addonPath()) as HnswAddon,
  ' (npx tfsim-setup-native builds it; in this repository pnpm setup:native)',
);

/** True when the native HNSW addon loads here; HnswSearch needs it. */
export function hnswAvailable(): boolean {
  return loadHnswAddon().module !== undefined;
}

/** Why the native HNSW addon does not load here, or undefined when it does. */
export function hnswUnavailableReason(): string | undefined {
  return loadHnswAddon().error;
}
