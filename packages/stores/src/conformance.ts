/**
 * The shared test suite every Store runs, in the manner of abstract-level's:
 * an implementation (ours or a third party's) passes `describe` and `it` from
 * its test framework and a factory of fresh stores. Assertions use
 * `node:assert`, so the suite runs under jest, vitest, mocha or `node:test`.
 *
 * ```ts
 * import { testStore } from '@tfsim/stores/conformance';
 * testStore({ describe, it }, { name: 'MyStore', create: async () => new MyStore() });
 * ```
 */
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Store } from './store';

/** The test functions of the caller's framework. */
export interface SuiteFunctions {
  describe(name: string, fn: () => void): void;
  it(name: string, fn: () => Promise<void>): void;
}

export interface StoreSuiteOptions {
  /** Used in test titles. */
  name: string;
  /** A new, empty store with its own storage. */
  create(): Promise<Store>;
  /**
   * For persistent stores: closes `store` and opens a new handle on the same
   * storage. The suite then checks that everything written is still there.
   */
  reopen?(store: Store): Promise<Store>;
}

/** Rows of a seeded pseudo-random matrix (no dependency on the caller's RNG). */
function rows(n: number, dim: number, seed: number): Float32Array[] {
  let s = seed >>> 0;
  const next = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  };
  return Array.from({ length: n }, () => Float32Array.from({ length: dim }, () => next() * 4));
}

function sameBits(actual: Float32Array, expected: ArrayLike<number>, what: string): void {
  assert.ok(actual instanceof Float32Array, `${what} is a Float32Array`);
  assert.deepEqual(
    Array.from(new Uint32Array(actual.buffer, actual.byteOffset, actual.length)),
    Array.from(new Uint32Array(Float32Array.from(expected).buffer)),
    `${what} equals what was stored, bit for bit`,
  );
}

async function rejectsNamed(promise: Promise<unknown>, name: string, pattern?: RegExp): Promise<void> {
  await assert.rejects(promise, (err: Error) => {
    assert.equal(err.name, name, `expected a ${name}, got ${err.name}: ${err.message}`);
    if (pattern) assert.match(err.message, pattern);
    return true;
  });
}

