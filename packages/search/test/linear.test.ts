import { distanceNames, getDistance } from '@tfsim/distances';
import { type Matrix, Rng } from '@tfsim/utils';

import { assembleKernel } from '../scripts/assemble-kernel';
import { LinearSearch, type LinearSearchOptions, type Neighbors } from '../src';
import { testSearch } from '../src/conformance';
import { blasAvailable, blasUnavailableReason } from '../src/kernel/blas';
import { LINEAR_KERNEL_BASE64 } from '../src/kernel/linear-wasm';
import { stopHelpers } from '../src/kernel/pool';
import { refusesSymlinkAndResize } from './cases';

afterAll(() => stopHelpers());

// Both kernels where the BLAS addon loads (pnpm setup:native builds it); TFSIM_REQUIRE_BLAS=1 makes its absence a failure.
const KERNELS: Array<'wasm' | 'blas'> = ['wasm'];
if (blasAvailable()) KERNELS.push('blas');
else if (process.env.TFSIM_REQUIRE_BLAS === '1') throw new Error(`the BLAS kernel does not load: ${blasUnavailableReason()}`);
else console.warn(`LinearSearch BLAS kernel tests SKIPPED: ${blasUnavailableReason()}`);

/** A LinearSearch on `kernel`: 'blas' runs as 'auto', which keeps manhattan on wasm. */
function linearOn(
  kernel: 'wasm' | 'blas',
  distance: ConstructorParameters<typeof LinearSearch>[0],
  dim: number,
  options: LinearSearchOptions = {},
): LinearSearch {
  const search = new LinearSearch(distance, dim, { ...options, kernel: kernel === 'blas' ? 'auto' : 'wasm' });
  const name = search.distance.name;
  if (kernel === 'blas' && name !== 'manhattan' && search.kernel !== 'blas') throw new Error(`${name} did not run on blas`);
  return search;
}

for (const kernel of KERNELS) {
  testSearch(
    { describe, it },
    {
      name: `LinearSearch (${kernel})`,
      create: (distance, dim) => linearOn(kernel, distance, dim),
      distances: distanceNames(),
      exact: true,
    },
  );
}

// Module-scope aliases: looking up a global (Math, Number) in a hot loop is slow in jest's vm context.
const { abs, fround, sqrt, max } = Math;
const isNaN = Number.isNaN;

/** The distance between two rows, in plain float64 loops written from the definitions. */
function referenceValue(distance: string, q: Float32Array, k: Float32Array): number {
  const d = q.length;
  let a = 0;
  let b = 0;
  let c = 0;
  for (let j = 0; j < d; j++) {
    const x = q[j]!;
    const y = k[j]!;
    if (distance === 'manhattan') a += abs(x - y);
    else if (distance === 'inner_product' || distance === 'cosine') a += x * y;
    else {
      a += (x - y) * (x - y);
      b += x - y;
      c += x;
    }
  }
  switch (distance) {
    case 'cosine':
      return max(1 - a, 0);
    case 'euclidean':
      return a >= 1e-18 ? sqrt(a) : 0;
    case 'snr': {
      const mean = c / d;
      let signal = 0;
      for (let j = 0; j < d; j++) signal += (q[j]! - mean) ** 2;
      return (a / d - (b / d) ** 2) / (signal / d);
    }
    default:
      return a;
  }
}

/** Brute force in the test itself: every pair, float32 values, sorted (value, id), NaN last. */
function bruteForce(distance: string, keys: Matrix, ids: ArrayLike<number>, query: Float32Array, k: number): Neighbors {
  const values = Array.from({ length: keys.rows }, (_, i) =>
    fround(referenceValue(distance, query, keys.data.subarray(i * keys.cols, (i + 1) * keys.cols))),
  );
  const sign = distance === 'inner_product' ? -1 : 1;
  const order = values
    .map((_, i) => i)
    .sort((a, b) => {
      const va = values[a]!;
      const vb = values[b]!;
      if (isNaN(va) || isNaN(vb)) return isNaN(va) === isNaN(vb) ? ids[a]! - ids[b]! : isNaN(va) ? 1 : -1;
      return (va === vb ? 0 : sign * (va < vb ? -1 : 1)) || ids[a]! - ids[b]!;
    });
  const top = order.slice(0, k);
  return { ids: Int32Array.from(top, (i) => ids[i]!), distances: Float32Array.from(top, (i) => values[i]!) };
}

