/**
 * The Python library's `ClassificationMetric`: a metric of the TP/FP/TN/FN
 * counts, computed at every distance threshold at once.
 */
import { ShapeError, ValueError } from '@tfsim/utils/core';

/** Counts at each distance threshold, and the number of queries. */
export interface ClassificationCounts {
  tp: ArrayLike<number>;
  fp: ArrayLike<number>;
  tn: ArrayLike<number>;
  fn: ArrayLike<number>;
  count: number;
}

export interface ClassificationMetricConfig {
  name: string;
  canonicalName: string;
  maximize: boolean;
  increasing: boolean;
}

const f32 = Math.fround;

/** x / y in float32, 0 where y is 0 (TensorFlow's divide_no_nan). */
export function divideNoNan(x: number, y: number): number {
  return y === 0 ? 0 : f32(x / y);
}

/**
 * Base class. `maximize`: calibration looks for the largest value (false:
 * the smallest). `increasing`: the metric grows with the distance threshold,
 * which decides which side of a target value calibration picks.
 *
 * Values are float32 arithmetic, operation by operation, so they carry the
 * Python library's digits (ties and "last maximum" come out the same).
 */
export abstract class ClassificationMetric {
  constructor(
    public name: string,
    readonly canonicalName: string,
    readonly maximize = true,
    readonly increasing = true,
  ) {}

  toString(): string {
    return this.name;
  }

  getConfig(): ClassificationMetricConfig {
    return { name: this.name, canonicalName: this.canonicalName, maximize: this.maximize, increasing: this.increasing };
  }

  /** The metric at each threshold, from counts given as an object or as `(tp, fp, tn, fn, count)`. */
  compute(counts: ClassificationCounts): Float32Array;
  compute(tp: ArrayLike<number>, fp: ArrayLike<number>, tn: ArrayLike<number>, fn: ArrayLike<number>, count: number): Float32Array;
  compute(
    tpOrCounts: ArrayLike<number> | ClassificationCounts,
    fp?: ArrayLike<number>,
    tn?: ArrayLike<number>,
    fn?: ArrayLike<number>,
    count?: number,
  ): Float32Array {
    const c: ClassificationCounts =
      fp === undefined && tpOrCounts !== null && typeof tpOrCounts === 'object' && 'tp' in tpOrCounts
        ? (tpOrCounts as ClassificationCounts)
        : { tp: tpOrCounts as ArrayLike<number>, fp: fp!, tn: tn!, fn: fn!, count: count! };
    const checked = checkCounts(c);
    return this.computeChecked(checked.tp, checked.fp, checked.tn, checked.fn, checked.count);
  }

  /** The metric on float32 count vectors of one length. */
  protected abstract computeChecked(tp: Float32Array, fp: Float32Array, tn: Float32Array, fn: Float32Array, count: number): Float32Array;
}

function checkCounts(c: ClassificationCounts): { tp: Float32Array; fp: Float32Array; tn: Float32Array; fn: Float32Array; count: number } {
  const out: Record<string, Float32Array> = {};
  let length = -1;
  for (const key of ['tp', 'fp', 'tn', 'fn'] as const) {
    const v = c[key];
    if (v == null || typeof v.length !== 'number') throw new ShapeError(`${key} must be an array of counts, one per threshold`);
    if (length >= 0 && v.length !== length) {
      throw new ShapeError(`tp, fp, tn and fn must have one value per threshold; tp has ${length}, ${key} has ${v.length}`);
    }
    length = v.length;
    const a = v instanceof Float32Array ? v : Float32Array.from(v, Number);
    for (let i = 0; i < a.length; i++) {
      if (!(a[i]! >= 0) || !Number.isFinite(a[i]!)) throw new ValueError(`${key}[${i}] is ${a[i]}; counts must be finite and >= 0`);
    }
    out[key] = a;
  }
  if (typeof c.count !== 'number' || !Number.isFinite(c.count) || c.count < 0) {
    throw new ValueError(`count must be the number of queries (a number >= 0), got ${String(c.count)}`);
  }
  return { tp: out.tp!, fp: out.fp!, tn: out.tn!, fn: out.fn!, count: c.count };
}
