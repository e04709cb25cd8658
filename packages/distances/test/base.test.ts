import { Rng } from '@tfsim/utils';

import { getDistance } from '../src';
import { dot } from '../src/base';

describe('dot', () => {
  it('sums products over one pair of rows at any offsets and any dimension (the unrolled loop and its tail)', () => {
    const rng = new Rng(3);
    for (const dim of [0, 1, 3, 4, 5, 8, 13]) {
      const a = Float32Array.from({ length: 2 * dim + 3 }, () => rng.normal());
      const b = Float32Array.from({ length: dim + 1 }, () => rng.normal());
      let expected = 0;
      for (let i = 0; i < dim; i++) expected += a[dim + 3 + i]! * b[1 + i]!;
      expect(dot(a, dim + 3, b, 1, dim)).toBeCloseTo(expected, 12);
    }
    expect(dot([1, 2, 3, 4, 5], 0, [5, 4, 3, 2, 1], 0, 5)).toBe(35);
  });
});

describe('BaseDistance', () => {
  it('checks the shapes of pairwise input, naming the dimensions', () => {
    const d = getDistance('euclidean');
    expect(() => d.pairwise([[1, 2]], [[1, 2, 3]])).toThrow(
      expect.objectContaining({ code: 'ERR_SHAPE', message: 'euclidean: queries have dimension 2 but keys have dimension 3' }),
    );
  });

  it('is the name a distance was registered under', () => {
    expect(String(getDistance('l2'))).toBe('euclidean');
    expect(getDistance('sql2').name).toBe('squared_euclidean');
  });
});
