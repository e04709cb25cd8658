import { Rng } from '@tfsim/utils';

/** L2-normalised rows (cosine distance expects unit vectors). */
export function normalise(rows: number[][]): number[][] {
  return rows.map((r) => {
    const n = Math.hypot(...r) || 1;
    return r.map((v) => v / n);
  });
}

/** `n` unit vectors in `dim` dimensions around `classes` random centres, with labels. */
export function clusters(seed: number, n: number, dim: number, classes: number, spread = 0.3) {
  const rng = new Rng(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: dim }, () => rng.normal()));
  const labels = Array.from({ length: n }, () => rng.int(classes));
  const rows = labels.map((c) => centres[c]!.map((v) => v + spread * rng.normal()));
  const embeddings = normalise(rows);
  const data = labels.map((c, i) => ({ i, tag: `item-${i}`, c }));
  return { embeddings, labels, data, centres: normalise(centres) };
}

/** Same rows as one Float32Array matrix. */
export function asMatrix(rows: number[][]) {
  const cols = rows[0]!.length;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => data.set(r, i * cols));
  return { data, rows: rows.length, cols };
}
