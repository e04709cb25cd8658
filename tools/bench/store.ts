/**
 * `pnpm --filter @tfsim/tools bench:store [--items 1000000] [--dim 128] [--batch 10000] [--tiny] [--json f] [--doc f] [--dir d]`
 *
 * LevelStore at 1M items (128-d float32 embeddings, an integer label each):
 *   - write: batchAdd in batches of `batch` (each one LevelDB write batch,
 *     synced to disk: the store's default), items per second;
 *   - read: batchGet of every id in batches of `batch`, in order, and of
 *     100,000 ids drawn at random (in batches of `batch`), items per second;
 *   - reopen: close, then a new LevelStore on the folder until `size()` answers.
 * A fresh database in a temporary folder (removed afterwards).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

import type { Machine } from './common';
import { fmt, machine, machineLine, markdownTable, publishResults, RESULTS_DIR, runAsScript } from './common';

export interface StoreResults {
  benchmark: 'store';
  machine: Machine;
  store: string;
  items: number;
  dim: number;
  batch: number;
  writeMs: number;
  writePerSec: number;
  sequentialReadMs: number;
  sequentialReadPerSec: number;
  randomReads: number;
  randomReadMs: number;
  randomReadPerSec: number;
  reopenMs: number;
  diskBytes: number;
}

function duBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += entry.isDirectory() ? duBytes(p) : fs.statSync(p).size;
  }
  return total;
}

export function storeTable(r: StoreResults): string {
  return [
    `Machine: ${machineLine(r.machine)}.`,
    '',
    `${r.store}: ${r.items.toLocaleString('en-US')} items of ${r.dim}-d float32 embeddings with integer labels, batches of ${r.batch.toLocaleString('en-US')}; ` +
      `database on disk ${fmt(r.diskBytes / 2 ** 20, 0)} MiB.`,
    '',
    markdownTable(
      ['operation', 'time', 'items/s'],
      [
        ['batchAdd (synced write batches)', `${fmt(r.writeMs / 1000, 1)} s`, fmt(r.writePerSec, 0)],
        ['batchGet, every id in order', `${fmt(r.sequentialReadMs / 1000, 1)} s`, fmt(r.sequentialReadPerSec, 0)],
        [`batchGet, ${r.randomReads.toLocaleString('en-US')} random ids`, `${fmt(r.randomReadMs / 1000, 1)} s`, fmt(r.randomReadPerSec, 0)],
        ['reopen (close, open, size())', `${fmt(r.reopenMs, 0)} ms`, ''],
      ],
    ),
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      items: { type: 'string', default: '1000000' },
      dim: { type: 'string', default: '128' },
      batch: { type: 'string', default: '10000' },
      tiny: { type: 'boolean', default: false },
      dir: { type: 'string' },
      json: { type: 'string', default: path.join(RESULTS_DIR, 'store.json') },
      doc: { type: 'string' },
    },
  });
  const { LevelStore } = await import('@tfsim/stores');
  const { Rng } = await import('@tfsim/utils');
  const m = machine();
  const items = values.tiny ? 5000 : Number(values.items);
  const dim = Number(values.dim);
  const batch = values.tiny ? 1000 : Number(values.batch);
  const parent = fs.mkdtempSync(path.join(values.dir ?? os.tmpdir(), 'tfsim-bench-store-'));
  const dbPath = path.join(parent, 'db');
  try {
    const rng = new Rng(3);
    const embeddings = new Float32Array(batch * dim);
    const labels = new Array<number>(batch);
    let store = new LevelStore({ path: dbPath });
    await store.open();
    let writeMs = 0;
    for (let start = 0; start < items; start += batch) {
      const rows = Math.min(batch, items - start);
      for (let i = 0; i < rows * dim; i++) embeddings[i] = rng.normal();
      for (let i = 0; i < rows; i++) labels[i] = rng.int(1000);
      const t = performance.now();
      await store.batchAdd({ data: embeddings.subarray(0, rows * dim), rows, cols: dim }, labels.slice(0, rows));
      writeMs += performance.now() - t;
    }
    if ((await store.size()) !== items) throw new Error(`store holds ${await store.size()} items, expected ${items}`);

    let t = performance.now();
    let read = 0;
    for (let start = 0; start < items; start += batch) {
      const ids = Array.from({ length: Math.min(batch, items - start) }, (_, i) => start + i);
      read += (await store.batchGet(ids)).embeddings.length;
    }
    const sequentialReadMs = performance.now() - t;
    if (read !== items) throw new Error(`read ${read} items, expected ${items}`);

    const randomReads = Math.min(items, 100_000);
    const randomIds = Array.from({ length: randomReads }, () => rng.int(items));
    t = performance.now();
    for (let start = 0; start < randomReads; start += batch) await store.batchGet(randomIds.slice(start, start + batch));
    const randomReadMs = performance.now() - t;

    await store.close();
    t = performance.now();
    store = new LevelStore({ path: dbPath });
    const reopened = await store.size();
    const reopenMs = performance.now() - t;
    if (reopened !== items) throw new Error(`reopened store holds ${reopened} items, expected ${items}`);
    await store.close();

    const results: StoreResults = {
      benchmark: 'store',
      machine: m,
      store: 'LevelStore',
      items,
      dim,
      batch,
      writeMs,
      writePerSec: (items * 1000) / writeMs,
      sequentialReadMs,
      sequentialReadPerSec: (items * 1000) / sequentialReadMs,
      randomReads,
      randomReadMs,
      randomReadPerSec: (randomReads * 1000) / randomReadMs,
      reopenMs,
      diskBytes: duBytes(dbPath),
    };
    publishResults(values.json, results, storeTable(results), values.doc, 'store');
  } finally {
    fs.rmSync(parent, { recursive: true, force: true });
  }
}

runAsScript(module, main);
