/**
 * The addon's lookup(): HnswSearch.batchLookup's ordering, id mapping and tie
 * re-fetches, done in C. Checked bit for bit against the addon's raw search
 * followed by the ordering of common.ts (the JavaScript path batchLookup took
 * before), and against hand-computed tie orders.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

import { hnswAvailable, HnswSearch } from '../src';
import { distanceFromNative, rankFetched, resolveTies } from '../src/common';
import type { HnswAddon, HnswHandle } from '../src/hnsw-addon';
import type { Neighbors } from '../src/search';

const TIE_SLACK = 8;

/** The private state batchLookup reads (tests only). */
function internals(search: HnswSearch): { addon: HnswAddon; graph: HnswHandle; ids: Int32Array; count: number; efSearchValue: number } {
  return search as unknown as { addon: HnswAddon; graph: HnswHandle; ids: Int32Array; count: number; efSearchValue: number };
}

/** batchLookup as it was in JavaScript: the raw search per batch, ids mapped, distances converted, ordered by common.ts, ties re-fetched. */
function jsLookup(search: HnswSearch, queries: Float32Array, rows: number, k: number): Neighbors[] {
  const { addon, graph, ids, count, efSearchValue } = internals(search);
  const dim = search.dim;
  const name = search.distance.name;
  const ip = name === 'inner_product' || name === 'cosine';
  const kk = Math.min(k, count);
  const raw = (data: Float32Array, m: number, fetch: number) => {
    const keys = new Int32Array(m * fetch);
    const values = new Float32Array(m * fetch);
    addon.search(graph, data, m, fetch, Math.max(efSearchValue, fetch), 1, values, keys);
    return { keys, values };
  };
  const collect = (found: { keys: Int32Array; values: Float32Array }, query: number, fetch: number) => {
    let filled = 0;
    while (filled < fetch && found.keys[query * fetch + filled]! >= 0) filled++;
    const got = new Int32Array(filled);
    const values = new Float32Array(filled);
    for (let j = 0; j < filled; j++) {
      got[j] = ids[found.keys[query * fetch + j]!]!;
      const v = found.values[query * fetch + j]!;
      values[j] = ip ? distanceFromNative(name, 'ip', -v) : distanceFromNative(name, 'l2sq', v);
    }
    return rankFetched(got, values, fetch, kk, search.distance.isSimilarity);
  };
  const fetch = Math.min(count, kk + TIE_SLACK);
  const first = raw(queries, rows, fetch);
  return resolveTies(
    rows,
    count,
    fetch,
    (i) => collect(first, i, fetch),
    (i, more) => collect(raw(queries.subarray(i * dim, (i + 1) * dim), 1, more), 0, more),
  );
}

/** Bit patterns of float32 values (tells -0 from 0, and every NaN). */
const bits = (values: Float32Array): number[] => Array.from(new Uint32Array(values.buffer, values.byteOffset, values.length));

/** Rows of small integers: many equal distances. Seeded. */
function coarseRows(rows: number, dim: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: rows * dim }, () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return (s % 5) - 2;
  });
}

const describeAddon = hnswAvailable() || process.env.TFSIM_REQUIRE_HNSW === '1' ? describe : describe.skip;

