/**
 * `pnpm --filter @tfsim/tools bench:index [--sizes 10000,100000,1000000] [--queries 1000] [--tiny] [--json f] [--doc f] [--no-python]
 *   [--algos linear,flat,...] [--hnsw-m 16] [--ef-construction 40] [--usearch-connectivity M] [--usearch-expansion-add E] [--ef-sweep 10,12,...]
 *   [--skip algo:n,tfsim/algo:n,python/algo:n]`
 *
 * Index benchmark at n x 128 for each size: LinearSearch (BLAS kernel, and
 * its WebAssembly kernel as `linear-wasm`), FaissSearch (flat, HNSW, IVF) and
 * UsearchSearch (exact; HNSW with f32, f16 and i8 storage) and HnswSearch
 * (`tfsim-hnsw`: our own HNSW graph in C, the addon of setup:native) through @tfsim, and
 * Python faiss-cpu (python/index_faiss.py) on the same vectors and queries,
 * written once as .npy files both read. Ratios compare each tfsim row with
 * the Python faiss index of its kind (exact ones with flat, HNSW with HNSW).
 * Every configuration runs in its own child process, one after the other, so
 * that resident memory (RSS after adding minus RSS before, rows streamed from
 * the file in chunks) belongs to that index alone.
 *
 * Data: a seeded mixture of Gaussians (1,000 centres N(0, 1), points at
 * centre + N(0, 0.6^2)), clustered as embeddings are; queries drawn the same
 * way. Ground truth: the k nearest by LinearSearch (exact: its float32 scan is
 * re-scored in float64 and proven by an error bound); every index's recall@10
 * is measured against it, and Python faiss' flat index cross-checks it.
 * Effective GFLOP/s = 2 n q d / lookup time, the work of brute force.
 * Settings, the same on both sides unless given: HNSW M 16 (usearch
 * connectivity 16), efConstruction 40 (usearch expansionAdd 40; FaissSearch
 * always builds with faiss's default 40; HnswSearch builds with faiss's M and
 * efConstruction, on every core); `--hnsw-m`, `--ef-construction`
 * set faiss's and HnswSearch's, `--usearch-connectivity`, `--usearch-expansion-add` usearch's
 * (default: faiss's); efSearch 400 (FaissSearch's
 * default; usearch expansionSearch 400); IVF nlist round(sqrt(n)), trained on
 * the first min(n, 50 nlist) rows, nprobe ceil(nlist / 8) (FaissSearch's
 * default). HNSW at equal recall: every HNSW index is searched again at each
 * efSearch of `--ef-sweep`, and the table reports the fastest setting whose
 * recall@10 reaches 0.95 and 0.99. The i8 row scales keys and queries by
 * 1 / max|x| (euclidean ranking unchanged) into the [-1, 1] i8 storage holds.
 *
 * `--skip algo:n` leaves out both rows of a configuration at size n;
 * `tfsim/algo:n` or `python/algo:n` only one of them. The HNSW rows alone at
 * 1M (HnswSearch, usearch and Python faiss, without FaissSearch's slow
 * single-threaded build; `linear` writes the ground truth recall needs, unless
 * an earlier run left it in the data folder): `--sizes 1000000 --algos
 * linear,hnsw,tfsim-hnsw,usearch-hnsw --skip tfsim/hnsw:1000000`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import {
  fmt,
  type Machine,
  machine,
  machineLine,
  markdownTable,
  nodeArgs,
  npyHeader,
  publishResults,
  PYTHON_DIR,
  pythonExecutable,
  pythonHasModule,
  readNpyRows,
  RESULTS_DIR,
  rssBytes,
  runAsScript,
  runJsonChild,
  writeNpy,
} from './common';

export const DIM = 128;
export const K = 10;
const CHUNK = 50_000;
/** HNSW build and search settings (see the header); `--hnsw-m`, `--ef-construction` and the `--usearch-*` options change the build's. */
export interface HnswSettings {
  /** faiss (Python and FaissSearch): M and efConstruction. */
  m: number;
  efConstruction: number;
  /** UsearchSearch: connectivity and expansionAdd. */
  connectivity: number;
  expansionAdd: number;
  efSearch: number;
}
export const DEFAULT_HNSW: HnswSettings = { m: 16, efConstruction: 40, connectivity: 16, expansionAdd: 40, efSearch: 400 };
/** Fine steps where recall@10 crosses 0.95 and 0.99 on this data, so that neither side is compared at a coarse step. */
export const DEFAULT_EF_SWEEP = [10, 12, 16, 20, 24, 28, 32, 40, 48, 64, 96, 128, 256, 512];
/** Configurations that have a Python faiss run of the same name. */
const PYTHON_ALGOS = new Set(['flat', 'hnsw', 'ivf']);
/** The Python faiss index each tfsim configuration is compared with. */
export function peerAlgo(algo: string): string {
  if (algo === 'linear' || algo === 'linear-wasm' || algo === 'usearch-exact') return 'flat';
  if (algo.startsWith('usearch-hnsw') || algo === 'tfsim-hnsw') return 'hnsw';
  return algo;
}

