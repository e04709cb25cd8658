/**
 * Builds the HNSW graph of HnswSearch (hnsw-kernel.c, beside this file) into
 * @tfsim/search's native/tfsim-hnsw.node. Plain C and pthreads, no library;
 * optional: without it HnswSearch says so and the other searches serve.
 */
import { addonLoads, buildAddon, sourceFile } from './addon';

const SOURCE = sourceFile('hnsw-kernel.c');

/** One tiny case: of [0,0], [3,4], [1,1] the two nearest to [3,3.9] are 1 then 2. */
const PROBE = `
    const h = a.create(2, 4, 8, 0, 1);
    a.add(h, new Float32Array([0, 0, 3, 4, 1, 1]), 3, 1);
    const d = new Float32Array(2), k = new Int32Array(2);
    a.search(h, new Float32Array([3, 3.9]), 1, 2, 8, 1, d, k);
    if (k[0] !== 1 || k[1] !== 2) throw new Error('wrong result ' + k[0] + ' ' + k[1]);`;

/** Whether the addon loads in a fresh process, was built from today's source, and finds one tiny case right; '' when it does. */
export function hnswLoads(addon: string): string {
  return addonLoads(addon, SOURCE, PROBE);
}

/** Builds the addon unless it loads already (or `force`); returns true when it loads. */
export function setupHnsw(force: boolean, log: (message: string) => void, addon: string): boolean {
  return buildAddon(
    {
      name: 'hnsw',
      source: SOURCE,
      addon,
      hashMacro: 'TFSIM_HNSW_SOURCE',
      libs: ['-lpthread', '-lm'],
      probe: PROBE,
      needs: 'a C compiler',
    },
    force,
    log,
  );
}