function randomMatrix(rows: number, cols: number, seed: number, scale = 1): Matrix {
  const rng = new Rng(seed);
  return { data: Float32Array.from({ length: rows * cols }, () => scale * rng.normal()), rows, cols };
}

function normalise(m: Matrix): Matrix {
  const data = Float32Array.from(m.data);
  for (let i = 0; i < m.rows; i++) {
    const row = data.subarray(i * m.cols, (i + 1) * m.cols);
    const norm = Math.hypot(...row);
    for (let j = 0; j < m.cols; j++) row[j] = row[j]! / norm;
  }
  return { data, rows: m.rows, cols: m.cols };
}

function expectSameAsBruteForce(
  search: LinearSearch,
  keys: Matrix,
  ids: ArrayLike<number>,
  queries: Matrix,
  k: number,
  expected?: Neighbors[],
): void {
  const got = search.batchLookup(queries, k);
  for (let qi = 0; qi < queries.rows; qi++) {
    const q = queries.data.subarray(qi * queries.cols, (qi + 1) * queries.cols);
    const full = expected?.[qi];
    const want = full
      ? { ids: full.ids.subarray(0, k), distances: full.distances.subarray(0, k) }
      : bruteForce(search.distance.name, keys, ids, q, k);
    if (got[qi]!.ids.length !== want.ids.length || got[qi]!.ids.some((id, i) => id !== want.ids[i])) {
      expect({ query: qi, ids: Array.from(got[qi]!.ids) }).toEqual({ query: qi, ids: Array.from(want.ids) });
    }
    const off = Array.from(got[qi]!.distances).findIndex((d, i) => {
      const w = want.distances[i]!;
      return isNaN(w) || w === Infinity ? !Object.is(d, w) : abs(d - w) > 1e-5 * max(1, abs(w));
    });
    if (off >= 0)
      expect({ query: qi, rank: off, distance: got[qi]!.distances[off] }).toEqual({ query: qi, rank: off, distance: want.distances[off] });
  }
}

describe('LinearSearch kernels', () => {
  it('ships the WebAssembly assembled from linear.wat', async () => {
    const bytes = await assembleKernel();
    expect(Buffer.from(LINEAR_KERNEL_BASE64, 'base64').equals(Buffer.from(bytes))).toBe(true);
  });

  it('checks the kernel option', () => {
    expect(() => new LinearSearch('cosine', 4, { kernel: 'gpu' as never })).toThrow(/kernel must be 'auto', 'blas' or 'wasm', got "gpu"/);
    expect(new LinearSearch('manhattan', 4).kernel).toBe('wasm');
    expect(new LinearSearch('cosine', 4, { kernel: 'wasm' }).kernel).toBe('wasm');
    if (blasAvailable()) {
      expect(new LinearSearch('cosine', 4).kernel).toBe('blas');
      expect(() => new LinearSearch('manhattan', 4, { kernel: 'blas' })).toThrow(/does not serve manhattan/);
    } else {
      expect(() => new LinearSearch('cosine', 4, { kernel: 'blas' })).toThrow(/BLAS kernel does not load/);
    }
  });

  (blasAvailable() ? it : it.skip)('blas and wasm return identical ids and distances on every distance, ties included', () => {
    // Values on a coarse grid, and repeated rows: many exact ties, broken by id on both paths.
    const rng = new Rng(21);
    const base = Float32Array.from({ length: 1500 * 24 }, () => Math.round(rng.normal() * 2) / 2);
    for (let r = 1000; r < 1500; r++) base.copyWithin(r * 24, (r % 97) * 24, (r % 97) * 24 + 24);
    const keys: Matrix = { data: base, rows: 1500, cols: 24 };
    const ids = Int32Array.from({ length: 1500 }, (_, i) => (i * 7919) % 1511);
    const queries: Matrix = {
      data: Float32Array.from({ length: 40 * 24 }, (_, j) => base[(j * 13) % base.length]! + (j % 3) * 0.25),
      rows: 40,
      cols: 24,
    };
    for (const distance of distanceNames()) {
      const results = (['wasm', 'auto'] as const).map((kernel) => {
        const search = new LinearSearch(distance, 24, { kernel });
        search.batchAdd(keys, ids);
        return search.batchLookup(queries, 30);
      });
      expect(results[1]).toEqual(results[0]);
      const blas = linearOn('blas', distance, 24);
      blas.batchAdd(keys, ids);
      expectSameAsBruteForce(blas, keys, ids, queries, 30);
    }
  });
});

