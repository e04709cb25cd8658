/**
 * Same-math substitutions made as a step is recorded, so that grappler's
 * remapper fuses our graph as it fuses Python TensorFlow's. tfjs-node runs
 * every matrix product as BatchMatMulV2 and every bias as a broadcast Add,
 * which the remapper leaves alone; written as MatMul and BiasAdd, it fuses
 * MatMul or Conv2D with BiasAdd (and a following Relu) into one kernel.
 * Each rewrite computes the same values: a rank-2 BatchMatMulV2 is a MatMul,
 * and an Add of a vector along the last axis of a tensor of unchanged shape
 * is a BiasAdd (NHWC, the layout tfjs uses).
 */
import type { OpAttr } from './graph-def';

const ATTR_BOOL = 3;
const TF_FLOAT = 1;

function attr(attrs: OpAttr[], name: string): unknown {
  return attrs.find((a) => a.name === name)?.value;
}

/** The op and attributes to write for a kernel run as `op` on inputs of `shapes` giving `outShape`. */
export function graphOp(
  op: string,
  attrs: OpAttr[],
  shapes: Array<number[] | undefined>,
  outShape: number[] | undefined,
): { op: string; attrs: OpAttr[] } {
  const [a, b] = shapes;
  if (op === 'BatchMatMulV2' && shapes.length === 2 && a?.length === 2 && b?.length === 2) {
    return {
      op: 'MatMul',
      attrs: [
        ...attrs.filter((x) => x.name === 'T'),
        { name: 'transpose_a', type: ATTR_BOOL, value: attr(attrs, 'adj_x') === true },
        { name: 'transpose_b', type: ATTR_BOOL, value: attr(attrs, 'adj_y') === true },
      ],
    };
  }
  if (
    (op === 'Add' || op === 'AddV2') &&
    attr(attrs, 'T') === TF_FLOAT &&
    a !== undefined &&
    a.length >= 2 &&
    b?.length === 1 &&
    b[0] === a[a.length - 1] &&
    outShape !== undefined &&
    sameShape(outShape, a)
  ) {
    return { op: 'BiasAdd', attrs: attrs.filter((x) => x.name === 'T') };
  }
  return { op, attrs };
}

function sameShape(x: number[], y: number[]): boolean {
  return x.length === y.length && x.every((d, i) => d === y[i]);
}
