/**
 * Builds the BLAS kernel of LinearSearch (blas-kernel.c, beside this file)
 * into @tfsim/search's native/tfsim-blas.node, linked against the system OpenBLAS
 * (Debian: libopenblas-dev). Optional: when it is missing or fails to load,
 * LinearSearch runs its WebAssembly kernel.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

import { addonLoads, buildAddon, sourceFile } from './addon';

const SOURCE = sourceFile('blas-kernel.c');

function cblasHeaders(): string | undefined {
  const candidates = [
    '/usr/include/x86_64-linux-gnu',
    '/usr/include/aarch64-linux-gnu',
    '/usr/include/openblas',
    '/usr/include',
    '/usr/local/include',
  ];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'cblas.h')));
}

/** One tiny case: key 1 of [0,0],[3,4] is the nearest to [3,4] (squared L2 0). */
const PROBE = `
    const v = new Float32Array(1), k = new Int32Array(1);
    a.search(new Float32Array([0, 0, 3, 4]), new Float64Array([0, 25]), new Float64Array([0, 7]), 2, 2,
      new Float32Array([3, 4]), 1, 2, 1, v, k);
    if (k[0] !== 1 || v[0] !== 0) throw new Error('wrong result ' + k[0] + ' ' + v[0]);`;

/** Whether the addon loads in a fresh process, was built from today's source, and ranks one tiny case right; '' when it does. */
export function blasLoads(addon: string): string {
  return addonLoads(addon, SOURCE, PROBE);
}

/** Builds the addon unless it loads already (or `force`); returns true when it loads. */
export function setupBlas(force: boolean, log: (message: string) => void, addon: string): boolean {
  const cblas = cblasHeaders();
  if (!cblas) {
    log('blas: missing cblas.h (apt-get install libopenblas-dev); skipping');
    return false;
  }
  return buildAddon(
    {
      name: 'blas',
      source: SOURCE,
      addon,
      hashMacro: 'TFSIM_BLAS_SOURCE',
      includes: [cblas],
      libs: ['-lopenblas', '-lpthread', '-lm'],
      probe: PROBE,
      needs: 'a C compiler and libopenblas-dev',
    },
    force,
    log,
  );
}