export interface SweepPoint {
  efSearch: number;
  queriesPerSec: number;
  recallAt10?: number;
}

export interface IndexRun {
  /** `tfsim` or `python-faiss`. */
  impl: string;
  /** `linear`, `flat`, `hnsw`, `ivf`. */
  algo: string;
  n: number;
  available: boolean;
  reason?: string;
  version?: string;
  /** Training time (IVF), ms. */
  trainMs?: number;
  addMs?: number;
  addPerSec?: number;
  lookupMs?: number;
  queriesPerSec?: number;
  /** 2 n q d / lookup time. */
  effectiveGflops?: number;
  /** CPU time (all threads) of the timed lookup: over lookupMs, the cores it actually had on a shared machine. */
  lookupCpuMs?: number;
  recallAt10?: number;
  rssDeltaBytes?: number;
  /** RSS delta over n x d x 4 bytes. */
  memoryRatio?: number;
  /** HNSW: the lookup again at each efSearch of the sweep. */
  sweep?: SweepPoint[];
  /** FaissSearch only: queries/s of faiss-node's own search on the same index (k + 8 neighbours, as FaissSearch asks), without FaissSearch's checks, copies and id mapping. */
  bindingQueriesPerSec?: number;
}

export interface IndexResults {
  benchmark: 'index';
  machine: Machine;
  dim: number;
  queries: number;
  k: number;
  runs: IndexRun[];
  targets: Array<{ name: string; value: number | null; target: string; met: boolean | null }>;
  /** The HNSW build settings of this run (absent in results written before they were options). */
  hnsw?: HnswSettings;
  /** Rows replaced by later runs (`--merge`): when, and which (impl/algo/n). */
  remeasured?: Array<{ machine: Machine; runs: string[] }>;
}

export function ivfSettings(n: number): { nlist: number; nprobe: number; trainRows: number } {
  const nlist = Math.max(1, Math.round(Math.sqrt(n)));
  return { nlist, nprobe: Math.max(1, Math.ceil(nlist / 8)), trainRows: Math.min(n, 50 * nlist) };
}

/** Seeded clustered vectors (see the header); the same bytes every run. */
async function makeData(dir: string, n: number, queries: number): Promise<{ keys: string; queries: string }> {
  const keys = path.join(dir, `keys-${n}x${DIM}.npy`);
  const qs = path.join(dir, `queries-${queries}x${DIM}.npy`);
  const { Rng } = await import('@tfsim/utils');
  const centres = new Float32Array(1000 * DIM);
  const crng = new Rng(11);
  for (let i = 0; i < centres.length; i++) centres[i] = crng.normal();
  const sample = (rows: number, seed: number) => {
    const rng = new Rng(seed);
    const out = new Float32Array(rows * DIM);
    for (let i = 0; i < rows; i++) {
      const c = Math.floor(rng.uniform() * 1000) * DIM;
      for (let j = 0; j < DIM; j++) out[i * DIM + j] = centres[c + j]! + 0.6 * rng.normal();
    }
    return out;
  };
  fs.mkdirSync(dir, { recursive: true });
  if (!fs.existsSync(keys)) writeNpy(keys, sample(n, 1), [n, DIM]);
  if (!fs.existsSync(qs)) writeNpy(qs, sample(queries, 2), [queries, DIM]);
  return { keys, queries: qs };
}

interface ChildOptions {
  algo: string;
  keys: string;
  queries: string;
  gt?: string;
  writeGt?: string;
  reps: number;
  /** efSearch values HNSW indexes are searched at again (empty: none). */
  efSweep: number[];
  hnsw: HnswSettings;
}

