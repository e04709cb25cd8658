import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

import {
  faissAvailable,
  type FaissBinding,
  faissBinding,
  type FaissIndex,
  FaissSearch,
  faissUnavailableReason,
  LinearSearch,
  type Neighbors,
} from '../src';
import { testSearch } from '../src/conformance';
import { stopHelpers } from '../src/kernel/pool';
import { describeWhenLoaded } from './cases';
import { gaussian, recallAt } from './data';

afterAll(() => stopHelpers());

const faissNode = {
  module: 'faiss-node',
  unavailable: faissUnavailableReason(),
  requireVar: 'TFSIM_REQUIRE_FAISS',
  hint: '; run pnpm setup:native',
};

describeWhenLoaded(faissNode, () => {
  if (faissAvailable()) {
    testSearch(
      { describe, it },
      {
        name: 'FaissSearch flat',
        create: (distance, dim) => new FaissSearch(distance, dim, { algo: 'flat' }),
        distances: ['inner_product', 'cosine', 'euclidean', 'squared_euclidean', 'manhattan'],
        exact: true,
      },
    );
    testSearch(
      { describe, it },
      {
        name: 'FaissSearch hnsw',
        remove: false,
        create: (distance, dim) => new FaissSearch(distance, dim, { algo: 'hnsw' }),
        distances: ['euclidean', 'cosine', 'manhattan'],
        exact: false,
        minRecall: 0.95,
      },
    );
    testSearch(
      { describe, it },
      {
        name: 'FaissSearch ivf',
        remove: false,
        create: (distance, dim) => new FaissSearch(distance, dim, { algo: 'ivf', nlist: 16, nprobe: 8 }),
        distances: ['euclidean', 'cosine', 'inner_product'],
        exact: false,
        minRecall: 0.9,
      },
    );
    testSearch(
      { describe, it },
      {
        name: 'FaissSearch ivfpq',
        remove: false,
        create: (distance, dim) => new FaissSearch(distance, dim, { algo: 'ivfpq', nlist: 16, nprobe: 8, m: 8, nbits: 6 }),
        distances: ['euclidean', 'cosine'],
        exact: false,
        exactDistances: false,
        minRecall: 0.5,
      },
    );

    describe('FaissSearch', () => {
      // 20,000 seeded random 64-d vectors: no clusters, the hard case for approximate search.
      const keys = gaussian(20_000, 64, 1);
      const queries = gaussian(200, 64, 2);
      const ids = Int32Array.from({ length: keys.rows }, (_, i) => 3 * i + 7);
      let exact: Neighbors[];
      beforeAll(() => {
        const linear = new LinearSearch('euclidean', 64);
        linear.batchAdd(keys, ids);
        exact = linear.batchLookup(queries, 10);
      });

      it('flat equals LinearSearch on 20,000 x 64 (euclidean, cosine, inner product)', () => {
        const unitKeys = gaussian(20_000, 64, 1, true);
        const unitQueries = gaussian(200, 64, 2, true);
        for (const distance of ['euclidean', 'cosine', 'inner_product']) {
          const [k, q] = distance === 'cosine' ? [unitKeys, unitQueries] : [keys, queries];
          const linear = new LinearSearch(distance, 64);
          linear.batchAdd(k, ids);
          const faiss = new FaissSearch(distance, 64, { algo: 'flat' });
          faiss.batchAdd(k, ids);
          const want = linear.batchLookup(q, 10);
          const got = faiss.batchLookup(q, 10);
          got.forEach((g, i) => {
            expect(Array.from(g.ids)).toEqual(Array.from(want[i]!.ids));
            g.distances.forEach((d, j) => expect(d).toBeCloseTo(want[i]!.distances[j]!, 3));
          });
        }
      });

      it('hnsw (default M 16, efSearch 400) reaches recall@10 >= 0.95', () => {
        const hnsw = new FaissSearch('euclidean', 64, { algo: 'hnsw' });
        hnsw.batchAdd(keys, ids);
        expect(recallAt(hnsw.batchLookup(queries, 10), exact)).toBeGreaterThanOrEqual(0.95);
      });

      it('ivf (nlist from the data, nprobe nlist / 2 for unclustered data) reaches recall@10 >= 0.95', () => {
        const ivf = new FaissSearch('euclidean', 64, { algo: 'ivf', nlist: 256, nprobe: 128 });
        ivf.batchAdd(keys, ids);
        expect(ivf.getConfig()).toMatchObject({ factory: 'IVF256,Flat', nlist: 256, nprobe: 128 });
        const low = recallAt(ivf.batchLookup(queries, 10), exact);
        ivf.setSearchParameters({ nprobe: 160 });
        const high = recallAt(ivf.batchLookup(queries, 10), exact);
        expect(high).toBeGreaterThanOrEqual(0.95);
        expect(high).toBeGreaterThanOrEqual(low);
      });

      it('trains on an explicit train() call, or on the first batch, which must be large enough', () => {
        const data = gaussian(400, 8, 3);
        const rows = Int32Array.from({ length: 400 }, (_, i) => i);
        const first = new FaissSearch('euclidean', 8, { algo: 'ivf', nlist: 16 });
        expect(first.isBuilt()).toBe(false);
        expect(() => first.add(data.data.subarray(0, 8), 0)).toThrow(/at least 16 rows to train/);
        expect(first.size()).toBe(0);
        first.batchAdd(data, rows);
        expect(first.isBuilt()).toBe(true);
        const explicit = new FaissSearch('euclidean', 8, { algo: 'ivf', nlist: 16 });
        explicit.train(data);
        expect(explicit.isBuilt()).toBe(true);
        explicit.add(data.data.subarray(0, 8), 42);
        expect(Array.from(explicit.lookup(data.data.subarray(0, 8), 1).ids)).toEqual([42]);
        expect(() => explicit.train(data)).toThrow(/reset\(\) it first/);
      });

      it('accepts a faiss factory string', () => {
        const data = gaussian(500, 8, 4);
        const search = new FaissSearch('euclidean', 8, { algo: 'IVF8,Flat', nprobe: 8 });
        search.batchAdd(
          data,
          Int32Array.from({ length: 500 }, (_, i) => i),
        );
        expect(search.getConfig()).toMatchObject({ factory: 'IVF8,Flat', nlist: 8, nprobe: 8 });
        expect(Array.from(search.lookup(data.data.subarray(16, 24), 1).ids)).toEqual([2]);
        expect(() => new FaissSearch('euclidean', 8, { algo: 'NoSuchIndex' })).toThrow(/cannot build index "NoSuchIndex"/);
      });

      it('rejects what faiss cannot do with a clear error', () => {
        expect(() => new FaissSearch('snr', 8)).toThrow(/does not serve distance "snr"/);
        expect(() => new FaissSearch('manhattan', 8, { algo: 'ivf' })).toThrow(/manhattan works with the flat and hnsw/);
        expect(() => new FaissSearch('euclidean', 10, { algo: 'ivfpq' })).toThrow(/multiple of m/);
        expect(() => new FaissSearch('euclidean', 8, { nprobe: 0 })).toThrow(/nprobe/);
        const flat = new FaissSearch('euclidean', 8);
        expect(() => flat.setSearchParameters({ nprobe: 4 })).toThrow(/nprobe applies to IVF/);
      });

      it('turns C++ exceptions of faiss into JS errors (the patched binding)', () => {
        const faiss = faissBinding()!;
        const index = faiss.Index.fromFactory(4, 'IVF8,Flat', 1);
        expect(() => index.trainTyped!(new Float32Array(4 * 3))).toThrow(/faiss: .*Number of training points \(3\)/);
        expect(() => index.addTyped!(new Float32Array(4))).toThrow(/faiss: .*is_trained/);
        expect(() => index.setParameter!('efSearch', 10)).toThrow(/efSearch applies to HNSW/);
        expect(() => index.addTyped!(new Float32Array(3))).toThrow(/whole rows of dimension 4/);
        expect(() => faiss.Index.fromBuffer(Buffer.from('not an index'))).toThrow(/not recognized/);
      });

      it('refuses a saved folder whose faiss bytes are corrupt', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'tfsim-faiss-'));
        try {
          const search = new FaissSearch('euclidean', 8);
          search.batchAdd(
            gaussian(20, 8, 5),
            Int32Array.from({ length: 20 }, (_, i) => i),
          );
          await search.save(dir);
          writeFileSync(path.join(dir, 'index.faiss'), Buffer.alloc(statSync(path.join(dir, 'index.faiss')).size, 7));
          const other = new FaissSearch('euclidean', 8);
          // Checked before faiss sees it (src/faiss-file.ts): the header claims 0x0707070707070707 vectors.
          await expect(other.load(dir)).rejects.toThrow(/index.faiss: implausible count/);
          const wrong = new FaissSearch('cosine', 8);
          await expect(wrong.load(dir)).rejects.toThrow(/holds a euclidean index/);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });

      // faiss-node as published: no typed arrays, no parameters, no exceptions caught.
      describe('with an unpatched faiss-node', () => {
        const real = faissBinding()!;
        const hide = (index: FaissIndex): FaissIndex =>
          new Proxy(index, {
            get(target, prop) {
              if (prop === 'addTyped' || prop === 'trainTyped' || prop === 'searchTyped' || prop === 'setParameter') return undefined;
              const value = Reflect.get(target, prop) as unknown;
              return typeof value === 'function' ? value.bind(target) : value;
            },
          });
        const unpatched: FaissBinding = {
          Index: {
            fromFactory: (dim, description, metric) => hide(real.Index.fromFactory(dim, description, metric)),
            fromBuffer: (bytes) => hide(real.Index.fromBuffer(bytes)),
          },
        };

        testSearch(
          { describe, it },
          {
            name: 'FaissSearch flat, unpatched faiss-node',
            create: (distance, dim) => new FaissSearch(distance, dim, { binding: unpatched }),
            distances: ['euclidean', 'cosine'],
            exact: true,
          },
        );

        it('gives the patched results, and refuses parameters it cannot set', () => {
          const data = gaussian(600, 16, 6);
          const rows = Int32Array.from({ length: 600 }, (_, i) => 1000 - i);
          const q = gaussian(20, 16, 7);
          const patched = new FaissSearch('euclidean', 16);
          const plain = new FaissSearch('euclidean', 16, { binding: unpatched });
          expect(plain.patched).toBe(false);
          expect(patched.patched).toBe(true);
          patched.batchAdd(data, rows);
          plain.batchAdd(data, rows);
          expect(plain.batchLookup(q, 5)).toEqual(patched.batchLookup(q, 5));
          expect(() => new FaissSearch('euclidean', 16, { binding: unpatched, algo: 'ivf', nprobe: 4 })).toThrow(/patched faiss-node/);
          const ivf = new FaissSearch('euclidean', 16, { binding: unpatched, algo: 'ivf', nlist: 8 });
          // Too few rows to train: caught before faiss (which would abort the process unpatched).
          expect(() => ivf.batchAdd({ data: data.data.subarray(0, 16 * 5), rows: 5, cols: 16 }, rows.subarray(0, 5))).toThrow(
            /at least 8 rows to train/,
          );
          ivf.batchAdd(data, rows);
          expect(ivf.lookup(data.data.subarray(0, 16), 1).ids[0]).toBe(1000);
        });
      });
    });
  }
});

describe('FaissSearch options', () => {
  it('rejects an unknown key with a suggestion, whether faiss loads or not', () => {
    expect(() => new FaissSearch('cosine', 4, { n_list: 8 } as never)).toThrow(
      "unknown option 'n_list' for FaissSearch; did you mean 'nlist'?",
    );
    expect(() => new FaissSearch('cosine', 4, { efsearch: 8 } as never)).toThrow("did you mean 'efSearch'?");
  });
});
