/**
 * The same-math rewrites made while tracing: which kernels are written as
 * MatMul or BiasAdd (with which attributes), and which are left as they ran.
 */
import type { OpAttr } from '../../src/graph/graph-def';
import { graphOp } from '../../src/graph/rewrite';

const T: OpAttr = { name: 'T', type: 4, value: 1 };
const bmm = (adjX: boolean, adjY: boolean): OpAttr[] => [
  T,
  { name: 'adj_x', type: 3, value: adjX },
  { name: 'adj_y', type: 3, value: adjY },
];

describe('graphOp', () => {
  it('a rank-2 BatchMatMulV2 is a MatMul with adj_x / adj_y as transpose_a / transpose_b', () => {
    expect(
      graphOp(
        'BatchMatMulV2',
        bmm(false, true),
        [
          [4, 3],
          [5, 3],
        ],
        [4, 5],
      ),
    ).toEqual({
      op: 'MatMul',
      attrs: [T, { name: 'transpose_a', type: 3, value: false }, { name: 'transpose_b', type: 3, value: true }],
    });
    expect(
      graphOp(
        'BatchMatMulV2',
        bmm(true, false),
        [
          [3, 4],
          [3, 5],
        ],
        [4, 5],
      )
        .attrs.slice(1)
        .map((a) => a.value),
    ).toEqual([true, false]);
  });

  it('a batched (rank-3) product, or one of unknown shape, stays a BatchMatMulV2', () => {
    expect(
      graphOp(
        'BatchMatMulV2',
        bmm(false, false),
        [
          [1, 4, 3],
          [1, 3, 5],
        ],
        [1, 4, 5],
      ).op,
    ).toBe('BatchMatMulV2');
    expect(graphOp('BatchMatMulV2', bmm(false, false), [[4, 3], undefined], [4, 5]).op).toBe('BatchMatMulV2');
  });

  it('a float Add of a vector along the last axis, shape unchanged, is a BiasAdd (T kept)', () => {
    expect(graphOp('Add', [T], [[64, 26, 26, 32], [32]], [64, 26, 26, 32])).toEqual({ op: 'BiasAdd', attrs: [T] });
    expect(graphOp('AddV2', [T], [[8, 16], [16]], [8, 16]).op).toBe('BiasAdd');
  });

  it('other Adds stay Adds: the vector first, a broadcast that grows the first operand, another axis, ints, rank 1, unknown shapes', () => {
    expect(graphOp('Add', [T], [[32], [64, 32]], [64, 32]).op).toBe('Add');
    expect(graphOp('Add', [T], [[1, 32], [32]], [1, 32]).op).toBe('BiasAdd');
    expect(graphOp('Add', [T], [[64, 1], [32]], [64, 32]).op).toBe('Add');
    expect(graphOp('Add', [T], [[64, 32], [64]], [64, 64]).op).toBe('Add');
    expect(graphOp('Add', [{ name: 'T', type: 4, value: 3 }], [[8, 16], [16]], [8, 16]).op).toBe('Add');
    expect(graphOp('Add', [T], [[16], [16]], [16]).op).toBe('Add');
    expect(graphOp('Add', [T], [undefined, [16]], [8, 16]).op).toBe('Add');
  });

  it('any other op is written as it ran', () => {
    const attrs = [T];
    expect(
      graphOp(
        'Conv2D',
        attrs,
        [
          [1, 2, 2, 1],
          [1, 1, 1, 1],
        ],
        [1, 2, 2, 1],
      ),
    ).toEqual({ op: 'Conv2D', attrs });
  });
});
