/**
 * `pnpm --filter @tfsim/tools bench:index [--sizes 10000,100000,1000000] [--queries 1000] [--tiny] [--json f] [--doc f] [--no-python]`
 *
 * Index benchmark at n x 128 for each size: LinearSearch and FaissSearch
 * (flat, HNSW, IVF) through @tfsim, and Python faiss-cpu (python/index_faiss.py)
 * on the same vectors and queries, written once as .npy files both read.
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
 * Settings, the same on both sides: HNSW M 16, efConstruction 40, efSearch
 * 400 (FaissSearch's defaults); IVF nlist round(sqrt(n)), trained on the first
 * min(n, 50 nlist) rows, nprobe ceil(nlist / 8) (FaissSearch's default).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import {
  fmt,
  machine,
  machineLine,
  markdownTable,
  nodeArgs,
  npyHeader,
  PERFORMANCE_DOC,
  PYTHON_DIR,
  pythonExecutable,
  pythonHasModule,
  readNpyRows,
  RESULTS_DIR,
  rssBytes,
  runJsonChild,
  updateDocSection,
  writeJson,
  writeNpy,
  type Machine,
} from './common';

export const DIM = 128;
export const K = 10;
const CHUNK = 50_000;

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
}

/** Inside the child: builds one index from the file, measures it. */
async function indexChild(o: ChildOptions): Promise<IndexRun> {
  const { FaissSearch, faissAvailable, faissUnavailableReason, LinearSearch } = await import('@tfsim/search');
  const keys = npyHeader(o.keys);
  const n = keys.shape[0]!;
  const base: IndexRun = { impl: 'tfsim', algo: o.algo, n, available: false };
  if (o.algo !== 'linear' && !faissAvailable()) return { ...base, reason: `faiss-node does not load: ${faissUnavailableReason() ?? ''}` };
  const { nlist, nprobe, trainRows } = ivfSettings(n);
  // One chunk buffer, allocated and touched before the baseline: the delta is the index's.
  const chunk = new Float32Array(Math.min(CHUNK, n) * DIM).fill(0);
  const ids = new Int32Array(Math.min(CHUNK, n));
  // IVF's training rows are the benchmark's input too: read before the baseline, kept to the end.
  const sample = o.algo === 'ivf' ? readNpyRows(keys, 0, trainRows, new Float32Array(trainRows * DIM)) : undefined;
  global.gc?.();
  const rss0 = rssBytes();
  const search =
    o.algo === 'linear'
      ? new LinearSearch('euclidean', DIM)
      : o.algo === 'ivf'
        ? new FaissSearch('euclidean', DIM, { algo: 'ivf', nlist, nprobe })
        : new FaissSearch('euclidean', DIM, { algo: o.algo });
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
    for (let i = 0; i < rows; i++) ids[i] = start + i;
    const t = performance.now();
    search.batchAdd({ data, rows, cols: DIM }, ids.subarray(0, rows));
    addMs += performance.now() - t;
  }
  global.gc?.();
  const rssDeltaBytes = rssBytes() - rss0;
  if (sample && sample.length !== trainRows * DIM) throw new Error('training sample changed'); // keeps it alive to here
  const qh = npyHeader(o.queries);
  const q = qh.shape[0]!;
  const queries = { data: readNpyRows(qh, 0, q, new Float32Array(q * DIM)), rows: q, cols: DIM };
  search.batchLookup({ data: queries.data.subarray(0, Math.min(q, 10) * DIM), rows: Math.min(q, 10), cols: DIM }, K); // warm-up
  let lookupMs = Number.POSITIVE_INFINITY;
  let found: Array<{ ids: Int32Array }> = [];
  let lookupCpuMs = 0;
  for (let r = 0; r < o.reps; r++) {
    const cpu = process.cpuUsage();
    const t = performance.now();
    found = search.batchLookup(queries, K);
    const ms = performance.now() - t;
    if (ms < lookupMs) {
      lookupMs = ms;
      const used = process.cpuUsage(cpu);
      lookupCpuMs = (used.user + used.system) / 1000;
    }
  }
  let bindingQueriesPerSec: number | undefined;
  const binding = (search as unknown as { index?: { searchTyped?: (x: Float32Array, k: number) => unknown } }).index;
  if (o.algo !== 'linear' && binding?.searchTyped) {
    let ms = Number.POSITIVE_INFINITY;
    for (let r = 0; r < o.reps; r++) {
      const t = performance.now();
      binding.searchTyped(queries.data, Math.min(n, K + 8));
      ms = Math.min(ms, performance.now() - t);
    }
    bindingQueriesPerSec = (q * 1000) / ms;
  }
  if (o.writeGt) {
    const gt = new Int32Array(q * K).fill(-1);
    found.forEach((f, i) => gt.set(f.ids.subarray(0, K), i * K));
    writeNpy(o.writeGt, gt, [q, K]);
  }
  let recallAt10: number | undefined;
  if (o.gt && fs.existsSync(o.gt)) {
    const gt = readNpyRows(npyHeader(o.gt), 0, q);
    let hits = 0;
    found.forEach((f, i) => {
      const truth = new Set(gt.subarray(i * K, (i + 1) * K));
      for (const id of f.ids.subarray(0, K)) if (truth.has(id)) hits++;
    });
    recallAt10 = hits / (q * K);
  }
  return {
    ...base,
    available: true,
    version: o.algo === 'linear' ? '@tfsim/search LinearSearch (WebAssembly SIMD)' : '@tfsim/search FaissSearch (faiss-node, system faiss)',
    trainMs,
    addMs,
    addPerSec: (n * 1000) / addMs,
    lookupMs,
    queriesPerSec: (q * 1000) / lookupMs,
    effectiveGflops: (2 * n * q * DIM) / (lookupMs * 1e6),
    lookupCpuMs,
    recallAt10,
    rssDeltaBytes,
    memoryRatio: rssDeltaBytes / (n * DIM * 4),
    bindingQueriesPerSec,
  };
}

