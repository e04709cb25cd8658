/** What every operation file of the Search suite shares: options, the data of one distance, assertions. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import type { Neighbors, Search } from '../search';
import { bruteForce, checkSorted, close, makeRows, matrixOf, REFERENCE_DISTANCES, SIMILARITIES } from './reference';

/** The test functions of the caller's framework. */
export interface SuiteFunctions {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>): void;
}

/** What a search supports; the suite runs the tests of what it declares. */
export interface SearchCapabilities {
  /** Canonical names of the distances it serves (and the suite tests). */
  distances: readonly string[];
  /** True when results must equal brute force (ids, distances, ties by ascending id). */
  exact: boolean;
  /** Approximate searches: the least recall@k against brute force. Default 0.9. */
  minRecall?: number;
  /** Approximate searches: whether reported distances are exact for the ids returned (false for PQ codes). Default true. */
  exactDistances?: boolean;
  /** `save` and `load` of its own folder. Default true. */
  saveLoad?: boolean;
  /**
   * `remove(ids)`, all or none, the other ids kept. Default true. A search
   * declaring false that has a `remove` method must refuse with ERR_VALUE
   * and change nothing.
   */
  remove?: boolean;
}

export interface SearchSuiteOptions extends SearchCapabilities {
  /** Used in test titles. */
  name: string;
  /** A new, empty search for a canonical distance name and a dimension. */
  create(distance: string, dim: number): Search;
  /** Embedding dimension of the test data. Default 16. */
  dim?: number;
  /** Number of indexed rows (enough to train the index, if it needs training). Default 600. */
  size?: number;
  /** Relative tolerance on distances. Default 1e-4. */
  rtol?: number;
}

/** One distance's data and checks, handed to each operation's tests. */
export interface SearchHarness {
  it(name: string, fn: () => void | Promise<void>): void;
  options: SearchSuiteOptions;
  distance: string;
  similarity: boolean;
  dim: number;
  size: number;
  /** Results asked for by default. */
  k: number;
  keys: Float32Array[];
  /** Ids that are neither contiguous nor in insertion order, to catch an index that drops them. */
  ids: number[];
  queries: Float32Array[];
  /** A new search filled with every key. */
  filled(): Search;
  /** Compares results for every query with brute force over the first `count` keys, or over the keys at `rows`. */
  checkResults(results: Neighbors[], count?: number, k?: number, what?: string, rows?: readonly number[]): void;
}

export function harness(t: SuiteFunctions, options: SearchSuiteOptions, distance: string): SearchHarness {
  const dim = options.dim ?? 16;
  const size = options.size ?? 600;
  const rtol = options.rtol ?? 1e-4;
  const minRecall = options.minRecall ?? 0.9;
  const exactDistances = options.exact || (options.exactDistances ?? true);
  const similarity = SIMILARITIES.has(distance);
  const k = 10;
  const keys = makeRows(size, dim, 11, distance);
  const ids = keys.map((_, i) => 100_000 + ((i * 7919) % size) * 3 - 50_000);
  const queries = makeRows(40, dim, 12, distance);

  const checkResults = (results: Neighbors[], count = size, kk = k, what = 'lookup', rows?: readonly number[]) => {
    assert.equal(results.length, queries.length, `${what}: one result per query`);
    const pool = rows ?? Array.from({ length: count }, (_, i) => i);
    const held = new Set(pool);
    let found = 0;
    let wanted = 0;
    results.forEach((got, qi) => {
      const expected = bruteForce(
        distance,
        pool.map((r) => keys[r]!),
        pool.map((r) => ids[r]!),
        queries[qi]!,
        kk,
      );
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
        assert.ok(held.has(row), `${what} query ${qi}: id ${id} is not held (never added, or removed)`);
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

  return {
    it: (name, fn) => t.it(name, async () => fn()),
    options,
    distance,
    similarity,
    dim,
    size,
    k,
    keys,
    ids,
    queries,
    filled: () => {
      const search = options.create(distance, dim);
      search.batchAdd(matrixOf(keys), ids);
      return search;
    },
    checkResults,
  };
}

/** Runs `fn` in a new temporary folder, removed afterwards whatever happens. */
export async function withDir(fn: (dir: string) => Promise<void>, prefix = 'tfsim-search-'): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), prefix));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function checkCode(err: Error & { code?: unknown }, code: string, mentions: readonly string[]): true {
  assert.equal(err.code, code, `expected code ${code}, got ${String(err.code)} (${err.name}: ${err.message})`);
  for (const m of mentions) assert.ok(err.message.includes(m), `the message names ${m}: ${err.message}`);
  return true;
}

/**
 * Checks the error's stable `code` (see `ERROR_CODES` of @tfsim/utils), and
 * that its message names the offending values (`mentions`), whatever its wording.
 */
export function throwsWithCode(fn: () => unknown, code: string, mentions: readonly string[] = []): void {
  assert.throws(fn, (err: Error) => checkCode(err, code, mentions));
}

export async function rejectsWithCode(promise: Promise<unknown>, code: string, mentions: readonly string[] = []): Promise<void> {
  await assert.rejects(promise, (err: Error) => checkCode(err, code, mentions));
}