/** Inside the child: builds one index from the file, measures it. */
async function indexChild(o: ChildOptions): Promise<IndexRun> {
  const {
    blasConfig,
    FaissSearch,
    faissAvailable,
    faissUnavailableReason,
    HnswSearch,
    hnswAvailable,
    hnswUnavailableReason,
    LinearSearch,
    UsearchSearch,
    usearchAvailable,
    usearchUnavailableReason,
  } = await import('@tfsim/search');
  const keys = npyHeader(o.keys);
  const n = keys.shape[0]!;
  const base: IndexRun = { impl: 'tfsim', algo: o.algo, n, available: false };
  const usearch = o.algo.startsWith('usearch-');
  if (usearch && !usearchAvailable()) return { ...base, reason: `usearch does not load: ${usearchUnavailableReason() ?? ''}` };
  if (o.algo === 'tfsim-hnsw' && !hnswAvailable())
    return { ...base, reason: `the HNSW addon does not load: ${hnswUnavailableReason() ?? ''}` };
  if (PYTHON_ALGOS.has(o.algo) && !faissAvailable())
    return { ...base, reason: `faiss-node does not load: ${faissUnavailableReason() ?? ''}` };
  const { nlist, nprobe, trainRows } = ivfSettings(n);
  // One chunk buffer, allocated and touched before the baseline: the delta is the index's.
  const chunk = new Float32Array(Math.min(CHUNK, n) * DIM).fill(0);
  const ids = new Int32Array(Math.min(CHUNK, n));
  // IVF's training rows are the benchmark's input too: read before the baseline, kept to the end.
  const sample = o.algo === 'ivf' ? readNpyRows(keys, 0, trainRows, new Float32Array(trainRows * DIM)) : undefined;
  const qh = npyHeader(o.queries);
  const q = qh.shape[0]!;
  const queries = { data: readNpyRows(qh, 0, q, new Float32Array(q * DIM)), rows: q, cols: DIM };
  // i8 storage holds [-1, 1]: one scale for keys and queries keeps the euclidean ranking.
  const scale = o.algo === 'usearch-hnsw-i8' ? 1 / maxAbs(keys, queries.data, chunk) : 1;
  if (scale !== 1) for (let i = 0; i < queries.data.length; i++) queries.data[i] = queries.data[i]! * scale;
  global.gc?.();
  const rss0 = rssBytes();
  const HNSW = o.hnsw;
  const hnswOptions = { connectivity: HNSW.connectivity, expansionAdd: HNSW.expansionAdd, expansionSearch: HNSW.efSearch };
  let search;
  let version: string;
  switch (o.algo) {
    case 'linear':
    case 'linear-wasm': {
      const linear = new LinearSearch('euclidean', DIM, { kernel: o.algo === 'linear' ? 'auto' : 'wasm' });
      // The OpenBLAS build and the core type its kernels run for (OPENBLAS_CORETYPE, where set, decides it).
      const blas = `BLAS kernel, system ${blasConfig() ?? 'OpenBLAS'}${process.env.OPENBLAS_CORETYPE ? `, OPENBLAS_CORETYPE=${process.env.OPENBLAS_CORETYPE}` : ''}`;
      version = `@tfsim/search LinearSearch (${linear.kernel === 'blas' ? blas : 'WebAssembly SIMD'})`;
      search = linear;
      break;
    }
    case 'usearch-exact':
      search = new UsearchSearch('euclidean', DIM, { exact: true });
      version = '@tfsim/search UsearchSearch exact (usearch)';
      break;
    case 'usearch-hnsw':
    case 'usearch-hnsw-f16':
    case 'usearch-hnsw-i8': {
      const precision = o.algo === 'usearch-hnsw' ? 'f32' : o.algo === 'usearch-hnsw-f16' ? 'f16' : 'i8';
      search = new UsearchSearch('euclidean', DIM, { ...hnswOptions, precision });
      version = `@tfsim/search UsearchSearch HNSW ${precision} (usearch)`;
      break;
    }
    case 'tfsim-hnsw': {
      const ours = new HnswSearch('euclidean', DIM, { m: HNSW.m, efConstruction: HNSW.efConstruction, efSearch: HNSW.efSearch });
      version = `@tfsim/search HnswSearch (our C HNSW, ${ours.kernel} kernel, every core)`;
      search = ours;
      break;
    }
    case 'ivf':
      search = new FaissSearch('euclidean', DIM, { algo: 'ivf', nlist, nprobe });
      version = '@tfsim/search FaissSearch (faiss-node, system faiss)';
      break;
    case 'flat':
      search = new FaissSearch('euclidean', DIM, { algo: o.algo });
      version = '@tfsim/search FaissSearch (faiss-node, system faiss)';
      break;
    case 'hnsw':
      // FaissSearch builds with the default efConstruction of faiss (40); M as the Python run's.
      search = new FaissSearch('euclidean', DIM, { algo: o.algo, hnswM: HNSW.m });
      version = '@tfsim/search FaissSearch (faiss-node, system faiss)';
      break;
    default:
      return { ...base, reason: `unknown configuration "${o.algo}"` };
  }
  let trainMs: number | undefined;
  if (sample) {
    const t = performance.now();
    (search as InstanceType<typeof FaissSearch>).train({ data: sample, rows: trainRows, cols: DIM });
    trainMs = performance.now() - t;
  }
  let addMs = 0;
  for (let start = 0; start < n; start += CHUNK) {
    const rows = Math.min(CHUNK, n - start);
    const data = readNpyRows(keys, start, rows, chunk);
    if (scale !== 1) for (let i = 0; i < rows * DIM; i++) data[i] = data[i]! * scale;
    for (let i = 0; i < rows; i++) ids[i] = start + i;
    const t = performance.now();
    search.batchAdd({ data, rows, cols: DIM }, ids.subarray(0, rows));
    addMs += performance.now() - t;
  }
  global.gc?.();
  const rssDeltaBytes = rssBytes() - rss0;
  if (sample && sample.length !== trainRows * DIM) throw new Error('training sample changed'); // keeps it alive to here
  // The exact run writes the ground truth below; the others read it.
  let gt: ArrayLike<number> | undefined = o.gt && !o.writeGt && fs.existsSync(o.gt) ? readNpyRows(npyHeader(o.gt), 0, q) : undefined;
  const recallOf = (found: Array<{ ids: Int32Array }>): number | undefined => {
    const truthRows = gt;
    if (!truthRows) return undefined;
    let hits = 0;
    found.forEach((f, i) => {
      const truth = new Set(Array.prototype.slice.call(truthRows, i * K, (i + 1) * K) as number[]);
      for (const id of f.ids.subarray(0, K)) if (truth.has(id)) hits++;
    });
    return hits / (q * K);
  };
  const timed = (s: { batchLookup: typeof search.batchLookup }) => {
    s.batchLookup({ data: queries.data.subarray(0, Math.min(q, 10) * DIM), rows: Math.min(q, 10), cols: DIM }, K); // warm-up
    let best = { ms: Number.POSITIVE_INFINITY, cpuMs: 0, found: [] as Array<{ ids: Int32Array }> };
    for (let r = 0; r < o.reps; r++) {
      const cpu = process.cpuUsage();
      const t = performance.now();
      const found = s.batchLookup(queries, K);
      const ms = performance.now() - t;
      if (ms < best.ms) {
        const used = process.cpuUsage(cpu);
        best = { ms, cpuMs: (used.user + used.system) / 1000, found };
      }
    }
    return best;
  };
  const main = timed(search);
  const lookupMs = main.ms;
  let bindingQueriesPerSec: number | undefined;
  const binding = (search as unknown as { index?: { searchTyped?: (x: Float32Array, k: number) => unknown } }).index;
  if (PYTHON_ALGOS.has(o.algo) && binding?.searchTyped) {
    let ms = Number.POSITIVE_INFINITY;
    for (let r = 0; r < o.reps; r++) {
      const t = performance.now();
      binding.searchTyped(queries.data, Math.min(n, K + 8));
      ms = Math.min(ms, performance.now() - t);
    }
    bindingQueriesPerSec = (q * 1000) / ms;
  }
  let sweep: SweepPoint[] | undefined;
  if (o.efSweep.length > 0 && peerAlgo(o.algo) === 'hnsw') {
    sweep = [];
    const saved = usearch ? fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-bench-usearch-')) : undefined;
    try {
      if (saved) await search.save(path.join(saved, 'index'));
      for (const ef of o.efSweep) {
        let probe = search;
        if (saved) {
          // usearch fixes expansionSearch when an index is made: the saved graph, reloaded with another.
          const precision = (search as InstanceType<typeof UsearchSearch>).precision;
          probe = new UsearchSearch('euclidean', DIM, { ...hnswOptions, expansionSearch: ef, precision });
          await probe.load(path.join(saved, 'index'));
        } else {
          // FaissSearch and HnswSearch change efSearch in place.
          (search as InstanceType<typeof FaissSearch> | InstanceType<typeof HnswSearch>).setSearchParameters({ efSearch: ef });
        }
        const r = timed(probe);
        sweep.push({ efSearch: ef, queriesPerSec: (q * 1000) / r.ms, recallAt10: recallOf(r.found) });
      }
    } finally {
      if (saved) fs.rmSync(saved, { recursive: true, force: true });
    }
  }
  if (o.writeGt) {
    const out = new Int32Array(q * K).fill(-1);
    main.found.forEach((f, i) => out.set(f.ids.subarray(0, K), i * K));
    writeNpy(o.writeGt, out, [q, K]);
    gt = out;
  }
  return {
    ...base,
    available: true,
    version,
    trainMs,
    addMs,
    addPerSec: (n * 1000) / addMs,
    lookupMs,
    queriesPerSec: (q * 1000) / lookupMs,
    effectiveGflops: (2 * n * q * DIM) / (lookupMs * 1e6),
    lookupCpuMs: main.cpuMs,
    recallAt10: recallOf(main.found),
    rssDeltaBytes,
    memoryRatio: rssDeltaBytes / (n * DIM * 4),
    bindingQueriesPerSec,
    sweep,
  };
}

