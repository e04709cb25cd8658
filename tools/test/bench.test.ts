/**
 * Each benchmark of tools/bench runs at a tiny size and writes valid JSON
 * with the expected fields (and its section of a performance document).
 * Timings are not checked: speed is measured by `pnpm bench`, not by tests.
 * The Python peers run when their venv exists (tools/bench/setup-python.sh),
 * except Python TensorFlow, whose import alone takes tens of seconds on a
 * loaded 2-core machine: `pnpm bench` exercises it.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { npyHeader, pythonHasModule, readNpyRows, updateDocSection, writeNpy } from '../bench/common';
import type { EvaluationResults } from '../bench/evaluation';
import { type IndexResults, ivfSettings, peerAlgo } from '../bench/index-search';
import type { StoreResults } from '../bench/store';
import type { TrainResults } from '../bench/train';

const BENCH = path.join(__dirname, '..', 'bench');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-bench-test-'));
const doc = path.join(dir, 'performance.md');
const hasFaissPeer = pythonHasModule('faiss') && pythonHasModule('numpy');
const hasTorchPeer = pythonHasModule('torch') && pythonHasModule('pytorch_metric_learning');

function runBench(script: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [require.resolve('tsx/cli'), '--conditions=@tfsim/source', path.join(BENCH, script), '--tiny', ...args],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, TFSIM_BACKEND: '' },
      },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited ${code}: ${stderr.slice(-2000)}`))));
  });
}

const read = <T>(name: string): T => JSON.parse(fs.readFileSync(path.join(dir, name), 'utf8')) as T;

// The four run at once (their timings are meaningless here anyway) to keep the suite short.
let ran: Promise<unknown>;
beforeAll(() => {
  fs.writeFileSync(doc, '# Performance\n\nprose kept\n');
  ran = Promise.allSettled([
    runBench('train.ts', [
      '--json',
      path.join(dir, 'train.json'),
      '--doc',
      doc,
      '--python-peers',
      'torch',
      ...(hasTorchPeer ? [] : ['--no-python']),
    ]),
    runBench('index-search.ts', [
      '--json',
      path.join(dir, 'index.json'),
      '--doc',
      doc,
      '--data-dir',
      path.join(dir, 'data'),
      ...(hasFaissPeer ? [] : ['--no-python']),
    ]),
    runBench('evaluation.ts', ['--json', path.join(dir, 'evaluation.json'), '--doc', doc]),
    runBench('store.ts', ['--json', path.join(dir, 'store.json'), '--doc', doc, '--dir', dir]),
  ]);
  return ran;
}, 170_000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

async function settled(i: number): Promise<void> {
  const results = (await ran) as PromiseSettledResult<void>[];
  if (results[i]!.status === 'rejected') throw (results[i] as PromiseRejectedResult).reason;
}

describe('bench scripts at a tiny size', () => {
  it('train: every tfjs backend reported, the native one and cpu measured with a finite, non-negative loss', async () => {
    await settled(0);
    const r = read<TrainResults>('train.json');
    expect(r.machine.cores).toBeGreaterThan(0);
    expect(r.runs.map((x) => x.peer)).toEqual(expect.arrayContaining(['tfjs-node', 'wasm', 'cpu']));
    const cpu = r.runs.find((x) => x.peer === 'cpu')!;
    const measured = r.runs.filter((x) => x.available);
    expect(measured).toContainEqual(expect.objectContaining({ peer: 'cpu' }));
    for (const x of measured) {
      expect(x.samplesPerSec).toBeGreaterThan(0);
      expect(x.samplesPerSec).toBeCloseTo((x.steps! * x.batch! * 1000) / (x.stepMs! * x.steps!), 6);
      // MultiSimilarity's loss is >= 0 and exactly 0 once no pair is mined (possible after a few steps on a tiny batch)
      expect(Number.isFinite(x.loss) && x.loss! >= 0).toBe(true);
      // the TensorFlow.js children also report process CPU time per step (bench:train-ab compares it)
      if (!x.peer.startsWith('py')) expect(x.cpuMsPerStep).toBeGreaterThan(0);
    }
    // wasm lacks Conv2DBackpropFilter: reported, not hidden.
    const wasm = r.runs.find((x) => x.peer === 'wasm')!;
    if (!wasm.available) expect(wasm.reason).toMatch(/./);
    expect(cpu.batch).toBe(16);
    if (hasTorchPeer) expect(r.runs.find((x) => x.peer === 'pytorch-metric-learning')?.available).toBe(true);
  });

  it('index: every configuration with positive throughput, recall in [0, 1], exact ones at recall 1', async () => {
    await settled(1);
    const r = read<IndexResults>('index.json');
    const tfsim = r.runs.filter((x) => x.impl === 'tfsim');
    expect(tfsim.map((x) => x.algo)).toEqual([
      'linear',
      'linear-wasm',
      'usearch-exact',
      'flat',
      'hnsw',
      'tfsim-hnsw',
      'usearch-hnsw',
      'usearch-hnsw-f16',
      'usearch-hnsw-i8',
      'ivf',
    ]);
    const measured = r.runs.filter((x) => x.available);
    expect(measured.length).toBeGreaterThanOrEqual(hasFaissPeer ? 7 : 1);
    for (const x of measured) {
      for (const key of ['addPerSec', 'queriesPerSec', 'effectiveGflops', 'lookupMs'] as const) expect(x[key]).toBeGreaterThan(0);
      expect(x.recallAt10).toBeGreaterThanOrEqual(0);
      expect(x.recallAt10).toBeLessThanOrEqual(1);
      expect(x.effectiveGflops).toBeCloseTo((2 * x.n * r.queries * r.dim) / (x.lookupMs! * 1e6), 6);
      expect(x.memoryRatio).toBeCloseTo(x.rssDeltaBytes! / (x.n * r.dim * 4), 6);
    }
    // Exact search agrees with the ground truth, on both sides.
    for (const x of measured.filter((y) => ['linear', 'linear-wasm', 'usearch-exact', 'flat'].includes(y.algo)))
      expect(x.recallAt10).toBe(1);
    // HNSW indexes are searched again at each efSearch of the sweep (16 and 64 at --tiny), recall measured at each.
    for (const x of measured.filter((y) => peerAlgo(y.algo) === 'hnsw')) {
      expect(x.sweep!.map((p) => p.efSearch)).toEqual([16, 64]);
      for (const p of x.sweep!) {
        expect(p.queriesPerSec).toBeGreaterThan(0);
        expect(p.recallAt10).toBeGreaterThanOrEqual(0);
        expect(p.recallAt10).toBeLessThanOrEqual(1);
      }
    }
    expect(r.targets.some((t) => t.name.startsWith('LinearSearch effective GFLOP/s'))).toBe(true);
  });

  it('evaluation: calibrate and evaluateRetrieval on the tiny query set', async () => {
    await settled(2);
    const r = read<EvaluationResults>('evaluation.json');
    expect(r.runs.map((x) => x.operation)).toEqual(['calibrate', 'evaluateRetrieval']);
    for (const x of r.runs) {
      expect(x.queries).toBe(2000);
      expect(x.queriesPerSec).toBeCloseTo((x.queries * 1000) / x.ms, 6);
      expect(x.value).toBeGreaterThan(0);
      expect(x.value).toBeLessThanOrEqual(1);
    }
    // The synthetic lookups put the query's class first 80% of the time (plus 1% by chance).
    expect(r.runs[1]!.value).toBeGreaterThan(0.76);
    expect(r.runs[1]!.value).toBeLessThan(0.84);
  });

  it('store: LevelStore write, read and reopen', async () => {
    await settled(3);
    const r = read<StoreResults>('store.json');
    expect(r.items).toBe(5000);
    for (const key of ['writePerSec', 'sequentialReadPerSec', 'randomReadPerSec', 'reopenMs', 'diskBytes'] as const)
      expect(r[key]).toBeGreaterThan(0);
    // At least the raw embeddings are on disk.
    expect(r.diskBytes).toBeGreaterThan(r.items * r.dim * 4 * 0.9);
  });

  it('each benchmark writes its own section of the document and keeps the prose', async () => {
    await ran;
    const text = fs.readFileSync(doc, 'utf8');
    expect(text).toContain('prose kept');
    for (const name of ['train', 'index', 'evaluation', 'store']) {
      expect(text.split(`<!-- bench:${name}:begin -->`)).toHaveLength(2);
      expect(text).toContain(`<!-- bench:${name}:end -->`);
    }
  });
});

describe('bench helpers', () => {
  it('.npy files round-trip bit for bit and carry the numpy header', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-npy-')), 'a.npy');
    const data = Float32Array.from({ length: 3 * 5 }, (_, i) => (i - 7) / 3);
    writeNpy(file, data, [3, 5]);
    const header = npyHeader(file);
    expect(header).toMatchObject({ descr: '<f4', shape: [3, 5] });
    expect(header.offset % 64).toBe(0); // numpy aligns the data
    expect(readNpyRows(header, 1, 2)).toEqual(data.subarray(5, 15));
    const ids = Int32Array.from([4, -1, 7]);
    writeNpy(file, ids, [3]);
    expect(readNpyRows(npyHeader(file), 0, 3)).toEqual(ids);
  });

  it('replaces a section in place, appends a missing one', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-doc-')), 'p.md');
    fs.writeFileSync(file, 'a\n<!-- bench:x:begin -->\nold\n<!-- bench:x:end -->\nb\n');
    updateDocSection(file, 'x', 'new');
    updateDocSection(file, 'y', 'added');
    expect(fs.readFileSync(file, 'utf8')).toBe(
      'a\n<!-- bench:x:begin -->\nnew\n<!-- bench:x:end -->\nb\n\n<!-- bench:y:begin -->\nadded\n<!-- bench:y:end -->\n',
    );
  });

  it('IVF settings: nlist sqrt(n), nprobe nlist/8, at most 50 nlist training rows', () => {
    expect(ivfSettings(1_000_000)).toEqual({ nlist: 1000, nprobe: 125, trainRows: 50_000 });
    expect(ivfSettings(10_000)).toEqual({ nlist: 100, nprobe: 13, trainRows: 5000 });
  });

  it('each tfsim configuration is compared with the Python faiss index of its kind', () => {
    expect(['linear', 'linear-wasm', 'usearch-exact', 'flat'].map(peerAlgo)).toEqual(['flat', 'flat', 'flat', 'flat']);
    expect(['hnsw', 'tfsim-hnsw', 'usearch-hnsw', 'usearch-hnsw-f16', 'usearch-hnsw-i8'].map(peerAlgo)).toEqual(Array(5).fill('hnsw'));
    expect(peerAlgo('ivf')).toBe('ivf');
  });
});
