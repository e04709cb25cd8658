import { ValueError } from '@tfsim/utils/core';

import { type Mask } from './inputs';
import { PrecisionAtK, type PrecisionAtKOptions } from './precision-at-k';

const f32 = Math.fround;

/**
 * Mean average precision at K: for each query, the sum over its k neighbours
 * of (relevant at j) x (precision at j), divided by R of its class; averaged
 * over queries. With `clipAtR`, MAP@R. Micro averaging only, as in Python.
 */
export class MapAtK extends PrecisionAtK {
  constructor(options: PrecisionAtKOptions = {}) {
    if (options.average === 'macro') throw new ValueError('Mean Average Precision only supports micro averaging.');
    super(options, { name: 'map', canonicalName: 'map@k' });
  }

  protected override matches(mask: Mask, start: number, end: number): Float32Array {
    const width = Math.max(0, end - start);
    const out = new Float32Array(mask.rows * width);
    for (let i = 0; i < mask.rows; i++) {
      let hits = 0;
      for (let j = 0; j < width; j++) {
        const rel = mask.data[i * mask.cols + start + j]!;
        hits += rel;
        out[i * width + j] = rel ? f32(hits / (j + 1)) : 0;
      }
    }
    return out;
  }
}