/** Largest |x| over the keys file and the queries (read through the child's chunk buffer: no allocation before the RSS baseline). */
function maxAbs(keys: ReturnType<typeof npyHeader>, queries: Float32Array, buffer: Float32Array): number {
  const n = keys.shape[0]!;
  let m = 0;
  for (let start = 0; start < n; start += CHUNK) {
    const rows = Math.min(CHUNK, n - start);
    const data = readNpyRows(keys, start, rows, buffer);
    for (let i = 0; i < rows * DIM; i++) m = Math.max(m, Math.abs(data[i]!));
  }
  for (const v of queries) m = Math.max(m, Math.abs(v));
  return m;
}

function runTfsim(o: ChildOptions): IndexRun {
  const args = [
    '--child',
    o.algo,
    '--keys',
    o.keys,
    '--queries-file',
    o.queries,
    '--reps',
    String(o.reps),
    '--ef-sweep',
    o.efSweep.join(','),
  ];
  args.push('--hnsw-m', String(o.hnsw.m), '--ef-construction', String(o.hnsw.efConstruction));
  args.push('--usearch-connectivity', String(o.hnsw.connectivity), '--usearch-expansion-add', String(o.hnsw.expansionAdd));
  if (o.gt) args.push('--gt', o.gt);
  if (o.writeGt) args.push('--write-gt', o.writeGt);
  const [cmd, a] = nodeArgs(__filename, args);
  const res = runJsonChild<IndexRun>(cmd, a);
  return res.ok ? res.value : { impl: 'tfsim', algo: o.algo, n: npyHeader(o.keys).shape[0]!, available: false, reason: res.error };
}