describeAddon('the HNSW addon lookup (HnswSearch.batchLookup)', () => {
  const dim = 6;
  const n = 400;
  const rows = coarseRows(n, dim, 7);
  // Ids not in key order, some repeated: ties must go by the caller's id, not the key.
  const ids = Int32Array.from({ length: n }, (_, i) => ((i * 7919) % 1000) - 500);
  for (let i = 0; i < n; i += 37) ids[i] = ids[0]!;
  // 30 copies of one row (more than k + 8): a tie running past the first fetch.
  const copies = 30;
  const copyRow = rows.slice(0, dim);
  const queries = new Float32Array([...coarseRows(40, dim, 11), ...copyRow, ...rows.subarray(dim * 5, dim * 6)]);
  const queryRows = queries.length / dim;

  it.each(['inner_product', 'cosine', 'euclidean', 'squared_euclidean'])(
    '%s: the same ids and distance bits as the raw search ordered by common.ts, ties re-fetched included',
    (distance) => {
      for (const threads of [1, 2]) {
        const search = new HnswSearch(distance, dim, { efSearch: 16, threads });
        search.batchAdd({ data: rows, rows: n, cols: dim }, ids);
        const copyIds = Int32Array.from({ length: copies }, (_, i) => 5000 - 3 * i);
        search.batchAdd({ data: new Float32Array(copies * dim).map((_, j) => copyRow[j % dim]!), rows: copies, cols: dim }, copyIds);
        search.remove([ids[3]!]);
        for (const k of [1, 5, 10, 40, 1000]) {
          const got = search.batchLookup({ data: queries, rows: queryRows, cols: dim }, k);
          const want = jsLookup(search, queries, queryRows, k);
          expect(got.length).toBe(want.length);
          got.forEach((g, i) => {
            expect(Array.from(g.ids)).toEqual(Array.from(want[i]!.ids));
            expect(bits(g.distances)).toEqual(bits(want[i]!.distances));
          });
        }
      }
    },
  );

  it('orders a tie that runs past the fetch by ascending id (30 copies, k 12: ids 4913 ... 4946 then the rest)', () => {
    const search = new HnswSearch('euclidean', dim, { efSearch: 64, threads: 1 });
    // Keys 0 - 29: the copies, ids descending with the key; then 200 other rows none of which equals the copy.
    const copyIds = Int32Array.from({ length: copies }, (_, i) => 5000 - 3 * i);
    search.batchAdd({ data: new Float32Array(copies * dim).map((_, j) => copyRow[j % dim]!), rows: copies, cols: dim }, copyIds);
    const others = coarseRows(200, dim, 3).map((v) => v + 0.5);
    search.batchAdd(
      { data: others, rows: 200, cols: dim },
      Int32Array.from({ length: 200 }, (_, i) => i),
    );
    const got = search.lookup(copyRow, 12);
    // The 12 smallest of the copies' ids (5000 - 3i, i = 0..29): 4913, 4916, ..., 4946, all at distance 0.
    expect(Array.from(got.ids)).toEqual(Array.from({ length: 12 }, (_, i) => 4913 + 3 * i));
    expect(Array.from(got.distances)).toEqual(new Array(12).fill(0));
  });

  it('inner product: the largest first, equal similarities by ascending id', () => {
    const search = new HnswSearch('inner_product', 2, { threads: 1 });
    // q = [1, 1]: dots 3, 3, 5, 3, 1 under ids 9, 4, 7, 2, 8.
    search.batchAdd(
      [
        [1, 2],
        [2, 1],
        [2, 3],
        [3, 0],
        [1, 0],
      ],
      [9, 4, 7, 2, 8],
    );
    const got = search.lookup([1, 1], 5);
    expect(Array.from(got.ids)).toEqual([7, 2, 4, 9, 8]);
    expect(Array.from(got.distances)).toEqual([5, 3, 3, 3, 1]);
  });

  it('runs batches on a pool started once (one helper for 2 threads, parked between calls); two threads give the one-thread results', async () => {
    const data = coarseRows(3000, dim, 5).map((v, i) => v + (i % 7) * 0.01);
    const search = new HnswSearch('euclidean', dim, { efSearch: 32, threads: 2 });
    search.batchAdd(
      { data, rows: 3000, cols: dim },
      Int32Array.from({ length: 3000 }, (_, i) => i),
    );
    const batch = { data: data.subarray(0, 64 * dim), rows: 64, cols: dim };
    // In a fresh process (this one's pool may have started already): the first batch on 2 threads leaves one helper
    // parked, and 40 more batches and an add start no other thread.
    const addonFile = process.env.TFSIM_HNSW_ADDON ?? path.join(__dirname, '..', 'native', 'tfsim-hnsw.node');
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `const a = require(${JSON.stringify(addonFile)});
        const threads = () => require('fs').readdirSync('/proc/self/task').length;
        const d = 4, n = 2000, rows = Float32Array.from({ length: n * d }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
        const h = a.create(d, 8, 32, 0, 0);
        a.add(h, rows.subarray(0, 200 * d), 200, 1);
        const out = [new Float32Array(64 * 10), new Int32Array(64 * 10)];
        const counts = [threads()];
        a.search(h, rows.subarray(0, 64 * d), 64, 10, 32, 2, ...out);
        counts.push(threads());
        for (let i = 0; i < 40; i++) a.search(h, rows.subarray(0, 64 * d), 64, 10, 32, 2, ...out);
        a.add(h, rows.subarray(200 * d), n - 200, 2);
        counts.push(threads());
        console.log(JSON.stringify(counts));`,
      ],
      { encoding: 'utf8' },
    );
    expect(child.stderr).toBe('');
    const [start, afterFirst, afterMore] = JSON.parse(child.stdout) as number[];
    expect(afterFirst! - start!).toBe(1);
    expect(afterMore).toBe(afterFirst);
    // The same graph searched on one thread.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-hnsw-pool-'));
    const one = new HnswSearch('euclidean', dim, { efSearch: 32, threads: 1 });
    try {
      await search.save(dir);
      await one.load(dir);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
    const two = search.batchLookup(batch, 10);
    const single = one.batchLookup(batch, 10);
    two.forEach((g, i) => {
      expect(Array.from(g.ids)).toEqual(Array.from(single[i]!.ids));
      expect(bits(g.distances)).toEqual(bits(single[i]!.distances));
    });
  });

  it('refuses a lookup whose arrays do not match the graph', () => {
    const search = new HnswSearch('euclidean', 2, { threads: 1 });
    search.batchAdd(
      [
        [0, 0],
        [1, 1],
      ],
      [1, 2],
    );
    const { addon, graph } = internals(search);
    const out = () => [new Int32Array(2), new Float32Array(2), new Int32Array(1)] as const;
    // the ids array shorter than the graph's keys
    expect(() => addon.lookup(graph, new Float32Array(2), 1, 2, 2, 8, 1, 2, 3, new Int32Array(1), ...out())).toThrow(/sizes do not match/);
    // a cosine code on a squared-L2 graph
    expect(() => addon.lookup(graph, new Float32Array(2), 1, 2, 2, 8, 1, 2, 1, new Int32Array(2), ...out())).toThrow(/sizes do not match/);
    // too few arguments: a TypeError, not a silent no-op
    expect(() => (addon.lookup as unknown as (h: HnswHandle) => void)(graph)).toThrow(/wrong number of arguments/);
    // more live rows claimed than the graph holds
    expect(() => addon.lookup(graph, new Float32Array(2), 1, 2, 2, 8, 1, 3, 3, new Int32Array(2), ...out())).toThrow(/sizes do not match/);
  });
});
