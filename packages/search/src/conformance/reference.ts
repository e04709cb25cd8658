/** The suite's own brute-force reference: float64 loops, independent of @tfsim/distances. */
import assert from 'node:assert/strict';

import { type Matrix, Rng } from '@tfsim/utils/core';

import type { Neighbors } from '../search';

type Reference = (q: Float32Array, k: Float32Array) => number;

function sum(n: number, f: (i: number) => number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += f(i);
  return s;
}

function variance(n: number, f: (i: number) => number): number {
  const mean = sum(n, f) / n;
  return sum(n, (i) => (f(i) - mean) ** 2) / n;
}

/** Plain float64 loops, written from the definitions (the Python library's formulas). */
export const REFERENCE_DISTANCES: Record<string, Reference> = {
  inner_product: (q, k) => sum(q.length, (i) => q[i]! * k[i]!),
  cosine: (q, k) => Math.max(1 - sum(q.length, (i) => q[i]! * k[i]!), 0),
  euclidean: (q, k) => {
    const s = sum(q.length, (i) => (q[i]! - k[i]!) ** 2);
    return s >= 1e-18 ? Math.sqrt(s) : 0;
  },
  squared_euclidean: (q, k) => sum(q.length, (i) => (q[i]! - k[i]!) ** 2),
  manhattan: (q, k) => sum(q.length, (i) => Math.abs(q[i]! - k[i]!)),
  snr: (q, k) => variance(q.length, (i) => q[i]! - k[i]!) / variance(q.length, (i) => q[i]!),
};

/** Distances where larger is closer. */
export const SIMILARITIES = new Set(['inner_product']);

/** Seeded test rows; unit length for cosine, which expects normalised embeddings. */
export function makeRows(n: number, dim: number, seed: number, distance: string): Float32Array[] {
  const rng = new Rng(seed);
  // Clustered data, as embeddings are: approximate indexes are judged on the data they are built for.
  const centers = Array.from({ length: 12 }, () => Float32Array.from({ length: dim }, () => rng.normal()));
  return Array.from({ length: n }, () => {
    const c = centers[rng.int(centers.length)]!;
    const row = Float32Array.from({ length: dim }, (_, j) => c[j]! + 0.6 * rng.normal());
    if (distance === 'cosine') {
      const norm = Math.hypot(...row);
      for (let j = 0; j < dim; j++) row[j] = row[j]! / norm;
    }
    return row;
  });
}

export function matrixOf(rows: Float32Array[]): Matrix {
  const cols = rows[0]?.length ?? 0;
  const data = new Float32Array(rows.length * cols);
  rows.forEach((r, i) => data.set(r, i * cols));
  return { data, rows: rows.length, cols };
}

/** Brute force: every distance in float64, rounded to float32, sorted (value, id). */
export function bruteForce(distance: string, keys: Float32Array[], ids: number[], query: Float32Array, k: number): Neighbors {
  const f = REFERENCE_DISTANCES[distance];
  assert.ok(f, `the suite has no reference for distance "${distance}"`);
  const values = keys.map((key) => Math.fround(f(query, key)));
  const sign = SIMILARITIES.has(distance) ? -1 : 1;
  const order = keys.map((_, i) => i).sort((a, b) => sign * (values[a]! - values[b]!) || ids[a]! - ids[b]!);
  const top = order.slice(0, k);
  return { ids: Int32Array.from(top, (i) => ids[i]!), distances: Float32Array.from(top, (i) => values[i]!) };
}

export function close(actual: number, expected: number, rtol: number, what: string): void {
  const tol = rtol * Math.max(1, Math.abs(expected));
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: got ${actual}, expected ${expected} (tolerance ${tol})`);
}

export function checkSorted(n: Neighbors, similarity: boolean, what: string): void {
  for (let i = 1; i < n.ids.length; i++) {
    const a = n.distances[i - 1]!;
    const b = n.distances[i]!;
    const ordered = similarity ? a > b || (a === b && n.ids[i - 1]! < n.ids[i]!) : a < b || (a === b && n.ids[i - 1]! < n.ids[i]!);
    assert.ok(ordered, `${what}: results not sorted at ${i}: (${n.ids[i - 1]}, ${a}) before (${n.ids[i]}, ${b})`);
  }
}