function runPython(o: ChildOptions): IndexRun {
  const n = npyHeader(o.keys).shape[0]!;
  const base: IndexRun = { impl: 'python-faiss', algo: o.algo, n, available: false };
  const py = pythonExecutable();
  if (!py) return { ...base, reason: 'no Python venv: run tools/bench/setup-python.sh' };
  if (!pythonHasModule('faiss') || !pythonHasModule('numpy')) return { ...base, reason: 'faiss-cpu or numpy not installed in the venv' };
  const { nlist, nprobe, trainRows } = ivfSettings(n);
  const args = [
    path.join(PYTHON_DIR, 'index_faiss.py'),
    '--algo',
    o.algo,
    '--keys',
    o.keys,
    '--queries',
    o.queries,
    '--reps',
    String(o.reps),
  ];
  args.push('--hnsw-m', String(o.hnsw.m), '--ef-construction', String(o.hnsw.efConstruction), '--ef-search', String(o.hnsw.efSearch));
  if (o.algo === 'hnsw' && o.efSweep.length > 0) args.push('--ef-sweep', o.efSweep.join(','));
  args.push(
    '--nlist',
    String(nlist),
    '--nprobe',
    String(nprobe),
    '--train-rows',
    String(trainRows),
    '--chunk',
    String(CHUNK),
    '--k',
    String(K),
  );
  if (o.gt) args.push('--gt', o.gt);
  const res = runJsonChild<IndexRun>(py, args);
  return res.ok ? { ...res.value, impl: 'python-faiss' } : { ...base, reason: res.error };
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${fmt(bytes / 2 ** 20, 0)} MiB`;
}

export function indexTable(r: IndexResults): string {
  const rows = r.runs.map((x) => {
    const peer = r.runs.find((y) => y.impl === 'python-faiss' && y.algo === peerAlgo(x.algo) && y.n === x.n && y.available);
    const ratio = x.impl === 'tfsim' && x.available && peer ? fmt(x.queriesPerSec! / peer.queriesPerSec!, 2) : '';
    // The same ratio per CPU-second: queries over the CPU time each lookup got.
    const cpuRatio =
      x.impl === 'tfsim' && x.available && peer && x.lookupCpuMs && peer.lookupCpuMs ? fmt(peer.lookupCpuMs / x.lookupCpuMs, 2) : '';
    return x.available
      ? [
          x.n.toLocaleString('en-US'),
          x.impl,
          x.algo,
          x.trainMs === undefined ? '' : fmt(x.trainMs / 1000, 1),
          fmt(x.addPerSec, 0),
          fmt(x.queriesPerSec, 0),
          x.bindingQueriesPerSec === undefined ? '' : fmt(x.bindingQueriesPerSec, 0),
          ratio,
          cpuRatio,
          fmt(x.effectiveGflops),
          x.lookupCpuMs ? fmt(x.lookupCpuMs / x.lookupMs!, 2) : 'n/a',
          x.recallAt10 === undefined ? 'n/a' : x.recallAt10.toFixed(3),
          mib(x.rssDeltaBytes),
          fmt(x.memoryRatio, 2),
        ]
      : [x.n.toLocaleString('en-US'), x.impl, x.algo, `not available: ${x.reason ?? ''}`, '', '', '', '', '', '', '', '', '', ''];
  });
  const m = r.machine;
  return [
    `Machine: ${machineLine(m)}.`,
    '',
    `${r.dim}-d float32 vectors (clustered), ${r.queries} queries, k = ${r.k}, euclidean. add: rows/s of batchAdd in chunks of ${CHUNK.toLocaleString('en-US')}; ` +
      `lookup: queries/s of one batchLookup of all queries (best of 10 repetitions, one for the exact searches at 1M; each efSearch of the sweep too, on both sides); faiss-node direct: the binding's own search on the same index, without FaissSearch around it; cores used: CPU time of the timed lookup over its wall time (on a shared machine, what it got of the 2 cores); same per CPU-s: the tfsim / python ratio of queries per CPU-second (where both CPU times were recorded); recall@10 against LinearSearch (exact); ` +
      'memory: RSS after adding minus before (the child process holds nothing else), and its ratio to n x d x 4 bytes. ' +
      (r.hnsw
        ? `HNSW builds: faiss M ${r.hnsw.m}, efConstruction ${r.hnsw.efConstruction}; usearch connectivity ${r.hnsw.connectivity}, expansionAdd ${r.hnsw.expansionAdd}. `
        : '') +
      `Effective GFLOP/s: 2 n q d / lookup time; the machine's nominal fp32 peak is ${m.peakGflops} GFLOP/s at the clock /proc/cpuinfo reports (about 190 at the boost clock).`,
    '',
    markdownTable(
      [
        'n',
        'implementation',
        'configuration',
        'train s',
        'add rows/s',
        'lookup q/s',
        'faiss-node direct q/s',
        'tfsim / python',
        'same per CPU-s',
        'eff. GFLOP/s',
        'cores used',
        'recall@10',
        'RSS delta',
        'RSS / raw',
      ],
      rows,
    ),
    '',
    '',
    sweepTable(r),
    ...(r.remeasured ?? []).flatMap((x) => [
      '',
      `Re-measured (\`--merge\`) in a later run, ${machineLine(x.machine)}: ${x.runs.join(', ')}.`,
    ]),
    '',
    'Targets:',
    '',
    ...r.targets.map(
      (t) =>
        `- ${t.name}: ${t.value === null ? 'not measured' : fmt(t.value, 2)} (target ${t.target}) — ${t.met === null ? 'n/a' : t.met ? 'met' : 'missed'}`,
    ),
  ].join('\n');
}

