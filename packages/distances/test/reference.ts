/**
 * Independent plain-loop references (float64, no tensors) of every distance,
 * written from the formulas, for the tests to compare against.
 */
export type Rows = number[][];

function mean(xs: number[]): number {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

function variance(xs: number[]): number {
  const m = mean(xs);
  return xs.reduce((s, x) => s + (x - m) * (x - m), 0) / xs.length;
}

export const REFERENCE: Record<string, (q: number[], k: number[]) => number> = {
  inner_product: (q, k) => q.reduce((s, x, i) => s + x * k[i]!, 0),
  cosine: (q, k) => Math.max(0, 1 - q.reduce((s, x, i) => s + x * k[i]!, 0)),
  euclidean: (q, k) => {
    const s = q.reduce((acc, x, i) => acc + (x - k[i]!) ** 2, 0);
    return s < 1e-18 ? 0 : Math.sqrt(s);
  },
  squared_euclidean: (q, k) => q.reduce((acc, x, i) => acc + (x - k[i]!) ** 2, 0),
  manhattan: (q, k) => q.reduce((acc, x, i) => acc + Math.abs(x - k[i]!), 0),
  snr: (q, k) => variance(q.map((x, i) => x - k[i]!)) / variance(q),
};

export function referencePairwise(name: string, queries: Rows, keys: Rows): number[][] {
  const f = REFERENCE[name]!;
  return queries.map((q) => keys.map((k) => f(q, k)));
}

/** Rows of a flat row-major array. */
export function toRows(flat: ArrayLike<number>, rows: number, cols: number): Rows {
  const out: Rows = [];
  for (let i = 0; i < rows; i++) out.push(Array.from({ length: cols }, (_, j) => flat[i * cols + j]!));
  return out;
}
