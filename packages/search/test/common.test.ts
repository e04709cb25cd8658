import { Rng } from '@tfsim/utils';

import { orderNeighbours, SMALL_SORT } from '../src/common';

describe('orderNeighbours', () => {
  /** The result order written out: NaN last, then by value (descending for a similarity), then by id; stable. */
  function reference(ids: number[], values: number[], k: number, similarity: boolean): { ids: number[]; distances: number[] } {
    const rank = (i: number) => [
      Number.isNaN(values[i]!) ? 1 : 0,
      Number.isNaN(values[i]!) ? 0 : similarity ? -values[i]! : values[i]!,
      ids[i]!,
      i,
    ];
    const order = ids
      .map((_, i) => i)
      .sort((a, b) => {
        const ra = rank(a);
        const rb = rank(b);
        for (let j = 0; j < 4; j++) if (ra[j] !== rb[j]) return ra[j]! < rb[j]! ? -1 : 1;
        return 0;
      });
    return { ids: order.slice(0, k).map((i) => ids[i]!), distances: order.slice(0, k).map((i) => Math.fround(values[i]!)) };
  }

  it.each([
    [1, false],
    [18, false],
    [18, true],
    [SMALL_SORT, false],
    [SMALL_SORT + 1, true],
    [300, false],
  ])('orders %i candidates (similarity %s) by value, ties by id, NaN last, on both sort paths', (n, similarity) => {
    const rng = new Rng(n);
    for (let trial = 0; trial < 20; trial++) {
      // Few distinct values and ids: many ties, duplicate ids, some NaN.
      const values = Array.from({ length: n }, () => (rng.uniform() < 0.1 ? Number.NaN : Math.floor(rng.uniform() * 6) / 4));
      const ids = Array.from({ length: n }, () => Math.floor(rng.uniform() * 10) - 3);
      const k = Math.max(1, Math.floor(rng.uniform() * n));
      const got = orderNeighbours(Int32Array.from(ids), Float32Array.from(values), k, similarity);
      expect({ ids: Array.from(got.ids), distances: Array.from(got.distances) }).toEqual(reference(ids, values, k, similarity));
    }
  });
});