/** The fastest point of a sweep whose recall@10 reaches `recall`. */
export function atRecall(sweep: SweepPoint[] | undefined, recall: number): SweepPoint | undefined {
  return (sweep ?? []).filter((p) => (p.recallAt10 ?? 0) >= recall).sort((a, b) => b.queriesPerSec - a.queriesPerSec)[0];
}

function sweepTable(r: IndexResults): string {
  const swept = r.runs.filter((x) => x.available && x.sweep && x.sweep.length > 0);
  if (swept.length === 0) return 'HNSW at equal recall: no efSearch sweep in this run.';
  const cell = (p: SweepPoint | undefined) =>
    p ? `${fmt(p.queriesPerSec, 0)} (ef ${p.efSearch}, ${p.recallAt10!.toFixed(3)})` : 'not reached';
  const rows = swept.map((x) => {
    const peer = r.runs.find((y) => y.impl === 'python-faiss' && y.algo === 'hnsw' && y.n === x.n && y.available);
    const ratio = (t: number) => {
      const a = atRecall(x.sweep, t);
      const b = atRecall(peer?.sweep, t);
      return x.impl === 'tfsim' && a && b ? fmt(a.queriesPerSec / b.queriesPerSec, 2) : '';
    };
    return [
      x.n.toLocaleString('en-US'),
      x.impl,
      x.algo,
      cell(atRecall(x.sweep, 0.95)),
      ratio(0.95),
      cell(atRecall(x.sweep, 0.99)),
      ratio(0.99),
      x.sweep!.map((p) => `${p.efSearch}: ${fmt(p.queriesPerSec, 0)} q/s @ ${p.recallAt10?.toFixed(3) ?? 'n/a'}`).join('; '),
    ];
  });
  return [
    'HNSW at equal recall: each index searched again at every efSearch of the sweep; the fastest setting whose recall@10 reaches 0.95 and 0.99 (queries/s, efSearch, recall), and its ratio to Python faiss HNSW at the same recall.',
    '',
    markdownTable(
      ['n', 'implementation', 'configuration', 'q/s at recall >= 0.95', 'over python', 'q/s at recall >= 0.99', 'over python', 'sweep'],
      rows,
    ),
  ].join('\n');
}

