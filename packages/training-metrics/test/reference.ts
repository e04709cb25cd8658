/**
 * An independent plain-loop reference of the training metrics: pairwise
 * distances, pair masks, mining and aggregation over explicit indices, in
 * float64, with the Python library's semantics (an example is not its own
 * positive; a row without any positive gets min(row) - 1e-6, one without
 * negatives max(row) + 1e-6).
 */
import { Rng } from '@tfsim/utils';

export type RefDistance = 'cosine' | 'euclidean' | 'squared_euclidean' | 'manhattan';

export function pairDistance(a: number[], b: number[], distance: RefDistance): number {
  let s = 0;
  switch (distance) {
    case 'cosine':
      // 1 - a.b, clipped at 0 (the Python library does not normalise).
      for (let i = 0; i < a.length; i++) s += a[i]! * b[i]!;
      return Math.max(1 - s, 0);
    case 'squared_euclidean':
      for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
      return Math.max(s, 0);
    case 'euclidean':
      for (let i = 0; i < a.length; i++) s += (a[i]! - b[i]!) ** 2;
      return Math.sqrt(Math.max(s, 0));
    case 'manhattan':
      for (let i = 0; i < a.length; i++) s += Math.abs(a[i]! - b[i]!);
      return s;
  }
}

export interface RefOptions {
  aggregate: 'mean' | 'avg' | 'max' | 'min' | 'sum';
  anchor: 'positive' | 'negative';
  positiveMiningStrategy?: 'hard' | 'semi-hard' | 'easy';
  negativeMiningStrategy?: 'hard' | 'easy';
}

export function referenceMetric(labels: number[], rows: number[][], distance: RefDistance, o: RefOptions): number {
  const n = rows.length;
  const mined: number[] = [];
  for (let i = 0; i < n; i++) {
    const d = rows.map((r) => pairDistance(rows[i]!, r, distance));
    const selected: number[] = [];
    for (let j = 0; j < n; j++) {
      const positive = labels[i] === labels[j] && i !== j;
      const negative = labels[i] !== labels[j];
      if ((o.anchor === 'positive' && positive) || (o.anchor === 'negative' && negative)) selected.push(d[j]!);
    }
    const wantMax =
      o.anchor === 'positive' ? (o.positiveMiningStrategy ?? 'hard') === 'hard' : (o.negativeMiningStrategy ?? 'hard') === 'easy';
    if (selected.length === 0) mined.push(wantMax ? Math.min(...d) - 1e-6 : Math.max(...d) + 1e-6);
    else mined.push(wantMax ? Math.max(...selected) : Math.min(...selected));
  }
  switch (o.aggregate) {
    case 'max':
      return Math.max(...mined);
    case 'min':
      return Math.min(...mined);
    case 'sum':
      return mined.reduce((a, b) => a + b, 0);
    default:
      return mined.reduce((a, b) => a + b, 0) / n;
  }
}

export function referenceGap(labels: number[], rows: number[][], distance: RefDistance): number {
  const maxPos = referenceMetric(labels, rows, distance, { aggregate: 'max', anchor: 'positive' });
  const minNeg = referenceMetric(labels, rows, distance, { aggregate: 'min', anchor: 'negative' });
  return Math.abs(minNeg - maxPos);
}

/** A seeded batch: labels in [0, classes) and normal embeddings (rounded to float32). */
export function seededBatch(seed: number, n: number, dim: number, classes: number): { labels: number[]; rows: number[][] } {
  const rng = new Rng(seed);
  const labels = Array.from({ length: n }, () => rng.int(classes));
  const rows = Array.from({ length: n }, () => Array.from({ length: dim }, () => Math.fround(rng.uniform(-1, 1))));
  return { labels, rows };
}
