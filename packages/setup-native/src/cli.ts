#!/usr/bin/env node
/**
 * tfsim-setup-native [--require] [--force] [--only=tfjs|faiss|blas|hnsw|tfops] [--from DIR ...] [--cache DIR]
 *
 * --require  exit non-zero unless every piece tried loads (for CI)
 * --force    rebuild even where an addon loads
 * --only     one piece: tfjs (tfjs-node's TensorFlow binding), faiss (faiss-node) or
 *            blas (the BLAS kernel of @tfsim/search's LinearSearch) or hnsw (its HnswSearch graph)
 *            or tfops (@tfsim/models' TensorFlow op library: graph-mode training's fused Adam)
 * --from     a folder to resolve the packages from, as the project's code would
 *            (repeatable; default: the working folder)
 * --cache    where the TensorFlow wheel is kept (default: node_modules/.cache/tfsim-native)
 */
import { parseArgs } from 'node:util';

import { setupNative } from './setup';

const { values } = parseArgs({
  options: {
    require: { type: 'boolean', default: false },
    force: { type: 'boolean', default: false },
    only: { type: 'string' },
    from: { type: 'string', multiple: true },
    cache: { type: 'string' },
  },
});
const PIECES = ['tfjs', 'faiss', 'blas', 'hnsw', 'tfops'] as const;
if (values.only !== undefined && !(PIECES as readonly string[]).includes(values.only)) {
  console.error(`tfsim-setup-native: --only takes tfjs, faiss, blas, hnsw or tfops, not "${values.only}"`);
  process.exit(2);
}
const results = setupNative({
  force: values.force,
  ...(values.only ? { only: values.only as (typeof PIECES)[number] } : {}),
  ...(values.from ? { resolveFrom: values.from } : {}),
  ...(values.cache ? { cacheDir: values.cache } : {}),
});
const summary = Object.entries(results)
  .map(([k, ok]) => `${k}: ${ok ? 'ready' : 'unavailable'}`)
  .join(', ');
console.log(`[setup:native] ${summary}`);
if (values.require && Object.values(results).some((ok) => !ok)) process.exit(1);