describe.each(KERNELS)('LinearSearch kernel (%s)', (kernel) => {
  // An odd dimension (the kernel's tail step), a size that leaves a panel part
  // filled, and enough work per batch to use the helper thread.
  describe.each(distanceNames())('%s on 3,001 x 37 against brute force', (distance) => {
    const raw = randomMatrix(3001, 37, 1);
    const keys = distance === 'cosine' ? normalise(raw) : raw;
    const rawQueries = randomMatrix(64, 37, 2);
    const queries = distance === 'cosine' ? normalise(rawQueries) : rawQueries;
    const ids = Int32Array.from({ length: keys.rows }, (_, i) => (i * 7919) % 100_003);

    it('one thread and two threads give the brute-force result', () => {
      const expected = Array.from({ length: queries.rows }, (_, qi) =>
        bruteForce(distance, keys, ids, queries.data.subarray(qi * 37, (qi + 1) * 37), 200),
      );
      for (const threads of [1, 2]) {
        const search = linearOn(kernel, distance, 37, { threads });
        search.batchAdd(keys, ids);
        const exactScan = jest.spyOn(search as unknown as { exactScan: () => Neighbors }, 'exactScan');
        expectSameAsBruteForce(search, keys, ids, queries, 10, expected);
        // Random data has no near-ties: the kernel's candidates suffice.
        expect(exactScan).not.toHaveBeenCalled();
        expectSameAsBruteForce(search, keys, ids, queries, 1, expected);
        expectSameAsBruteForce(search, keys, ids, queries, 200, expected);
      }
    });
  });

  it.each([1, 2, 7, 8, 9, 15, 17, 40])('is exact for %i keys with every k', (n) => {
    const keys = randomMatrix(n, 5, 10 + n);
    const ids = Array.from({ length: n }, (_, i) => n - i);
    const queries = randomMatrix(6, 5, 3);
    for (const distance of distanceNames()) {
      const search = linearOn(kernel, distance, 5);
      search.batchAdd(keys, ids);
      for (const k of [1, 3, n, n + 4]) expectSameAsBruteForce(search, keys, ids, queries, k);
    }
  });

  it('falls back to an exact scan where float32 cannot separate candidates (duplicates)', () => {
    const base = randomMatrix(200, 8, 4);
    // 60 copies of row 3 under shuffled ids: ties far beyond the candidates kept.
    const data = new Float32Array(260 * 8);
    data.set(base.data);
    for (let c = 0; c < 60; c++) data.set(base.data.subarray(3 * 8, 4 * 8), (200 + c) * 8);
    const keys: Matrix = { data, rows: 260, cols: 8 };
    const ids = Array.from({ length: 260 }, (_, i) => (i < 200 ? i * 10 : 5000 - i));
    const queries: Matrix = { data: Float32Array.from([...base.data.subarray(24, 32), ...randomMatrix(1, 8, 5).data]), rows: 2, cols: 8 };
    for (const distance of ['euclidean', 'squared_euclidean', 'manhattan', 'snr', 'inner_product']) {
      const search = linearOn(kernel, distance, 8);
      search.batchAdd(keys, ids);
      const exactScan = jest.spyOn(search as unknown as { exactScan: () => Neighbors }, 'exactScan');
      expectSameAsBruteForce(search, keys, ids, queries, 20);
      if (distance !== 'inner_product') expect(exactScan).toHaveBeenCalled();
    }
  });

  it('cosine on embeddings that are not normalised: clipped zeros tie and are ordered by id', () => {
    // Without normalisation most inner products exceed 1, so most distances clip to 0.
    const keys = randomMatrix(500, 6, 6, 3);
    const ids = Array.from({ length: 500 }, (_, i) => 1000 - i);
    const queries = randomMatrix(4, 6, 7, 3);
    const search = linearOn(kernel, 'cosine', 6);
    search.batchAdd(keys, ids);
    expectSameAsBruteForce(search, keys, ids, queries, 25);
    expect(search.lookup(queries.data.subarray(0, 6), 3).distances).toEqual(new Float32Array([0, 0, 0]));
  });

  it('does not normalise: euclidean distances are those of the raw vectors', () => {
    const search = linearOn(kernel, 'euclidean', 2);
    search.batchAdd(
      [
        [3, 4],
        [6, 8],
        [0, 1],
      ],
      [1, 2, 3],
    );
    const got = search.lookup([0, 0], 3);
    expect(Array.from(got.ids)).toEqual([3, 1, 2]);
    expect(Array.from(got.distances)).toEqual([1, 5, 10]);
    const ip = linearOn(kernel, 'inner_product', 2);
    ip.batchAdd(
      [
        [3, 4],
        [6, 8],
        [0, 1],
      ],
      [1, 2, 3],
    );
    const sims = ip.lookup([1, 1], 3);
    expect(Array.from(sims.ids)).toEqual([2, 1, 3]);
    expect(Array.from(sims.distances)).toEqual([14, 7, 1]);
  });

  it('stays exact for values whose squares overflow float32', () => {
    const keys: Matrix = { data: Float32Array.from([1e20, 0, 0, 1e20, 1, 1, -1e20, 5]), rows: 4, cols: 2 };
    const ids = [0, 1, 2, 3];
    const queries: Matrix = { data: Float32Array.from([1e20, 1, 0, 0]), rows: 2, cols: 2 };
    for (const distance of ['euclidean', 'manhattan', 'inner_product']) {
      const search = linearOn(kernel, distance, 2);
      search.batchAdd(keys, ids);
      expectSameAsBruteForce(search, keys, ids, queries, 4);
    }
  });

  it('treats a constant query under SNR (no signal variance) exactly', () => {
    const keys = randomMatrix(100, 4, 8);
    const ids = Array.from({ length: 100 }, (_, i) => i);
    const search = linearOn(kernel, 'snr', 4);
    search.batchAdd(keys, ids);
    expectSameAsBruteForce(search, keys, ids, { data: Float32Array.from([2, 2, 2, 2, 0, 0, 0, 0]), rows: 2, cols: 4 }, 5);
  });

  it(
    'load refuses symlinked or resized array files (regular files of the recorded size only)',
    refusesSymlinkAndResize(
      (folder) => {
        const search = linearOn(kernel, 'euclidean', 3);
        search.batchAdd(
          randomMatrix(10, 3, 11),
          Array.from({ length: 10 }, (_, i) => i),
        );
        return search.save(folder);
      },
      'embeddings.f32',
      () => linearOn(kernel, 'euclidean', 3),
    ),
  );

  it('accepts a Distance object, a config or an alias, and rejects unknown names', () => {
    expect(new LinearSearch(getDistance('l2'), 3).distance.name).toBe('euclidean');
    expect(new LinearSearch({ name: 'sql2' }, 3).distance.name).toBe('squared_euclidean');
    expect(() => new LinearSearch('nope', 3)).toThrow(/unknown distance "nope"/);
    expect(() => new LinearSearch('cosine', 0)).toThrow(/dim/);
    expect(() => new LinearSearch('cosine', 4, { threads: 0 })).toThrow(/threads/);
  });

  it('searches with a distance it has no kernel for, through distance.pairwise', () => {
    const l2 = getDistance('euclidean');
    const custom = {
      name: 'euclidean',
      aliases: ['euclidean'],
      isSimilarity: false,
      call: l2.call.bind(l2),
      pairwise: l2.pairwise.bind(l2),
      between: l2.between.bind(l2),
      getConfig: () => ({ name: 'euclidean' }),
    };
    const keys = randomMatrix(50, 3, 9);
    const ids = Array.from({ length: 50 }, (_, i) => i);
    const search = new LinearSearch(custom, 3);
    expect(search.kernel).toBe('wasm');
    search.batchAdd(keys, ids);
    expectSameAsBruteForce(search, keys, ids, randomMatrix(5, 3, 10), 7);
  });
});

describe('LinearSearch options', () => {
  it('rejects an unknown key with a suggestion, before anything is built', () => {
    expect(() => new LinearSearch('cosine', 3, { thread: 2 } as never)).toThrow(
      "unknown option 'thread' for LinearSearch; did you mean 'threads'?",
    );
    expect(() => new LinearSearch('cosine', 3, { normalize: true } as never)).toThrow(
      "unknown option 'normalize' for LinearSearch; known options: name, threads",
    );
  });
});
