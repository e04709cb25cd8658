/** Test data and measures shared by the search tests. */
import { type Matrix, Rng } from '@tfsim/utils';

import type { Neighbors } from '../src';

/** Seeded N(0, 1) rows; L2-normalised when `unit`. */
export function gaussian(rows: number, cols: number, seed: number, unit = false): Matrix {
  const rng = new Rng(seed);
  const data = Float32Array.from({ length: rows * cols }, () => rng.normal());
  if (unit) {
    for (let i = 0; i < rows; i++) {
      const row = data.subarray(i * cols, (i + 1) * cols);
      const norm = Math.hypot(...row);
      for (let j = 0; j < cols; j++) row[j] = row[j]! / norm;
    }
  }
  return { data, rows, cols };
}

/** The share of the true neighbours found, over all queries. */
export function recallAt(got: Neighbors[], truth: Neighbors[]): number {
  let hits = 0;
  let total = 0;
  got.forEach((g, i) => {
    const t = new Set(truth[i]!.ids);
    hits += Array.from(g.ids).filter((id) => t.has(id)).length;
    total += truth[i]!.ids.length;
  });
  return hits / total;
}
