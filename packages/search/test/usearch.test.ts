import { readFile, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

import { LinearSearch, UsearchSearch, usearchUnavailableReason } from '../src';
import { testSearch } from '../src/conformance';
import { withDir } from '../src/conformance/harness';
import { stopHelpers } from '../src/kernel/pool';
import { corrupter, describeWhenLoaded, refusesHostileFile, testRowsAsGiven } from './cases';
import { gaussian, recallAt } from './data';

afterAll(() => stopHelpers());

describeWhenLoaded({ module: 'usearch', unavailable: usearchUnavailableReason(), requireVar: 'TFSIM_REQUIRE_USEARCH' }, () => {
  testSearch(
    { describe, it },
    {
      name: 'UsearchSearch exact',
      create: (distance, dim) => new UsearchSearch(distance, dim, { exact: true }),
      distances: ['inner_product', 'cosine', 'euclidean', 'squared_euclidean'],
      exact: true,
    },
  );
  testSearch(
    { describe, it },
    {
      name: 'UsearchSearch hnsw',
      create: (distance, dim) => new UsearchSearch(distance, dim),
      distances: ['inner_product', 'cosine', 'euclidean', 'squared_euclidean'],
      exact: false,
      minRecall: 0.95,
    },
  );

  describe('UsearchSearch', () => {
    const keys = gaussian(3000, 32, 1, true);
    const queries = gaussian(50, 32, 2, true);
    const truthOf = (distance: string) => {
      const linear = new LinearSearch(distance, 32);
      linear.batchAdd(
        keys,
        Array.from({ length: keys.rows }, (_, i) => i),
      );
      return linear.batchLookup(queries, 10);
    };

    it('HNSW reaches recall@10 >= 0.95 against LinearSearch at each precision, distances close to exact', () => {
      const truth = truthOf('cosine');
      // i8 truncates each component to a multiple of 1/127: |error of q.k| <= (|q|_1 + |k|_1) / 127 <= 2 sqrt(d) / 127.
      for (const [precision, tol] of [
        ['f32', 1e-5],
        ['f16', 2e-3],
        ['i8', (2 * Math.sqrt(32)) / 127],
      ] as const) {
        const search = new UsearchSearch('cosine', 32, { precision, expansionSearch: 128 });
        search.batchAdd(
          keys,
          Array.from({ length: keys.rows }, (_, i) => i),
        );
        const got = search.batchLookup(queries, 10);
        expect(recallAt(got, truth)).toBeGreaterThanOrEqual(0.95);
        // The nearest neighbour's distance, recomputed here in float64 from the f32 rows.
        got.forEach((g, qi) => {
          const row = keys.data.subarray(g.ids[0]! * 32, (g.ids[0]! + 1) * 32);
          let dot = 0;
          for (let j = 0; j < 32; j++) dot += row[j]! * queries.data[qi * 32 + j]!;
          expect(Math.abs(g.distances[0]! - Math.max(1 - dot, 0))).toBeLessThanOrEqual(tol);
        });
      }
    });

    for (const exact of [true, false]) {
      describe(exact ? 'exact' : 'hnsw', () => testRowsAsGiven((distance, dim) => new UsearchSearch(distance, dim, { exact })));
    }

    it('refuses distances usearch cannot serve, bad options and out-of-range i8 rows', () => {
      expect(() => new UsearchSearch('manhattan', 4)).toThrow(/does not serve distance "manhattan".*use LinearSearch/);
      expect(() => new UsearchSearch('snr', 4)).toThrow(/does not serve distance "snr"/);
      expect(() => new UsearchSearch('cosine', 4, { precision: 'f8' as never })).toThrow(/precision must be 'f32', 'f16' or 'i8'/);
      expect(() => new UsearchSearch('cosine', 4, { exact: true, precision: 'f16' })).toThrow(/exact UsearchSearch stores f32/);
      expect(() => new UsearchSearch('cosine', 4, { connectivity: 1 })).toThrow(/connectivity/);
      const i8 = new UsearchSearch('cosine', 2, { precision: 'i8' });
      expect(() =>
        i8.batchAdd(
          [
            [0.5, 0.5],
            [1.5, 0],
          ],
          [1, 2],
        ),
      ).toThrow(/i8 precision stores components in \[-1, 1\]; row 1 has 1.5/);
      expect(i8.size()).toBe(0);
    });

    it('reports progress chunk by chunk on large adds, and the rows all land', () => {
      const calls: Array<[number, number]> = [];
      const search = new UsearchSearch('cosine', 32, { addChunk: 1000, onProgress: (done, total) => calls.push([done, total]) });
      search.batchAdd(
        keys,
        Array.from({ length: keys.rows }, (_, i) => i + 5),
      );
      expect(calls).toEqual([
        [1000, 3000],
        [2000, 3000],
        [3000, 3000],
      ]);
      expect(search.size()).toBe(3000);
      // Row 1234 (id 1239) finds itself.
      expect(search.lookup(keys.data.subarray(1234 * 32, 1235 * 32), 1).ids[0]).toBe(1239);
    });

    it('a failed native add takes back the chunks already added (all or none)', async () => {
      const search = new UsearchSearch('cosine', 32, { addChunk: 1000 });
      search.batchAdd(
        gaussian(10, 32, 5, true),
        Array.from({ length: 10 }, (_, i) => 9000 + i),
      );
      const index = (search as unknown as { index: { add: (...a: unknown[]) => void } }).index;
      const add = index.add.bind(index);
      let calls = 0;
      index.add = (...args: unknown[]) => {
        if (++calls === 3) throw new Error('out of memory');
        add(...args);
      };
      expect(() =>
        search.batchAdd(
          keys,
          Array.from({ length: keys.rows }, (_, i) => i),
        ),
      ).toThrow(/could not add 3000 rows: out of memory/);
      index.add = add;
      expect(search.size()).toBe(10);
      const got = search.lookup(keys.data.subarray(0, 32), 10);
      expect(Array.from(got.ids).every((id) => id >= 9000)).toBe(true);
      // The taken-back rows stay in usearch's file as deleted slots: it saves, loads and grows.
      await withDir(async (dir) => {
        await search.save(path.join(dir, 'i'));
        const loaded = new UsearchSearch('cosine', 32);
        await loaded.load(path.join(dir, 'i'));
        expect(loaded.size()).toBe(10);
        expect(loaded.lookup(keys.data.subarray(0, 32), 10)).toEqual(got);
        loaded.batchAdd({ data: keys.data.subarray(0, 3 * 32), rows: 3, cols: 32 }, [1, 2, 3]);
        expect(loaded.lookup(keys.data.subarray(32, 64), 1).ids).toEqual(Int32Array.from([2]));
      });
    });

    describe('hostile saved folders', () => {
      const save = async (dir: string) => {
        const search = new UsearchSearch('cosine', 32);
        search.batchAdd(
          { data: keys.data.subarray(0, 200 * 32), rows: 200, cols: 32 },
          Array.from({ length: 200 }, (_, i) => i),
        );
        await search.save(dir);
        return JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as {
          index: { file: string; bytes: number };
          size: number;
        };
      };

      it(
        'refuses a truncated or padded index file, a wrong recorded size, a symlink and a path in the name',
        refusesHostileFile({ save, fresh: () => new UsearchSearch('cosine', 32), entry: 'index', notAName: /no valid usearch index file/ }),
      );

      it('refuses a header that disagrees with the manifest (size, magic, level), keeping the index as it was', async () => {
        await withDir(async (dir) => {
          const folder = path.join(dir, 'i');
          const manifest = await save(folder);
          const file = path.join(folder, manifest.index.file);
          const good = await readFile(file);
          const target = new UsearchSearch('cosine', 32);
          const corrupt = await corrupter(target, keys.data.subarray(0, 32), folder, file);
          await corrupt((b) => b.writeUInt32LE(199, 0), /holds 199 vectors/);
          // More rows than written: the head is then looked for 128 bytes too far.
          await corrupt((b) => b.writeUInt32LE(201, 0), /bad magic/);
          const head = 8 + 200 * 32 * 4;
          await corrupt((b) => b.write('nsearch', head, 'latin1'), /bad magic/);
          await corrupt((b) => b.writeUInt8(23, head + 14), /precision differs/);
          // A node level of 30000 would make usearch read far past the end.
          await corrupt((b) => b.writeInt16LE(30000, head + 64 + 40), /node 0 has level 30000/);
          await corrupt((b) => b.writeInt16LE(3, head + 64 + 40 + 2 * 5), /its header implies/);
          await writeFile(file, good);
          await target.load(folder);
          expect(target.size()).toBe(200);
        });
      });

      it('refuses a folder of another precision or mode', async () => {
        await withDir(async (dir) => {
          await save(path.join(dir, 'i'));
          await expect(new UsearchSearch('cosine', 32, { precision: 'f16' }).load(path.join(dir, 'i'))).rejects.toThrow(
            /holds a f32 index; this search is HNSW f16/,
          );
          await expect(new UsearchSearch('cosine', 32, { exact: true }).load(path.join(dir, 'i'))).rejects.toThrow(
            /this search is exact f32/,
          );
        });
      });

      it('f16 and i8 indexes save and load with identical results', async () => {
        await withDir(async (dir) => {
          for (const precision of ['f16', 'i8'] as const) {
            const search = new UsearchSearch('cosine', 32, { precision });
            search.batchAdd(
              keys,
              Array.from({ length: keys.rows }, (_, i) => 3 * i),
            );
            const before = search.batchLookup(queries, 10);
            await search.save(path.join(dir, precision));
            const loaded = new UsearchSearch('cosine', 32, { precision });
            await loaded.load(path.join(dir, precision));
            expect(loaded.batchLookup(queries, 10)).toEqual(before);
          }
        });
      });
    });
  });
});