function targets(runs: IndexRun[], peakGflops: number): IndexResults['targets'] {
  const get = (impl: string, algo: string, n: number) => runs.find((r) => r.impl === impl && r.algo === algo && r.n === n && r.available);
  const out: IndexResults['targets'] = [];
  const sizes = [...new Set(runs.map((r) => r.n))];
  for (const algo of ['flat', 'hnsw', 'ivf']) {
    for (const n of sizes) {
      const a = get('tfsim', algo, n);
      const b = get('python-faiss', algo, n);
      if (a && b) {
        const v = a.queriesPerSec! / b.queriesPerSec!;
        out.push({
          name: `FaissSearch ${algo} q/s over Python faiss at ${n.toLocaleString('en-US')}`,
          value: v,
          target: '>= 0.8',
          met: v >= 0.8,
        });
      }
    }
  }
  const lin = get('tfsim', 'linear', 100_000);
  const flat = get('python-faiss', 'flat', 100_000);
  if (lin && flat) {
    const v = lin.queriesPerSec! / flat.queriesPerSec!;
    out.push({
      name: `LinearSearch (${lin.version ?? ''}) q/s over Python faiss flat at 100,000 x 128`,
      value: v,
      target: '>= 1.0',
      met: v >= 1,
    });
  }
  out.push({
    name: 'LinearSearch share of the fp32 peak at 100,000 x 128',
    value: lin ? lin.effectiveGflops! / peakGflops : null,
    target: '>= 0.6',
    met: lin ? lin.effectiveGflops! / peakGflops >= 0.6 : null,
  });
  for (const [algo, who] of [
    ['usearch-hnsw', 'UsearchSearch'],
    ['tfsim-hnsw', 'HnswSearch'],
  ] as const) {
    for (const n of sizes) {
      const a = get('tfsim', algo, n);
      const b = get('python-faiss', 'hnsw', n);
      if (!a || !b) continue;
      const qa = atRecall(a.sweep, 0.95);
      const qb = atRecall(b.sweep, 0.95);
      const v = qa && qb ? qa.queriesPerSec / qb.queriesPerSec : null;
      out.push({
        name: `${who} HNSW q/s over Python faiss HNSW at recall@10 >= 0.95, ${n.toLocaleString('en-US')}`,
        value: v,
        target: '>= 1.2',
        met: v === null ? null : v >= 1.2,
      });
      const build = a.addPerSec! / b.addPerSec!;
      out.push({
        name: `${who} HNSW build rows/s over Python faiss HNSW, ${n.toLocaleString('en-US')}`,
        value: build,
        target: '>= 1.0',
        met: build >= 1,
      });
    }
  }
  out.push({
    name: 'LinearSearch effective GFLOP/s at 100,000 x 128, 1,000 queries',
    value: lin?.effectiveGflops ?? null,
    target: '>= 10',
    met: lin ? lin.effectiveGflops! >= 10 : null,
  });
  const biggest = Math.max(...sizes);
  for (const r of runs.filter((x) => x.n === biggest && x.available && x.impl === 'tfsim')) {
    out.push({
      name: `memory of ${r.algo} at ${biggest.toLocaleString('en-US')} x 128 over raw float32`,
      value: r.memoryRatio!,
      target: '<= 1.3',
      met: r.memoryRatio! <= 1.3,
    });
  }
  return out;
}

