/**
 * What every built-in distance shares: argument checks, the tensor scope, and
 * the typed-array loop around a per-pair kernel.
 */
import type * as TfCore from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { loadTfjsCore, type MatrixLike, ShapeError, toMatrix } from '@tfsim/utils';

import type { Distance, DistanceConfig } from './distance';

export type Tf = typeof TfCore;

/**
 * The value between row `a[aOff .. aOff+dim)` and row `b[bOff .. bOff+dim)`,
 * computed in float64.
 */
export type PairKernel = (a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, dim: number) => number;

function checkTensor(t: unknown, name: string): asserts t is Tensor2D {
  if (typeof t !== 'object' || t === null || !('shape' in t) || !Array.isArray((t as Tensor).shape)) {
    throw new ShapeError(`${name} must be a 2-D tensor [rows, dim]`);
  }
  const shape = (t as Tensor).shape;
  if (shape.length !== 2) {
    throw new ShapeError(`${name} must be a 2-D tensor [rows, dim], got shape [${shape.join(', ')}]`);
  }
}

/** Base class of the built-in distances; subclasses give the tensor formula and the pair kernel. */
export abstract class BaseDistance implements Distance {
  abstract readonly name: string;
  abstract readonly aliases: readonly string[];
  readonly isSimilarity: boolean = false;

  /** The formula on tensors, inside a tidy scope; inputs are checked. */
  protected abstract compute(tf: Tf, queries: Tensor2D, keys: Tensor2D): Tensor2D;
  /** The formula on one pair of rows, in float64. */
  protected abstract kernel: PairKernel;

  call(queries: Tensor2D, keys: Tensor2D): Tensor2D {
    checkTensor(queries, 'queries');
    checkTensor(keys, 'keys');
    if (queries.shape[1] !== keys.shape[1]) {
      throw new ShapeError(`${this.name}: queries have dimension ${queries.shape[1]} but keys have dimension ${keys.shape[1]}`);
    }
    const tf = loadTfjsCore();
    return tf.tidy(() => this.compute(tf, queries, keys));
  }

  pairwise(queries: MatrixLike, keys: MatrixLike): Float32Array {
    const q = toMatrix(queries, { name: 'queries', allowEmpty: true, finite: false });
    const k = toMatrix(keys, { name: 'keys', allowEmpty: true, finite: false });
    if (q.cols !== k.cols && q.rows > 0 && k.rows > 0) {
      throw new ShapeError(`${this.name}: queries have dimension ${q.cols} but keys have dimension ${k.cols}`);
    }
    const dim = q.cols;
    const out = new Float32Array(q.rows * k.rows);
    const kernel = this.kernel;
    const qd = q.data;
    const kd = k.data;
    for (let i = 0; i < q.rows; i++) {
      const qOff = i * dim;
      const rowOff = i * k.rows;
      for (let j = 0; j < k.rows; j++) out[rowOff + j] = kernel(qd, qOff, kd, j * dim, dim);
    }
    return out;
  }

  between(a: ArrayLike<number>, b: ArrayLike<number>): number {
    if (a == null || b == null || typeof a.length !== 'number' || typeof b.length !== 'number') {
      throw new ShapeError(`${this.name}: between() takes two arrays of numbers`);
    }
    if (a.length !== b.length) {
      throw new ShapeError(`${this.name}: vectors have different lengths, ${a.length} and ${b.length}`);
    }
    return Math.fround(this.kernel(a, 0, b, 0, a.length));
  }

  getConfig(): DistanceConfig {
    return { name: this.name };
  }

  toString(): string {
    return this.name;
  }
}

/** Sum of a[i] * b[i] over one pair of rows, in float64. */
export function dot(a: ArrayLike<number>, aOff: number, b: ArrayLike<number>, bOff: number, dim: number): number {
  // Four independent sums keep the CPU's multiply-add units busy.
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let t = 0;
  for (; t + 4 <= dim; t += 4) {
    s0 += a[aOff + t]! * b[bOff + t]!;
    s1 += a[aOff + t + 1]! * b[bOff + t + 1]!;
    s2 += a[aOff + t + 2]! * b[bOff + t + 2]!;
    s3 += a[aOff + t + 3]! * b[bOff + t + 3]!;
  }
  for (; t < dim; t++) s0 += a[aOff + t]! * b[bOff + t]!;
  return s0 + s1 + s2 + s3;
}
