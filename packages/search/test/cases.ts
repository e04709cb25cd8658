/**
 * Tests shared by several search classes' test files: skipping when an
 * optional module does not load, the hand-computed distances of the searches
 * that take rows as given, and the refusal of damaged or hostile saved files.
 */
import { readFile, rm, symlink, truncate, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import type { Search } from '../src';
import { withDir } from '../src/conformance/harness';

/** An optional module, why it does not load (undefined when it does), and the variable that makes its tests required. */
export interface OptionalModule {
  module: string;
  unavailable: string | undefined;
  requireVar: string;
  /** Appended to the warning of a skip: how to build the module. */
  hint?: string;
}

/**
 * Registers `body` when the module loads, or when `requireVar` is set to 1
 * (then a module that does not load fails its tests instead of skipping
 * them); otherwise one skipped test and a warning that say why.
 */
export function describeWhenLoaded({ module, unavailable, requireVar, hint = '' }: OptionalModule, body: () => void): void {
  if (unavailable !== undefined && process.env[requireVar] !== '1') {
    console.warn(`${module} tests SKIPPED: ${module} does not load (${unavailable})${hint}`);
    describe.skip(`${module} (not available)`, () => {
      it(`needs ${module}`, () => undefined);
    });
    return;
  }
  describe(module, () => {
    it(`loads (${requireVar}=1 makes this a failure, not a skip)`, () => {
      expect(unavailable).toBeUndefined();
    });
  });
  body();
}

/** Hand-computed lookups of a search that uses rows as given (no normalisation): cosine, inner product, euclidean. */
export function testRowsAsGiven(create: (distance: string, dim: number) => Search): void {
  it('cosine does not normalise: distances are 1 - q.k of the rows as given, which stay untouched', () => {
    const rows = new Float32Array([2, 0, 0, 3, 1, 1]);
    const copy = Float32Array.from(rows);
    const search = create('cosine', 2);
    search.batchAdd({ data: rows, rows: 3, cols: 2 }, [7, -3, 12]);
    const got = search.lookup([0.5, 0.25], 3);
    // 1 - q.k: [2, 0] -> 0 (clipped from 0), [0, 3] -> 0.25, [1, 1] -> 0.25; ties by id.
    expect(Array.from(got.ids)).toEqual([7, -3, 12]);
    expect(Array.from(got.distances)).toEqual([0, 0.25, 0.25]);
    expect(rows).toEqual(copy);
  });

  it('inner product returns similarities largest first, euclidean the square root of squared', () => {
    const data = { data: new Float32Array([1, 2, 3, 4, -1, 0]), rows: 3, cols: 2 };
    const ip = create('inner_product', 2);
    ip.batchAdd(data, [10, 20, 30]);
    const got = ip.lookup([1, 1], 3);
    expect(Array.from(got.ids)).toEqual([20, 10, 30]);
    expect(Array.from(got.distances)).toEqual([7, 3, -1]);
    const l2 = create('euclidean', 2);
    l2.batchAdd(data, [10, 20, 30]);
    const near = l2.lookup([1, 1], 3);
    // Squared distances 1, 5, 13 are exact in float32: their square roots are the float32 roundings.
    expect(Array.from(near.ids)).toEqual([10, 30, 20]);
    expect(Array.from(near.distances)).toEqual([1, Math.fround(Math.sqrt(5)), Math.fround(Math.sqrt(13))]);
  });
}

/**
 * A search holding one row (id 42, `row`) to load damaged copies of `file`
 * (whose good bytes are read now) into: `corrupt(patch, error)` writes the
 * patched bytes, expects the load to fail with `error`, and the search to
 * hold and answer as before.
 */
export async function corrupter(
  target: Search,
  row: Float32Array,
  folder: string,
  file: string,
): Promise<(patch: (b: Buffer) => void, error: RegExp) => Promise<void>> {
  target.batchAdd([row], [42]);
  const good = await readFile(file);
  return async (patch, error) => {
    const b = Buffer.from(good);
    patch(b);
    await writeFile(file, b);
    await expect(target.load(folder)).rejects.toThrow(error);
    expect(target.size()).toBe(1);
    expect(Array.from(target.lookup(row, 1).ids)).toEqual([42]);
  };
}

/**
 * A saved search's `file` (a name in its folder) replaced by a symlink to the
 * same bytes, then by the bytes plus 4: each load is refused and leaves the
 * search loaded into empty.
 */
export function refusesSymlinkAndResize(save: (folder: string) => Promise<void>, file: string, fresh: () => Search): () => Promise<void> {
  return () =>
    withDir(async (dir) => {
      const folder = path.join(dir, 'i');
      await save(folder);
      const target = fresh();
      const at = path.join(folder, file);
      const bytes = await readFile(at);
      await writeFile(path.join(dir, 'real'), bytes);
      await rm(at);
      await symlink(path.join(dir, 'real'), at);
      await expect(target.load(folder)).rejects.toThrow(new RegExp(`${file} is not a regular file`));
      await rm(at);
      await writeFile(at, Buffer.concat([bytes, Buffer.alloc(4)]));
      await expect(target.load(folder)).rejects.toThrow(`has ${bytes.length + 4} bytes, the manifest records ${bytes.length}`);
      expect(target.size()).toBe(0);
    });
}

/** A saved search whose manifest names its native file under `entry`, as `{ file, bytes }`. */
export interface NativeFileCase {
  /** Saves a filled search into `folder`; returns the manifest written. */
  save(folder: string): Promise<Record<string, unknown>>;
  /** A new search of the same settings, to load into. */
  fresh(): Search;
  /** The manifest's key of the file entry. */
  entry: string;
  /** The error of a file name that is a path, not a name in the folder. */
  notAName: RegExp;
}

/**
 * Refuses a truncated or padded native file, a recorded size that disagrees
 * with the file's header, a path as the file's name, and a symlink.
 */
export function refusesHostileFile(c: NativeFileCase): () => Promise<void> {
  return () =>
    withDir(async (dir) => {
      const folder = path.join(dir, 'i');
      const manifest = await c.save(folder);
      const entry = manifest[c.entry] as { file: string; bytes: number };
      const file = path.join(folder, entry.file);
      const bytes = await readFile(file);
      const withEntry = (change: object) =>
        writeFile(path.join(folder, 'manifest.json'), JSON.stringify({ ...manifest, [c.entry]: { ...entry, ...change } }));
      await truncate(file, entry.bytes - 7);
      await expect(c.fresh().load(folder)).rejects.toThrow(/has \d+ bytes, the manifest records/);
      // The recorded size matches, but the file is short of what its header implies.
      await withEntry({ bytes: entry.bytes - 7 });
      await expect(c.fresh().load(folder)).rejects.toThrow(/its header implies/);
      await writeFile(file, Buffer.concat([bytes, Buffer.alloc(100)]));
      await withEntry({ bytes: bytes.length + 100 });
      await expect(c.fresh().load(folder)).rejects.toThrow(/its header implies/);
      await withEntry({ file: '../x' });
      await expect(c.fresh().load(folder)).rejects.toThrow(c.notAName);
      await rm(file);
      await writeFile(path.join(dir, 'elsewhere'), bytes);
      await symlink(path.join(dir, 'elsewhere'), file);
      await withEntry({});
      await expect(c.fresh().load(folder)).rejects.toThrow(/not a regular file/);
    });
}