function parseSweep(text: string): number[] {
  return text
    .split(',')
    .filter((x) => x.trim() !== '')
    .map(Number);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      keys: { type: 'string' },
      'queries-file': { type: 'string' },
      gt: { type: 'string' },
      'write-gt': { type: 'string' },
      reps: { type: 'string', default: '10' },
      sizes: { type: 'string', default: '10000,100000,1000000' },
      queries: { type: 'string', default: '1000' },
      algos: {
        type: 'string',
        default: 'linear,linear-wasm,usearch-exact,flat,hnsw,tfsim-hnsw,usearch-hnsw,usearch-hnsw-f16,usearch-hnsw-i8,ivf',
      },
      /** faiss HNSW (Python and FaissSearch) M, and Python faiss's efConstruction. */
      'hnsw-m': { type: 'string', default: String(DEFAULT_HNSW.m) },
      'ef-construction': { type: 'string', default: String(DEFAULT_HNSW.efConstruction) },
      /** UsearchSearch connectivity and expansionAdd; default: faiss's M and efConstruction. */
      'usearch-connectivity': { type: 'string' },
      'usearch-expansion-add': { type: 'string' },
      /** efSearch values every HNSW index is searched at again ('' for none). */
      'ef-sweep': { type: 'string' },
      /**
       * algo:n pairs not run. Default: HNSW at 1M, whose two builds (tfsim and
       * Python, single-threaded inserts at efConstruction 40) alone would take
       * most of the 30-minute budget on 2 cores; its row gives the build time
       * extrapolated from the largest size measured. `tfsim/algo:n` or
       * `python/algo:n` leaves out one side only.
       */
      skip: { type: 'string', default: 'hnsw:1000000' },
      'data-dir': { type: 'string', default: path.join(RESULTS_DIR, 'data') },
      tiny: { type: 'boolean', default: false },
      'no-python': { type: 'boolean', default: false },
      /** Re-measure some configurations: replace their rows in the existing JSON, keep the others. */
      merge: { type: 'boolean', default: false },
      json: { type: 'string', default: path.join(RESULTS_DIR, 'index.json') },
      doc: { type: 'string' },
    },
  });
  const m0 = Number(values['hnsw-m']);
  const efc0 = Number(values['ef-construction']);
  const hnsw: HnswSettings = {
    m: m0,
    efConstruction: efc0,
    connectivity: values['usearch-connectivity'] === undefined ? m0 : Number(values['usearch-connectivity']),
    expansionAdd: values['usearch-expansion-add'] === undefined ? efc0 : Number(values['usearch-expansion-add']),
    efSearch: DEFAULT_HNSW.efSearch,
  };
  if (Object.values(hnsw).some((v) => !Number.isInteger(v) || v < 1))
    throw new Error(`HNSW settings must be positive integers: ${JSON.stringify(hnsw)}`);
  if (values.child) {
    const run = await indexChild({
      algo: values.child,
      keys: values.keys!,
      queries: values['queries-file']!,
      gt: values.gt,
      writeGt: values['write-gt'],
      reps: Number(values.reps),
      efSweep: parseSweep(values['ef-sweep'] ?? ''),
      hnsw,
    });
    process.stdout.write(`\n${JSON.stringify(run)}\n`);
    return;
  }
  const m = machine();
  const sizes = values.tiny ? [2000] : values.sizes.split(',').map(Number);
  const nq = values.tiny ? 50 : Number(values.queries);
  const algos = values.algos.split(',');
  const efSweep = parseSweep(values['ef-sweep'] ?? (values.tiny ? '16,64' : DEFAULT_EF_SWEEP.join(',')));
  const runs: IndexRun[] = [];
  for (const n of sizes) {
    const data = await makeData(values['data-dir'], n, nq);
    const gt = path.join(values['data-dir'], `gt-${n}x${DIM}-${nq}q.npy`);
    const skip = values.skip.split(',');
    for (const algo of algos) {
      if (skip.includes(`${algo}:${n}`)) {
        for (const impl of ['tfsim', 'python-faiss']) {
          const before = runs.filter((r) => r.impl === impl && r.algo === algo && r.available && r.addPerSec).at(-1);
          const estimate = before
            ? ` (its build alone would take about ${fmt(n / before.addPerSec! / 60, 0)} min at the ${before.n.toLocaleString('en-US')}-row rate)`
            : '';
          runs.push({ impl, algo, n, available: false, reason: `not run by default${estimate}; --skip '' runs it` });
        }
        continue;
      }
      const o: ChildOptions = {
        algo,
        keys: data.keys,
        queries: data.queries,
        gt,
        // one repetition where an exact lookup takes seconds; HNSW lookups take milliseconds at any size
        reps: n >= 1_000_000 && peerAlgo(algo) !== 'hnsw' ? 1 : Number(values.reps),
        writeGt: algo === 'linear' ? gt : undefined,
        efSweep,
        hnsw,
      };
      if (!skip.includes(`tfsim/${algo}:${n}`)) {
        const js = runTfsim(o);
        runs.push(js);
        console.error(`${n} tfsim ${algo}: ${JSON.stringify(js)}`);
      }
      if (PYTHON_ALGOS.has(algo) && !values['no-python'] && !skip.includes(`python/${algo}:${n}`)) {
        const py = runPython(o);
        runs.push(py);
        console.error(`${n} python-faiss ${algo}: ${JSON.stringify(py)}`);
      }
    }
  }
  let all = runs;
  let remeasured: IndexResults['remeasured'];
  if (values.merge && fs.existsSync(values.json)) {
    const old = JSON.parse(fs.readFileSync(values.json, 'utf8')) as IndexResults;
    const key = (r: IndexRun) => `${r.impl}/${r.algo}/${r.n}`;
    const fresh = new Map(runs.map((r) => [key(r), r]));
    all = old.runs.map((r) => fresh.get(key(r)) ?? r);
    for (const r of runs) if (!old.runs.some((o) => key(o) === key(r))) all.push(r);
    remeasured = [...(old.remeasured ?? []), { machine: { ...m }, runs: [...fresh.keys()] }];
    // The table's machine line stays the first run's; the re-measured rows say when they ran.
    Object.assign(m, { date: old.machine.date, load: old.machine.load });
  }
  const results: IndexResults = {
    benchmark: 'index',
    machine: m,
    dim: DIM,
    queries: nq,
    k: K,
    hnsw,
    runs: all,
    targets: targets(all, m.peakGflops),
    remeasured,
  };
  publishResults(values.json, results, indexTable(results), values.doc, 'index');
}

runAsScript(module, main);
