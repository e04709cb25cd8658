import type { OptionKeys } from '@tfsim/utils/core';

import { type Mask, toCountMap } from './inputs';
import {
  averageFloat32,
  RETRIEVAL_METRIC_OPTION_KEYS,
  RetrievalMetric,
  type RetrievalMetricConfig,
  type RetrievalMetricOptions,
  uniqueLabels,
} from './retrieval-metric';

const f32 = Math.fround;

export interface PrecisionAtKOptions extends RetrievalMetricOptions {
  /**
   * Number of indexed examples per class (label -> count); a class missing
   * from it counts 0. Without it, every class counts k.
   */
  r?: ReadonlyMap<number, number> | Readonly<Record<number, number>> | null;
  /**
   * Only the first R neighbours of a query (R of its class) count, and the
   * sum is divided by R: R-precision for PrecisionAtK, MAP@R for MapAtK
   * (Musgrave et al. 2020, section 3.2).
   */
  clipAtR?: boolean;
}

/**
 * Precision@K: the share of the k nearest neighbours with the query's label
 * (sum divided by R of the query's class when `r` is given). With
 * `clipAtR` and `r`, R-precision.
 *
 * As in the Python library, with `dropClosestLookup` the neighbours looked at
 * are 2..k (not 2..k+1) and each class's R is reduced by one.
 */
export class PrecisionAtK extends RetrievalMetric {
  static override readonly optionKeys: OptionKeys<PrecisionAtKOptions> = { ...RETRIEVAL_METRIC_OPTION_KEYS, r: true, clipAtR: true };
  r: Map<number, number> | null;
  clipAtR: boolean;

  constructor(options: PrecisionAtKOptions = {}, defaults = { name: 'precision', canonicalName: 'precision@k' }) {
    super(options, defaults);
    this.r = toCountMap(options.r);
    this.clipAtR = options.clipAtR ?? false;
  }

  /** With clipAtR the name is the bare base name (`precision`), as in Python. */
  override get name(): string {
    return this.clipAtR ? this.baseName : super.name;
  }

  override getConfig(): RetrievalMetricConfig {
    return {
      ...super.getConfig(),
      r: this.r ? Object.fromEntries(this.r) : null,
      clipAtR: this.clipAtR,
    };
  }

  /** Per-neighbour values summed by the metric: the match itself for precision. */
  protected matches(mask: Mask, start: number, end: number): Float32Array {
    const width = Math.max(0, end - start);
    const out = new Float32Array(mask.rows * width);
    for (let i = 0; i < mask.rows; i++) {
      for (let j = 0; j < width; j++) out[i * width + j] = mask.data[i * mask.cols + start + j]!;
    }
    return out;
  }

  protected computeChecked(queryLabels: Float64Array, mask: Mask): number {
    const start = this.dropClosestLookup ? 1 : 0;
    const end = Math.min(mask.cols, this.k);
    const width = Math.max(0, end - start);
    const values = this.matches(mask, start, end);

    const table = new Map<number, number>();
    if (this.r) for (const [label, count] of this.r) table.set(label, count);
    else for (const label of uniqueLabels(queryLabels)) table.set(label, this.k);
    if (this.dropClosestLookup) for (const [label, count] of table) table.set(label, Math.max(0, count - 1));

    const perExample = new Float32Array(mask.rows);
    for (let i = 0; i < mask.rows; i++) {
      const count = table.get(queryLabels[i]!) ?? 0;
      const upTo = this.clipAtR ? Math.min(width, count) : width;
      let sum = 0;
      for (let j = 0; j < upTo; j++) sum = f32(sum + values[i * width + j]!);
      perExample[i] = count === 0 ? 0 : f32(sum / f32(count));
    }
    return averageFloat32(perExample, queryLabels, this.average);
  }
}