/** Registers the Store conformance tests under `describe(options.name)`. */
export function testStore(t: SuiteFunctions, options: StoreSuiteOptions): void {
  const withStore = (fn: (store: Store) => Promise<Store | void>) => async () => {
    let store = await options.create();
    try {
      store = (await fn(store)) ?? store;
    } finally {
      await store.close();
    }
  };
  const withDir = async (fn: (dir: string) => Promise<void>) => {
    const dir = await mkdtemp(path.join(tmpdir(), 'tfsim-store-conformance-'));
    try {
      await fn(dir);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  };

  t.describe(`Store conformance: ${options.name}`, () => {
    t.it('starts empty', withStore(async (store) => {
      assert.equal(await store.size(), 0);
      assert.deepEqual(await store.toRecords(), []);
      const none = await store.batchGet([]);
      assert.deepEqual(none, { embeddings: [], labels: [], data: [] });
      await rejectsNamed(store.get(0), 'ValueError', /not in the store/);
    }));

    t.it('add returns ids 0, 1, 2, ... and get returns each record whole', withStore(async (store) => {
      const e = rows(3, 4, 1);
      assert.equal(await store.add(e[0]!, 7, { path: 'a.png', tags: ['x', 'y'] }), 0);
      assert.equal(await store.add(Array.from(e[1]!), null), 1);
      assert.equal(await store.add(e[2]!), 2);
      assert.equal(await store.size(), 3);
      const r0 = await store.get(0);
      sameBits(r0.embedding, e[0]!, 'embedding 0');
      assert.equal(r0.label, 7);
      assert.deepEqual(r0.data, { path: 'a.png', tags: ['x', 'y'] });
      const r1 = await store.get(1);
      sameBits(r1.embedding, e[1]!, 'embedding 1');
      assert.equal(r1.label, null);
      assert.equal(r1.data, null);
      assert.equal((await store.get(2)).label, null);
    }));

    t.it('batchAdd continues the ids and batchGet returns records in the order asked', withStore(async (store) => {
      const e = rows(6, 5, 2);
      assert.deepEqual(await store.batchAdd(e.slice(0, 2), [1, 2], ['a', 'b']), [0, 1]);
      const data = { rows: 4, cols: 5, data: new Float32Array(20) };
      for (let i = 0; i < 4; i++) data.data.set(e[2 + i]!, i * 5);
      assert.deepEqual(await store.batchAdd(data, [3, 4, 5, 6]), [2, 3, 4, 5]);
      assert.deepEqual(await store.batchAdd([]), []);
      assert.equal(await store.size(), 6);
      const got = await store.batchGet([5, 0, 3, 0]);
      assert.deepEqual(got.labels, [6, 1, 4, 1]);
      assert.deepEqual(got.data, [null, 'a', null, 'a']);
      [5, 0, 3, 0].forEach((id, i) => sameBits(got.embeddings[i]!, e[id]!, `batchGet row ${i}`));
    }));

    t.it('keeps float32 values exactly, and data as JSON', withStore(async (store) => {
      const special = Float32Array.from([-0, 1e-45, -3.4028234663852886e38, 1 / 3, 1e30]);
      const data = { s: 'héllo ✓ "quoted"\n', n: [1, 2.5, -0], nested: { deep: [null, true, false] } };
      await store.add(special, -3, data);
      await store.add(special, 0, undefined);
      const r = await store.get(0);
      sameBits(r.embedding, special, 'special values');
      assert.equal(r.label, -3);
      assert.deepEqual(r.data, JSON.parse(JSON.stringify(data)));
      assert.equal((await store.get(1)).data, null);
    }));

    t.it('returns copies: changing what was returned or passed changes nothing stored', withStore(async (store) => {
      const e = Float32Array.from([1, 2, 3]);
      const data = { list: [1, 2] };
      await store.add(e, 1, data);
      e[0] = 99;
      data.list.push(3);
      const r = await store.get(0);
      r.embedding[1] = 42;
      (r.data as { list: number[] }).list.push(4);
      const again = await store.get(0);
      sameBits(again.embedding, [1, 2, 3], 'stored embedding');
      assert.deepEqual(again.data, { list: [1, 2] });
    }));

    t.it('rejects bad input whole: nothing of a bad batch is written', withStore(async (store) => {
      await store.batchAdd(rows(2, 3, 3), [0, 1]);
      const bad: Array<[string, () => Promise<unknown>, string]> = [
        ['NaN', () => store.batchAdd([[1, 2, 3], [1, Number.NaN, 3]]), 'ValueError'],
        ['Infinity', () => store.add([1, Number.POSITIVE_INFINITY, 3]), 'ValueError'],
        ['wrong dimension', () => store.batchAdd([[1, 2, 3, 4]]), 'ShapeError'],
        ['ragged rows', () => store.batchAdd([[1, 2, 3], [1, 2]]), 'ShapeError'],
        ['labels length', () => store.batchAdd([[1, 2, 3], [4, 5, 6]], [1]), 'ShapeError'],
        ['data length', () => store.batchAdd([[1, 2, 3]], [1], [1, 2]), 'ShapeError'],
        ['fractional label', () => store.batchAdd([[1, 2, 3], [4, 5, 6]], [1, 1.5]), 'ValueError'],
        ['BigInt data', () => store.batchAdd([[1, 2, 3], [4, 5, 6]], null, [1, 2n]), 'ValueError'],
      ];
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      bad.push(['cyclic data', () => store.add([1, 2, 3], 1, cyclic), 'ValueError']);
      for (const [what, call, name] of bad) {
        await rejectsNamed(call(), name);
        assert.equal(await store.size(), 2, `size unchanged after ${what}`);
      }
      assert.equal(await store.add([7, 8, 9], 2), 2);
      sameBits((await store.get(2)).embedding, [7, 8, 9], 'record added after the errors');
    }));

    t.it('rejects unknown ids', withStore(async (store) => {
      await store.batchAdd(rows(3, 2, 4));
      for (const id of [-1, 3, 1.5, Number.NaN]) {
        await rejectsNamed(store.get(id), 'ValueError', /not in the store/);
      }
      await rejectsNamed(store.batchGet([0, 3]), 'ValueError', /not in the store/);
    }));

    t.it('toRecords returns the first records (0: all)', withStore(async (store) => {
      const e = rows(4, 3, 5);
      await store.batchAdd(e, [0, 1, 0, 1], [{ i: 0 }, { i: 1 }, { i: 2 }, { i: 3 }]);
      const two = await store.toRecords(2);
      assert.deepEqual(two.map((r) => [r.id, r.label, r.data]), [[0, 0, { i: 0 }], [1, 1, { i: 1 }]]);
      sameBits(two[1]!.embedding, e[1]!, 'toRecords embedding');
      assert.equal((await store.toRecords()).length, 4);
      assert.equal((await store.toRecords(0)).length, 4);
      assert.equal((await store.toRecords(10)).length, 4);
    }));

    t.it('reset empties the store, which then takes any dimension', withStore(async (store) => {
      await store.batchAdd(rows(3, 4, 6), [1, 2, 3]);
      await store.reset();
      assert.equal(await store.size(), 0);
      await rejectsNamed(store.get(0), 'ValueError');
      assert.equal(await store.add([1, 2], 5), 0);
      assert.equal((await store.get(0)).label, 5);
    }));

    t.it('concurrent batchAdds get distinct consecutive ids and keep every record whole', withStore(async (store) => {
      const batches = Array.from({ length: 8 }, (_, b) => rows(5, 6, 100 + b));
      const ids = await Promise.all(batches.map((rs, b) => store.batchAdd(rs, rs.map(() => b))));
      assert.deepEqual(ids.flat().sort((a, b) => a - b), Array.from({ length: 40 }, (_, i) => i));
      for (let b = 0; b < 8; b++) {
        const got = await store.batchGet(ids[b]!);
        assert.deepEqual(got.labels, [b, b, b, b, b]);
        got.embeddings.forEach((e, i) => sameBits(e, batches[b]![i]!, `batch ${b} row ${i}`));
      }
    }));

    t.it('saves and loads, bit for bit, into a fresh store', withStore(async (store) => {
      const e = rows(50, 8, 7);
      const labels = e.map((_, i) => (i % 3 === 0 ? null : i % 5));
      const data = e.map((_, i) => (i % 2 ? { i, name: `item-${i}` } : null));
      await store.batchAdd(e, labels, data);
      await withDir(async (dir) => {
        const folder = path.join(dir, 'saved');
        await store.save(folder);
        const other = await options.create();
        try {
          await other.add([1, 2, 3], 1, 'replaced by load');
          assert.equal(await other.load(folder), 50);
          assert.equal(await other.size(), 50);
          const got = await other.batchGet(e.map((_, i) => i));
          assert.deepEqual(got.labels, labels);
          assert.deepEqual(got.data, data);
          got.embeddings.forEach((g, i) => sameBits(g, e[i]!, `loaded row ${i}`));
          assert.equal(await other.add(e[0]!, 9), 50, 'ids continue after a load');
        } finally {
          await other.close();
        }
      });
    }));

    t.it('saves and loads an empty store', withStore(async (store) => {
      await withDir(async (dir) => {
        await store.save(path.join(dir, 'empty'));
        await store.add([1, 2, 3]);
        assert.equal(await store.load(path.join(dir, 'empty')), 0);
        assert.equal(await store.size(), 0);
        assert.equal(await store.add([1, 2, 3, 4]), 0, 'an emptied store takes any dimension');
      });
    }));

    t.it('refuses to load a folder of another format or version, and keeps its contents', withStore(async (store) => {
      await store.batchAdd(rows(3, 2, 8), [1, 2, 3]);
      await withDir(async (dir) => {
        await rejectsNamed(store.load(path.join(dir, 'missing')), 'FormatError');
        const other = path.join(dir, 'other');
        await mkdir(other);
        await writeFile(path.join(other, 'manifest.json'), JSON.stringify({ format: 'something.else', version: 1 }));
        await rejectsNamed(store.load(other), 'FormatError', /something\.else/);
        const saved = path.join(dir, 'saved');
        await store.save(saved);
        const manifestFile = path.join(saved, 'manifest.json');
        const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
        await writeFile(manifestFile, JSON.stringify({ ...manifest, version: 999 }));
        await rejectsNamed(store.load(saved), 'FormatError', /version 999/);
        await writeFile(manifestFile, JSON.stringify(manifest));
        await writeFile(path.join(saved, manifest.arrays.embeddings.file), new Uint8Array(5));
        await rejectsNamed(store.load(saved), 'FormatError');
        await writeFile(manifestFile, '{ not json');
        await rejectsNamed(store.load(saved), 'FormatError');
      });
      assert.equal(await store.size(), 3);
      assert.deepEqual((await store.batchGet([0, 1, 2])).labels, [1, 2, 3]);
    }));

    t.it('getConfig names the type and the store', withStore(async (store) => {
      const config = store.getConfig();
      assert.equal(typeof config.type, 'string');
      assert.equal(config.name, store.name);
    }));

    if (options.reopen) {
      const reopen = options.reopen;
      t.it('keeps everything written across a close and reopen', withStore(async (store) => {
        const e = rows(20, 4, 9);
        await store.batchAdd(e.slice(0, 10), e.slice(0, 10).map((_, i) => i), e.slice(0, 10).map((_, i) => ({ i })));
        await store.add(e[10]!, 10, { i: 10 });
        const reopened = await reopen(store);
        assert.equal(await reopened.size(), 11);
        const got = await reopened.batchGet(Array.from({ length: 11 }, (_, i) => i));
        assert.deepEqual(got.labels, Array.from({ length: 11 }, (_, i) => i));
        assert.deepEqual(got.data, Array.from({ length: 11 }, (_, i) => ({ i })));
        got.embeddings.forEach((g, i) => sameBits(g, e[i]!, `reopened row ${i}`));
        assert.deepEqual(await reopened.batchAdd(e.slice(11)), [11, 12, 13, 14, 15, 16, 17, 18, 19]);
        await rejectsNamed(reopened.add([1, 2, 3]), 'ShapeError', /dimension 3, expected 4/);
        return reopened;
      }));

      t.it('keeps a reset across a reopen', withStore(async (store) => {
        await store.batchAdd(rows(5, 3, 10));
        await store.reset();
        const reopened = await reopen(store);
        assert.equal(await reopened.size(), 0);
        await rejectsNamed(reopened.get(0), 'ValueError');
        return reopened;
      }));
    }
  });
}
