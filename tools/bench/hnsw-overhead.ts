/**
 * `pnpm --filter @tfsim/tools bench:hnsw-overhead [--n 20000] [--batches 1,10,100,1000] [--ef 24] [--reps 300]
 *   [--addon-b path/to/other/tfsim-hnsw.node]`
 *
 * Where a small HnswSearch lookup's time goes: a sweep point of bench:index
 * is only milliseconds, so fixed per-call costs count. For each batch size,
 * the median wall time per batchLookup call split into the time inside the native
 * addon (the graph search, and since the lookup path moved into C the
 * ordering and id mapping too) and the rest (JavaScript: argument checks, the
 * Neighbors objects). With `--addon-b`, the raw native search of a second
 * build of hnsw-kernel.c (an older commit, say) on the same graph, so that a
 * change in the addon's fixed cost (threads per call against a pool) is an
 * A/B in one run. The machine's load is printed: compare ratios, not times,
 * on a busy machine.
 *
 * Data: n x 128 seeded Gaussian mixture rows (bench:index's kind), graphs
 * built on one thread (the same graph in both addons), euclidean, k 10.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import { hnswAvailable, HnswSearch, hnswUnavailableReason } from '@tfsim/search';

import { fmt, markdownTable, runAsScript } from './common';

/** The part of the addon's interface this bench calls (packages/search/src/hnsw-addon.ts). */
interface HnswAddon {
  readonly kernel: string;
  readonly cores: number;
  create(dim: number, m: number, efConstruction: number, metric: number, seed: number): unknown;
  add(h: unknown, rows: Float32Array, n: number, threads: number): void;
  search(h: unknown, q: Float32Array, m: number, k: number, ef: number, threads: number, d: Float32Array, keys: Int32Array): void;
}

/** The addon and graph of an HnswSearch (private fields, read for measuring only). */
function internals(search: HnswSearch): { addon: HnswAddon; graph: unknown } {
  return search as unknown as { addon: HnswAddon; graph: unknown };
}

const DIM = 128;
const K = 10;

/** n rows around n / 100 centres: a seeded mixture, clustered as embeddings are. */
function mixture(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const centres = new Float32Array(Math.max(1, Math.floor(n / 100)) * DIM).map(normal);
  const out = new Float32Array(n * DIM);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(uniform() * (centres.length / DIM));
    for (let j = 0; j < DIM; j++) out[i * DIM + j] = centres[c * DIM + j]! + 0.6 * normal();
  }
  return out;
}

/** Wraps the addon's functions of `names` to add the wall time spent inside them to `clock.ms`; returns the undo. */
function instrument(addon: HnswAddon, names: string[], clock: { ms: number }): () => void {
  const target = addon as unknown as Record<string, (...args: unknown[]) => unknown>;
  const saved = names.map((name) => target[name]);
  names.forEach((name, i) => {
    const original = saved[i];
    if (!original) return;
    target[name] = (...args: unknown[]) => {
      const t = performance.now();
      try {
        return original.apply(addon, args);
      } finally {
        clock.ms += performance.now() - t;
      }
    };
  });
  return () =>
    names.forEach((name, i) => {
      if (saved[i]) target[name] = saved[i];
    });
}

const median = (xs: number[]): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};

/** Median microseconds per call of each of `fns`, called in turn `reps` times after a warm-up (so they share the load). */
function interleaved(reps: number, fns: Array<() => void>): number[] {
  fns.forEach((fn) => fn());
  const times = fns.map(() => [] as number[]);
  for (let r = 0; r < reps; r++) {
    fns.forEach((fn, i) => {
      const t = performance.now();
      fn();
      times[i]!.push((performance.now() - t) * 1000);
    });
  }
  return times.map(median);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      n: { type: 'string', default: '20000' },
      batches: { type: 'string', default: '1,10,100,1000' },
      ef: { type: 'string', default: '24' },
      reps: { type: 'string', default: '300' },
      'addon-b': { type: 'string' },
    },
  });
  const n = Number(values.n);
  const ef = Number(values.ef);
  const reps = Number(values.reps);
  const batches = values.batches.split(',').map(Number);
  if (!hnswAvailable()) throw new Error(`the HNSW addon does not load: ${hnswUnavailableReason()}`);
  const rows = mixture(n, 1);
  const queries = mixture(Math.max(...batches), 2);
  const search = new HnswSearch('euclidean', DIM, { m: 16, efConstruction: 40, efSearch: ef, threads: 1 });
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  search.batchAdd({ data: rows, rows: n, cols: DIM }, ids);
  const lookupSearch = new HnswSearch('euclidean', DIM, { m: 16, efConstruction: 40, efSearch: ef });
  // Searches on every core from the same graph: load what the one-thread build saved.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-hnsw-overhead-'));
  await search.save(dir);
  await lookupSearch.load(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  const { addon, graph: graphA } = internals(lookupSearch);
  let other: { addon: HnswAddon; graph: unknown } | undefined;
  if (values['addon-b']) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const b = require(path.resolve(values['addon-b'])) as HnswAddon;
    const graph = b.create(DIM, 16, 40, 0, 0);
    b.add(graph, rows, n, 1);
    other = { addon: b, graph };
  }
  const cores = addon.cores;
  const header = ['queries', 'batchLookup us/call', 'inside the addon', 'JS share', 'raw search A us/call'];
  if (other) header.push('raw search B us/call', 'B / A');
  const table: Array<Array<string | number>> = [];
  for (const m of batches) {
    const q = { data: queries.subarray(0, m * DIM), rows: m, cols: DIM };
    // batchLookup with the addon's share of each call (median of reps).
    const clock = { ms: 0 };
    const undo = instrument(addon, ['search', 'lookup'], clock);
    const walls: number[] = [];
    const insides: number[] = [];
    try {
      lookupSearch.batchLookup(q, K);
      for (let r = 0; r < reps; r++) {
        clock.ms = 0;
        const t = performance.now();
        lookupSearch.batchLookup(q, K);
        walls.push((performance.now() - t) * 1000);
        insides.push(clock.ms * 1000);
      }
    } finally {
      undo();
    }
    const total = median(walls);
    const inside = median(insides);
    const fetch = K + 8;
    const outD = new Float32Array(m * fetch);
    const outK = new Int32Array(m * fetch);
    const raw = [() => addon.search(graphA, q.data, m, fetch, Math.max(ef, fetch), cores, outD, outK)];
    const o = other;
    if (o) raw.push(() => o.addon.search(o.graph, q.data, m, fetch, Math.max(ef, fetch), cores, outD, outK));
    const [rawA, rawB] = interleaved(reps, raw);
    const row: Array<string | number> = [m, fmt(total), fmt(inside), `${fmt((100 * (total - inside)) / total, 0)}%`, fmt(rawA)];
    if (rawB !== undefined) row.push(fmt(rawB), fmt(rawB / rawA!, 2));
    table.push(row);
  }
  console.log(
    `HnswSearch per-call cost, ${n} x ${DIM}, k ${K}, efSearch ${ef}, ${cores} threads, kernel ${addon.kernel}; ` +
      `load average ${os
        .loadavg()
        .map((v) => v.toFixed(2))
        .join(' / ')}`,
  );
  console.log(markdownTable(header, table));
}

runAsScript(module, main);
