/** What every operation file of the Store suite shares: options, fixtures and assertions. */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import type { Store } from '../store';

/** The test functions of the caller's framework. */
export interface SuiteFunctions {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>): void;
}

/** What a store supports; the suite runs the tests of what it declares. */
export interface StoreCapabilities {
  /**
   * Persistent stores: closes `store` and opens a new handle on the same
   * storage. The suite then checks that everything written is still there.
   */
  reopen?(store: Store): Promise<Store>;
  /** `save` and `load` of the shared saved format. Default true. */
  saveLoad?: boolean;
  /** Concurrent `batchAdd`s on one handle get distinct ids. Default true. */
  concurrentWrites?: boolean;
  /** `remove` and `update`, all or none, with stable ids. Default true. */
  remove?: boolean;
}

export interface StoreSuiteOptions extends StoreCapabilities {
  /** Used in test titles. */
  name: string;
  /** A new, empty store with its own storage. */
  create(): Promise<Store>;
}

/** One operation's tests: registered with the caller's `it`. */
export type StoreOperationSuite = (h: StoreHarness) => void;

export interface StoreHarness {
  it: SuiteFunctions['it'];
  options: StoreSuiteOptions;
  /** A test body run on a fresh store, closed afterwards (the returned store, when the body replaced it). */
  withStore(fn: (store: Store) => Promise<Store | void>): () => Promise<void>;
}

export function harness(t: SuiteFunctions, options: StoreSuiteOptions): StoreHarness {
  return {
    it: t.it,
    options,
    withStore: (fn) => async () => {
      let store = await options.create();
      try {
        store = (await fn(store)) ?? store;
      } finally {
        await store.close();
      }
    },
  };
}

/** Runs `fn` with a fresh temporary folder, removed afterwards. */
export async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'tfsim-store-conformance-'));
  try {
    await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Rows of a seeded pseudo-random matrix (no dependency on the caller's RNG). */
export function rows(n: number, dim: number, seed: number): Float32Array[] {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
  return Array.from({ length: n }, () => Float32Array.from({ length: dim }, () => next() * 4));
}

export function sameBits(actual: Float32Array, expected: ArrayLike<number>, what: string): void {
  assert.ok(actual instanceof Float32Array, `${what} is a Float32Array`);
  assert.deepEqual(
    Array.from(new Uint32Array(actual.buffer, actual.byteOffset, actual.length)),
    Array.from(new Uint32Array(Float32Array.from(expected).buffer)),
    `${what} equals what was stored, bit for bit`,
  );
}

/**
 * Checks the error's stable `code` (see `ERROR_CODES` of @tfsim/utils), and
 * that its message names the offending values (`mentions`), whatever its wording.
 */
export async function rejectsWithCode(promise: Promise<unknown>, code: string, mentions: readonly string[] = []): Promise<void> {
  await assert.rejects(promise, (err: Error & { code?: unknown }) => {
    assert.equal(err.code, code, `expected code ${code}, got ${String(err.code)} (${err.name}: ${err.message})`);
    for (const m of mentions) assert.ok(err.message.includes(m), `the message names ${m}: ${err.message}`);
    return true;
  });
}
