/**
 * The shared test suite every Search runs, in the manner of abstract-level's:
 * an implementation (ours or a third party's) passes `describe` and `it` from
 * its test framework and a factory of fresh searches. Assertions use
 * `node:assert`, so the suite runs under jest, vitest, mocha or `node:test`.
 *
 * Results are checked against a brute-force reference written here, in
 * float64, independent of @tfsim/distances: exact searches must return the
 * same ids (ties by ascending id) and distances; approximate ones must reach
 * `minRecall` and report correct ids.
 *
 * ```ts
 * import { testSearch } from '@tfsim/search/conformance';
 * testSearch({ describe, it }, {
 *   name: 'MySearch',
 *   create: (distance, dim) => new MySearch(distance, dim),
 *   distances: ['euclidean', 'cosine'],
 *   exact: true,
 * });
 * ```
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { Rng, type Matrix } from '@tfsim/utils';
import type { Neighbors, Search } from './search';

/** The test functions of the caller's framework. */
export interface SuiteFunctions {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>): void;
}

export interface SearchSuiteOptions {
  /** Used in test titles. */
  name: string;
  /** A new, empty search for a canonical distance name and a dimension. */
  create(distance: string, dim: number): Search;
  /** Canonical names of the distances to test. */
  distances: readonly string[];
  /** True when results must equal brute force (ids and distances). */
  exact: boolean;
  /** Approximate searches: the least recall@k against brute force. Default 0.9. */
  minRecall?: number;
  /** Approximate searches: whether reported distances are exact for the ids returned (false for PQ codes). Default true. */
  exactDistances?: boolean;
  /** Embedding dimension of the test data. Default 16. */
  dim?: number;
  /** Number of indexed rows (enough to train the index, if it needs training). Default 600. */
  size?: number;
  /** Relative tolerance on distances. Default 1e-4. */
  rtol?: number;
}

type Reference = (q: Float32Array, k: Float32Array) => number;

function sum(n: number, f: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += f(i);
  return s;
}

function variance(n: number, f: (i: number) => number): number {
  const mean = sum(n, f) / n;
  return sum(n, (i) => (f(i) - mean) ** 2) / n;
}

/** Plain float64 loops, written from the definitions (the Python library's formulas). */
export const REFERENCE_DISTANCES: Record<string, Reference> = {
  inner_product: (q, k) => sum(q.length, (i) => q[i]! * k[i]!),
  cosine: (q, k) => Math.max(1 - sum(q.length, (i) => q[i]! * k[i]!), 0),
  euclidean: (q, k) => {
    const s = sum(q.length, (i) => (q[i]! - k[i]!) ** 2);
    return s >= 1e-18 ? Math.sqrt(s) : 0;
  },
  squared_euclidean: (q, k) => sum(q.length, (i) => (q[i]! - k[i]!) ** 2),
  manhattan: (q, k) => sum(q.length, (i) => Math.abs(q[i]! - k[i]!)),
  snr: (q, k) => variance(q.length, (i) => q[i]! - k[i]!) / variance(q.length, (i) => q[i]!),
};

const SIMILARITIES = new Set(['inner_product']);

/** Seeded test rows; unit length for cosine, which expects normalised embeddings. */
function makeRows(n: number, dim: number, seed: number, distance: string): Float32Array[] {
  const rng = new Rng(seed);
  // Clustered data, as embeddings are: approximate indexes are judged on the data they are built for.
  const centers = Array.from({ length: 12 }, () => Float32Array.from({ length: dim }, () => rng.normal()));
  return Array.from({ length: n }, () => {
    const c = centers[rng.int(centers.length)]!;
    const row = Float32Array.from({ length: dim }, (_, j) => c[j]! + 0.6 * rng.normal());
    if (distance === 'cosine') {
      const norm = Math.hypot(...row);
      for (let j = 0; j < dim; j++) row[j] = row[j]! / norm;
    }
    return row;
  });
}

function matrixOf(rows: Float32Array[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => data.set(r, i * cols));
  return { data, rows: rows.length, cols };
}

/** Brute force: every distance in float64, rounded to float32, sorted (value, id). */
function bruteForce(distance: string, keys: Float32Array[], ids: number[], query: Float32Array, k: number): Neighbors {
  const f = REFERENCE_DISTANCES[distance];
  assert.ok(f, `the suite has no reference for distance "${distance}"`);
  const values = keys.map((key) => Math.fround(f(query, key)));
  const sign = SIMILARITIES.has(distance) ? -1 : 1;
  const order = keys.map((_, i) => i).sort((a, b) => sign * (values[a]! - values[b]!) || ids[a]! - ids[b]!);
  const top = order.slice(0, k);
  return { ids: Int32Array.from(top, (i) => ids[i]!), distances: Float32Array.from(top, (i) => values[i]!) };
}

