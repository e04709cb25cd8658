import type { Tensor } from '@tensorflow/tfjs-core';

export interface Tolerance {
  atol?: number;
  rtol?: number;
}

type Numeric = number | ArrayLike<number> | ReadonlyArray<Numeric> | Tensor;

function flatten(x: Numeric, out: number[] = []): number[] {
  if (typeof x === 'number') out.push(x);
  else if (typeof x === 'object' && x !== null && 'dataSync' in x) out.push(...Array.from(x.dataSync() as ArrayLike<number>));
  else for (let i = 0; i < (x as ArrayLike<Numeric>).length; i++) flatten((x as ArrayLike<Numeric>)[i]!, out);
  return out;
}

/**
 * Element-wise |actual - expected| <= atol + rtol * |expected|, with a message
 * that shows the first offending element. NaN equals NaN.
 */
export function expectClose(actual: Numeric, expected: Numeric, tol: number | Tolerance = 1e-5): void {
  const { atol = 1e-5, rtol = 0 } = typeof tol === 'number' ? { atol: tol, rtol: 0 } : tol;
  const a = flatten(actual);
  const e = flatten(expected);
  if (a.length !== e.length) {
    throw new Error(`expected ${e.length} values, got ${a.length}: [${a.slice(0, 10).join(', ')}${a.length > 10 ? ', ...' : ''}]`);
  }
  for (let i = 0; i < a.length; i++) {
    const ai = a[i]!;
    const ei = e[i]!;
    if (Number.isNaN(ai) && Number.isNaN(ei)) continue;
    if (ai === ei) continue;
    if (!(Math.abs(ai - ei) <= atol + rtol * Math.abs(ei))) {
      throw new Error(
        `value ${i} differs: got ${ai}, expected ${ei} (|diff| ${Math.abs(ai - ei)} > atol ${atol} + rtol ${rtol})\n` +
          `actual:   [${a.slice(0, 12).join(', ')}${a.length > 12 ? ', ...' : ''}]\n` +
          `expected: [${e.slice(0, 12).join(', ')}${e.length > 12 ? ', ...' : ''}]`,
      );
    }
  }
}