function runTfsim(o: ChildOptions): IndexRun {
  const args = ['--child', o.algo, '--keys', o.keys, '--queries-file', o.queries, '--reps', String(o.reps)];
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
  const args = [path.join(PYTHON_DIR, 'index_faiss.py'), '--algo', o.algo, '--keys', o.keys, '--queries', o.queries, '--reps', String(o.reps)];
  args.push('--nlist', String(nlist), '--nprobe', String(nprobe), '--train-rows', String(trainRows), '--chunk', String(CHUNK), '--k', String(K));
  if (o.gt) args.push('--gt', o.gt);
  const res = runJsonChild<IndexRun>(py, args);
  return res.ok ? { ...res.value, impl: 'python-faiss' } : { ...base, reason: res.error };
}

function mib(bytes: number | undefined): string {
  return bytes === undefined ? 'n/a' : `${fmt(bytes / 2 ** 20, 0)} MiB`;
}

export function indexTable(r: IndexResults): string {
  const rows = r.runs.map((x) => {
    const peer = r.runs.find((y) => y.impl !== x.impl && y.algo === x.algo && y.n === x.n && y.available);
    const ratio = x.impl === 'tfsim' && x.available && peer ? fmt(x.queriesPerSec! / peer.queriesPerSec!, 2) : '';
    // The same ratio per CPU-second: queries over the CPU time each lookup got.
    const cpuRatio = x.impl === 'tfsim' && x.available && peer && x.lookupCpuMs && peer.lookupCpuMs ? fmt(peer.lookupCpuMs / x.lookupCpuMs, 2) : '';
    return x.available
      ? [
          x.n.toLocaleString('en-US'), x.impl, x.algo,
          x.trainMs === undefined ? '' : fmt(x.trainMs / 1000, 1),
          fmt(x.addPerSec, 0), fmt(x.queriesPerSec, 0), x.bindingQueriesPerSec === undefined ? '' : fmt(x.bindingQueriesPerSec, 0), ratio, cpuRatio, fmt(x.effectiveGflops),
          x.lookupCpuMs ? fmt(x.lookupCpuMs / x.lookupMs!, 2) : 'n/a',
          x.recallAt10 === undefined ? 'n/a' : x.recallAt10.toFixed(3),
          mib(x.rssDeltaBytes), fmt(x.memoryRatio, 2),
        ]
      : [x.n.toLocaleString('en-US'), x.impl, x.algo, `not available: ${x.reason ?? ''}`, '', '', '', '', '', '', '', '', '', ''];
  });
  const m = r.machine;
  return [
    `Machine: ${machineLine(m)}.`,
    '',
    `${r.dim}-d float32 vectors (clustered), ${r.queries} queries, k = ${r.k}, euclidean. add: rows/s of batchAdd in chunks of ${CHUNK.toLocaleString('en-US')}; ` +
      `lookup: queries/s of one batchLookup of all queries (best of the repetitions); faiss-node direct: the binding's own search on the same index, without FaissSearch around it; cores used: CPU time of the timed lookup over its wall time (on a shared machine, what it got of the 2 cores); same per CPU-s: the tfsim / python ratio of queries per CPU-second (where both CPU times were recorded); recall@10 against LinearSearch (exact); ` +
      'memory: RSS after adding minus before (the child process holds nothing else), and its ratio to n x d x 4 bytes. ' +
      `Effective GFLOP/s: 2 n q d / lookup time; the machine's nominal fp32 peak is ${m.peakGflops} GFLOP/s at the clock /proc/cpuinfo reports (about 190 at the boost clock).`,
    '',
    markdownTable(
      ['n', 'implementation', 'index', 'train s', 'add rows/s', 'lookup q/s', 'faiss-node direct q/s', 'tfsim / python', 'same per CPU-s', 'eff. GFLOP/s', 'cores used', 'recall@10', 'RSS delta', 'RSS / raw'],
      rows,
    ),
    '',
    ...(r.remeasured ?? []).flatMap((x) => ['', `Re-measured (\`--merge\`) in a later run, ${machineLine(x.machine)}: ${x.runs.join(', ')}.`]),
    '',
    'Targets:',
    '',
    ...r.targets.map((t) => `- ${t.name}: ${t.value === null ? 'not measured' : fmt(t.value, 2)} (target ${t.target}) — ${t.met === null ? 'n/a' : t.met ? 'met' : 'missed'}`),
  ].join('\n');
}