function close(actual: number, expected: number, rtol: number, what: string): void {
  const tol = rtol * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} (tolerance ${tol})`);
}

function checkSorted(n: Neighbors, similarity: boolean, what: string): void {
  for (let i = 1; i < n.ids.length; i++) {
    const a = n.distances[i - 1]!;
    const b = n.distances[i]!;
    const ordered = similarity ? a > b || (a === b && n.ids[i - 1]! < n.ids[i]!) : a < b || (a === b && n.ids[i - 1]! < n.ids[i]!);
    assert.ok(ordered, `${what}: results not sorted at ${i}: (${n.ids[i - 1]}, ${a}) before (${n.ids[i]}, ${b})`);
  }
}

function throwsNamed(fn: () => unknown, name: string, pattern?: RegExp): void {
  assert.throws(fn, (err: Error) => {
    assert.equal(err.name, name, `expected a ${name}, got ${err.name}: ${err.message}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

async function rejectsNamed(promise: Promise<unknown>, name: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    assert.equal(err.name, name, `expected a ${name}, got ${err.name}: ${err.message}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

/** Registers the Search conformance tests under `describe(options.name)`. */
export function testSearch(t: SuiteFunctions, options: SearchSuiteOptions): void {
  const dim = options.dim ?? 16;
  const size = options.size ?? 600;
  const rtol = options.rtol ?? 1e-4;
  const minRecall = options.minRecall ?? 0.9;
  const exactDistances = options.exact || (options.exactDistances ?? true);
  const k = 10;

  const it = (name: string, fn: () => void | Promise<void>) => t.it(name, async () => fn());
  t.describe(`Search conformance: ${options.name}`, () => {
    for (const distance of options.distances) {
      const similarity = SIMILARITIES.has(distance);
      // Ids that are neither contiguous nor in insertion order, to catch an index that drops them.
      const keys = makeRows(size, dim, 11, distance);
      const ids = keys.map((_, i) => 100_000 + ((i * 7919) % size) * 3 - 50_000);
      const queries = makeRows(40, dim, 12, distance);

      /** Compares results with brute force for every query. */
      const checkResults = (results: Neighbors[], count = size, kk = k, what = 'lookup') => {
        assert.equal(results.length, queries.length, `${what}: one result per query`);
        let found = 0;
        let wanted = 0;
        results.forEach((got, qi) => {
          const expected = bruteForce(distance, keys.slice(0, count), ids.slice(0, count), queries[qi]!, kk);
          assert.ok(got.ids instanceof Int32Array && got.distances instanceof Float32Array, `${what}: typed arrays`);
          checkSorted(got, similarity, `${what} query ${qi}`);
          if (options.exact) {
            assert.deepEqual(Array.from(got.ids), Array.from(expected.ids), `${what} query ${qi}: ids`);
            got.distances.forEach((d, i) => close(d, expected.distances[i]!, rtol, `${what} query ${qi} distance ${i}`));
            return;
          }
          assert.equal(new Set(got.ids).size, got.ids.length, `${what} query ${qi}: no id twice`);
          got.ids.forEach((id, i) => {
            const row = ids.indexOf(id);
            assert.ok(row >= 0 && row < count, `${what} query ${qi}: id ${id} was never added`);
            if (exactDistances) {
              const truth = Math.fround(REFERENCE_DISTANCES[distance]!(queries[qi]!, keys[row]!));
              close(got.distances[i]!, truth, rtol, `${what} query ${qi}: distance reported for id ${id}`);
            }
          });
          const truth = new Set(expected.ids);
          found += Array.from(got.ids).filter((id) => truth.has(id)).length;
          wanted += expected.ids.length;
        });
        if (!options.exact) {
          const recall = found / wanted;
          assert.ok(recall >= minRecall, `${what}: recall@${kk} ${recall.toFixed(3)} below ${minRecall}`);
        }
      };

      t.describe(distance, () => {
        it('starts empty and refuses lookups', () => {
          const search = options.create(distance, dim);
          assert.equal(search.size(), 0);
          assert.equal(search.dim, dim);
          assert.equal(search.distance.name, distance);
          throwsNamed(() => search.lookup(queries[0]!, 3), 'EmptyIndexError');
          throwsNamed(() => search.batchLookup([queries[0]!], 3), 'EmptyIndexError');
        });

        it('batchLookup after batchAdd agrees with brute force', () => {
          const search = options.create(distance, dim);
          search.batchAdd(matrixOf(keys), ids);
          assert.equal(search.size(), size);
          assert.ok(search.isBuilt());
          checkResults(search.batchLookup(matrixOf(queries), k));
          checkResults(search.batchLookup(queries.map((q) => Array.from(q)), 1), size, 1, 'k=1, rows as number[][]');
        });

        it('single add and lookup agree with the batch forms', () => {
          const batch = options.create(distance, dim);
          batch.batchAdd(matrixOf(keys), ids);
          const single = options.create(distance, dim);
          // A first batch (which trains an index that needs it), then rows one by one.
          const half = Math.floor(size / 2);
          single.batchAdd(keys.slice(0, half), ids.slice(0, half));
          for (let i = half; i < size; i++) single.add(keys[i]!, ids[i]!);
          assert.equal(single.size(), size);
          const expected = batch.batchLookup(matrixOf(queries.slice(0, 10)), k);
          for (let qi = 0; qi < 10; qi++) {
            const got = single.lookup(queries[qi]!, k);
            if (options.exact) {
              assert.deepEqual(Array.from(got.ids), Array.from(expected[qi]!.ids), `query ${qi}`);
              assert.deepEqual(Array.from(got.distances), Array.from(expected[qi]!.distances), `query ${qi}`);
            }
          }
          checkResults(single.batchLookup(matrixOf(queries), k), size, k, 'after single adds');
        });

        it('returns every item when k exceeds the size, and rejects k < 1', () => {
          const search = options.create(distance, dim);
          search.batchAdd(matrixOf(keys), ids);
          const all = search.lookup(queries[0]!, size + 50);
          if (options.exact) {
            assert.equal(all.ids.length, size);
            assert.deepEqual(Array.from(all.ids), Array.from(bruteForce(distance, keys, ids, queries[0]!, size).ids));
          } else {
            assert.ok(all.ids.length <= size);
            checkSorted(all, similarity, 'k > size');
          }
          for (const bad of [0, -1, 1.5, Number.NaN]) {
            throwsNamed(() => search.lookup(queries[0]!, bad), 'ValueError', /k/);
            throwsNamed(() => search.batchLookup([queries[0]!], bad), 'ValueError', /k/);
          }
        });

        it('breaks ties by ascending id', () => {
          if (!options.exact) return;
          const search = options.create(distance, dim);
          search.batchAdd(matrixOf(keys), ids);
          // Copies of one row under shuffled ids: equal distances to any query.
          const copyIds = [900_005, 900_001, 900_004, 900_002, 900_003];
          search.batchAdd(copyIds.map(() => keys[0]!), copyIds);
          const got = search.lookup(keys[0]!, 3);
          if (!similarity) assert.deepEqual(Array.from(got.ids), [...[ids[0]!, ...copyIds].sort((a, b) => a - b)].slice(0, 3));
          const query = queries[1]!;
          const all = search.lookup(query, size + 5);
          const positions = copyIds.map((id) => Array.from(all.ids).indexOf(id)).sort((a, b) => a - b);
          const tied = positions.map((p) => all.ids[p]!);
          assert.deepEqual(tied, [...copyIds].sort((a, b) => a - b), 'tied ids in ascending order');
        });

        it('rejects bad input and changes nothing', () => {
          const search = options.create(distance, dim);
          search.batchAdd(matrixOf(keys), ids);
          const before = search.batchLookup(matrixOf(queries.slice(0, 5)), k);
          const wide = new Float32Array(dim + 1);
          const nan = Float32Array.from(keys[0]!);
          nan[dim - 1] = Number.NaN;
          const inf = Float32Array.from(keys[0]!);
          inf[0] = Number.NEGATIVE_INFINITY;
          throwsNamed(() => search.add(wide, 1), 'ShapeError', new RegExp(`${dim + 1}.*${dim}`));
          throwsNamed(() => search.batchAdd([keys[1]!, wide], [1, 2]), 'ShapeError');
          throwsNamed(() => search.batchAdd([keys[1]!, nan], [1, 2]), 'ValueError', /NaN/);
          throwsNamed(() => search.add(inf, 3), 'ValueError', /Infinity/);
          throwsNamed(() => search.batchAdd([keys[1]!, keys[2]!], [1]), 'ShapeError');
          throwsNamed(() => search.batchAdd([keys[1]!], [1.5]), 'ValueError');
          throwsNamed(() => search.lookup(wide, 3), 'ShapeError');
          throwsNamed(() => search.lookup(nan, 3), 'ValueError');
          throwsNamed(() => search.batchLookup([keys[0]!, inf], 3), 'ValueError');
          assert.equal(search.size(), size, 'nothing was added');
          const after = search.batchLookup(matrixOf(queries.slice(0, 5)), k);
          after.forEach((a, i) => assert.deepEqual(Array.from(a.ids), Array.from(before[i]!.ids), 'results unchanged'));
        });

        it('grows across several batches', () => {
          const search = options.create(distance, dim);
          const cut = [0, Math.floor(size / 2), Math.floor((3 * size) / 4), size - 1, size];
          for (let i = 1; i < cut.length; i++) {
            search.batchAdd(matrixOf(keys.slice(cut[i - 1], cut[i])), ids.slice(cut[i - 1], cut[i]));
            assert.equal(search.size(), cut[i]);
          }
          checkResults(search.batchLookup(matrixOf(queries), k), size, k, 'after several batches');
        });

        it('reset empties the index', () => {
          const search = options.create(distance, dim);
          search.batchAdd(matrixOf(keys), ids);
          search.reset();
          assert.equal(search.size(), 0);
          throwsNamed(() => search.lookup(queries[0]!, 3), 'EmptyIndexError');
          search.batchAdd(matrixOf(keys), ids);
          checkResults(search.batchLookup(matrixOf(queries), k), size, k, 'after reset and re-add');
        });

        it('saves and loads with identical results', async () => {
          const dir = await mkdtemp(path.join(tmpdir(), 'tfsim-search-conformance-'));
          try {
            const search = options.create(distance, dim);
            search.batchAdd(matrixOf(keys), ids);
            const before = search.batchLookup(matrixOf(queries), k);
            await search.save(path.join(dir, 'index'));
            const loaded = options.create(distance, dim);
            await loaded.load(path.join(dir, 'index'));
            assert.equal(loaded.size(), size);
            assert.ok(loaded.isBuilt());
            const after = loaded.batchLookup(matrixOf(queries), k);
            after.forEach((a, i) => {
              assert.deepEqual(Array.from(a.ids), Array.from(before[i]!.ids), `query ${i}: ids after load`);
              assert.deepEqual(Array.from(a.distances), Array.from(before[i]!.distances), `query ${i}: distances after load`);
            });
            // The loaded index goes on growing.
            loaded.add(keys[0]!, 777_777);
            assert.equal(loaded.size(), size + 1);
            const empty = options.create(distance, dim);
            await empty.save(path.join(dir, 'empty'));
            const emptyLoaded = options.create(distance, dim);
            await emptyLoaded.load(path.join(dir, 'empty'));
            assert.equal(emptyLoaded.size(), 0);
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        });

        it('refuses to load a folder of another format or version, and keeps its contents', async () => {
          const dir = await mkdtemp(path.join(tmpdir(), 'tfsim-search-conformance-'));
          try {
            const search = options.create(distance, dim);
            search.batchAdd(matrixOf(keys), ids);
            const before = search.lookup(queries[0]!, k);
            await rejectsNamed(search.load(path.join(dir, 'missing')), 'FormatError');
            const other = path.join(dir, 'other');
            await mkdir(other);
            await writeFile(path.join(other, 'manifest.json'), JSON.stringify({ format: 'something.else', version: 1 }));
            await rejectsNamed(search.load(other), 'FormatError', /something\.else/);
            const saved = path.join(dir, 'saved');
            await search.save(saved);
            const manifestFile = path.join(saved, 'manifest.json');
            const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { version: number };
            await writeFile(manifestFile, JSON.stringify({ ...manifest, version: 999 }));
            await rejectsNamed(search.load(saved), 'FormatError', /version 999/);
            await writeFile(manifestFile, '{ not json');
            await rejectsNamed(search.load(saved), 'FormatError');
            const after = search.lookup(queries[0]!, k);
            assert.equal(search.size(), size);
            assert.deepEqual(Array.from(after.ids), Array.from(before.ids));
          } finally {
            await rm(dir, { recursive: true, force: true });
          }
        });

        it('getConfig names the type, distance and dimension', () => {
          const config = options.create(distance, dim).getConfig();
          assert.equal(typeof config.type, 'string');
          assert.equal(config.distance, distance);
          assert.equal(config.dim, dim);
        });
      });
    }
  });
}
