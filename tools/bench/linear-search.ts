/**
 * `pnpm --filter @tfsim/tools bench:search [--n 100000] [--dim 128] [--queries 1000] [--k 10] [--reps 3] [--skip-faiss]`
 *
 * Exact kNN throughput of LinearSearch (WebAssembly SIMD kernel, one and all
 * threads) and, when faiss-node loads, of FaissSearch's indexes, on seeded
 * Gaussian data. Effective GFLOP/s = 2 * n * queries * dim / time, the work
 * of brute force whatever the method. Reports the best of `reps` timed runs
 * after one warm-up run.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';

import { faissAvailable, FaissSearch, LinearSearch, type Search } from '@tfsim/search';
import { type Matrix, Rng } from '@tfsim/utils';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '128' },
    queries: { type: 'string', default: '1000' },
    k: { type: 'string', default: '10' },
    reps: { type: 'string', default: '3' },
    'skip-faiss': { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const dim = Number(values.dim);
const nq = Number(values.queries);
const k = Number(values.k);
const reps = Number(values.reps);

function gaussian(rows: number, seed: number, normalise: boolean): Matrix {
  const rng = new Rng(seed);
  const data = new Float32Array(rows * dim);
  for (let i = 0; i < rows; i++) {
    let norm = 0;
    for (let j = 0; j < dim; j++) {
      const v = rng.normal();
      data[i * dim + j] = v;
      norm += v * v;
    }
    if (normalise) for (let j = 0; j < dim; j++) data[i * dim + j]! /= Math.sqrt(norm);
  }
  return { data, rows, cols: dim };
}

function time(fn: () => void): number {
  const start = performance.now();
  fn();
  return performance.now() - start;
}

function bench(label: string, make: () => Search, keys: Matrix, queries: Matrix): void {
  const search = make();
  const ids = Int32Array.from({ length: keys.rows }, (_, i) => i);
  const addMs = time(() => search.batchAdd(keys, ids));
  const first = time(() => search.batchLookup(queries, k));
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < reps; r++)
    best = Math.min(
      best,
      time(() => search.batchLookup(queries, k)),
    );
  const gflops = (2 * keys.rows * queries.rows * dim) / (best * 1e6);
  console.log(
    `${label.padEnd(44)} add ${addMs.toFixed(0).padStart(6)} ms   first lookup ${first.toFixed(0).padStart(6)} ms   ` +
      `best ${best.toFixed(0).padStart(6)} ms   ${gflops.toFixed(1).padStart(6)} GFLOP/s effective`,
  );
}

console.log(`${n} x ${dim} keys, ${nq} queries, k=${k}, ${availableParallelism()} cores, node ${process.version}`);
const keys = gaussian(n, 1, false);
const queries = gaussian(nq, 2, false);
const unitKeys = gaussian(n, 1, true);
const unitQueries = gaussian(nq, 2, true);
const threads = availableParallelism();
for (const t of [1, threads]) {
  bench(`LinearSearch euclidean, ${t} thread(s)`, () => new LinearSearch('euclidean', dim, { threads: t }), keys, queries);
}
bench(`LinearSearch cosine (unit rows), ${threads} threads`, () => new LinearSearch('cosine', dim), unitKeys, unitQueries);
bench(`LinearSearch inner_product, ${threads} threads`, () => new LinearSearch('inner_product', dim), keys, queries);
bench(`LinearSearch manhattan, ${threads} threads`, () => new LinearSearch('manhattan', dim), keys, queries);

if (!values['skip-faiss']) {
  if (!faissAvailable()) {
    console.log('faiss-node does not load here: FaissSearch skipped');
  } else {
    bench('FaissSearch flat euclidean', () => new FaissSearch('euclidean', dim, { algo: 'flat' }), keys, queries);
    bench('FaissSearch flat cosine (unit rows)', () => new FaissSearch('cosine', dim, { algo: 'flat' }), unitKeys, unitQueries);
    bench('FaissSearch hnsw euclidean (M 16, efSearch 400)', () => new FaissSearch('euclidean', dim, { algo: 'hnsw' }), keys, queries);
    bench(
      'FaissSearch ivf euclidean (nlist auto, nprobe nlist/8)',
      () => new FaissSearch('euclidean', dim, { algo: 'ivf' }),
      keys,
      queries,
    );
    bench('FaissSearch ivfpq euclidean', () => new FaissSearch('euclidean', dim, { algo: 'ivfpq' }), keys, queries);
  }
}