function targets(runs: IndexRun[]): IndexResults['targets'] {
  const get = (impl: string, algo: string, n: number) => runs.find((r) => r.impl === impl && r.algo === algo && r.n === n && r.available);
  const out: IndexResults['targets'] = [];
  const sizes = [...new Set(runs.map((r) => r.n))];
  for (const algo of ['flat', 'hnsw', 'ivf']) {
    for (const n of sizes) {
      const a = get('tfsim', algo, n);
      const b = get('python-faiss', algo, n);
      if (a && b) {
        const v = a.queriesPerSec! / b.queriesPerSec!;
        out.push({ name: `FaissSearch ${algo} q/s over Python faiss at ${n.toLocaleString('en-US')}`, value: v, target: '>= 0.8', met: v >= 0.8 });
      }
    }
  }
  const lin = get('tfsim', 'linear', 100_000);
  out.push({
    name: 'LinearSearch effective GFLOP/s at 100,000 x 128, 1,000 queries',
    value: lin?.effectiveGflops ?? null,
    target: '>= 10',
    met: lin ? lin.effectiveGflops! >= 10 : null,
  });
  const biggest = Math.max(...sizes);
  for (const r of runs.filter((x) => x.n === biggest && x.available && x.impl === 'tfsim')) {
    out.push({ name: `memory of ${r.algo} at ${biggest.toLocaleString('en-US')} x 128 over raw float32`, value: r.memoryRatio!, target: '<= 1.3', met: r.memoryRatio! <= 1.3 });
  }
  return out;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      child: { type: 'string' },
      keys: { type: 'string' },
      'queries-file': { type: 'string' },
      gt: { type: 'string' },
      'write-gt': { type: 'string' },
      reps: { type: 'string', default: '3' },
      sizes: { type: 'string', default: '10000,100000,1000000' },
      queries: { type: 'string', default: '1000' },
      algos: { type: 'string', default: 'linear,flat,hnsw,ivf' },
      /**
       * algo:n pairs not run. Default: HNSW at 1M, whose two builds (tfsim and
       * Python, single-threaded inserts at efConstruction 40) alone would take
       * most of the 30-minute budget on 2 cores; its row gives the build time
       * extrapolated from the largest size measured.
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
  if (values.child) {
    const run = await indexChild({
      algo: values.child, keys: values.keys!, queries: values['queries-file']!, gt: values.gt, writeGt: values['write-gt'], reps: Number(values.reps),
    });
    process.stdout.write(`\n${JSON.stringify(run)}\n`);
    return;
  }
  const m = machine();
  const sizes = values.tiny ? [2000] : values.sizes.split(',').map(Number);
  const nq = values.tiny ? 50 : Number(values.queries);
  const algos = values.algos.split(',');
  const runs: IndexRun[] = [];
  for (const n of sizes) {
    const data = await makeData(values['data-dir'], n, nq);
    const gt = path.join(values['data-dir'], `gt-${n}x${DIM}-${nq}q.npy`);
    // Fewer repetitions where one lookup takes seconds.
    const reps = n >= 1_000_000 ? 1 : Number(values.reps);
    for (const algo of algos) {
      if (values.skip.split(',').includes(`${algo}:${n}`)) {
        for (const impl of ['tfsim', 'python-faiss']) {
          const before = runs.filter((r) => r.impl === impl && r.algo === algo && r.available && r.addPerSec).at(-1);
          const estimate = before ? ` (its build alone would take about ${fmt(n / before.addPerSec! / 60, 0)} min at the ${before.n.toLocaleString('en-US')}-row rate)` : '';
          runs.push({ impl, algo, n, available: false, reason: `not run by default${estimate}; --skip '' runs it` });
        }
        continue;
      }
      const o: ChildOptions = { algo, keys: data.keys, queries: data.queries, gt, reps, writeGt: algo === 'linear' ? gt : undefined };
      const js = runTfsim(o);
      runs.push(js);
      console.error(`${n} tfsim ${algo}: ${JSON.stringify(js)}`);
      if (algo !== 'linear' && !values['no-python']) {
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
  const results: IndexResults = { benchmark: 'index', machine: m, dim: DIM, queries: nq, k: K, runs: all, targets: targets(all), remeasured };
  writeJson(values.json, results);
  const table = indexTable(results);
  console.log(table);
  if (values.doc) updateDocSection(values.doc === 'default' ? PERFORMANCE_DOC : values.doc, 'index', table);
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
