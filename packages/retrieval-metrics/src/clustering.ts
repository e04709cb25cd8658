/**
 * NMI / AMI of embeddings against their labels, the way pytorch-metric-learning's
 * AccuracyCalculator reports them: k-means of the embeddings into as many
 * clusters as there are distinct labels, then scikit-learn's scores of the
 * labels against the clusters. k-means here is seeded (k-means++ start, then
 * Lloyd's iterations), so a run is reproducible; PML uses faiss' k-means,
 * whose clusters may differ where the data has no clear partition.
 */
import { type Matrix, type MatrixLike, Rng, ShapeError, toMatrix, ValueError } from '@tfsim/utils/core';

import { adjustedMutualInfoScore, type MutualInfoOptions, normalizedMutualInfoScore } from './mutual-info';

export interface KMeansOptions {
  /** Seed of the k-means++ start. Default 0. */
  seed?: number;
  /** Most Lloyd iterations per run (faiss' default). Default 25. */
  maxIter?: number;
  /** Runs from different starts; the one with the smallest inertia wins. Default 1. */
  nInit?: number;
}

export interface KMeansResult {
  /** Cluster of each row, in [0, k). */
  labels: Int32Array;
  /** `[k x dim]` centroids, row-major. */
  centroids: Float64Array;
  /** Sum of squared distances of the rows to their centroids. */
  inertia: number;
}

function squaredDistance(m: Matrix, row: number, centroids: Float64Array, c: number): number {
  let s = 0;
  for (let j = 0; j < m.cols; j++) {
    const d = m.data[row * m.cols + j]! - centroids[c * m.cols + j]!;
    s += d * d;
  }
  return s;
}

/** k-means++: each next centre drawn with probability proportional to the squared distance to the nearest chosen one. */
function kMeansPlusPlus(m: Matrix, k: number, rng: Rng): Float64Array {
  const centroids = new Float64Array(k * m.cols);
  const take = (c: number, row: number) => {
    for (let j = 0; j < m.cols; j++) centroids[c * m.cols + j] = m.data[row * m.cols + j]!;
  };
  take(0, rng.int(m.rows));
  const nearest = new Float64Array(m.rows).fill(Infinity);
  for (let c = 1; c < k; c++) {
    let total = 0;
    for (let i = 0; i < m.rows; i++) {
      nearest[i] = Math.min(nearest[i]!, squaredDistance(m, i, centroids, c - 1));
      total += nearest[i]!;
    }
    // All remaining rows coincide with a centre: any row will do.
    let pick = total > 0 ? rng.next() * total : -1;
    let row = 0;
    if (pick < 0) row = rng.int(m.rows);
    else for (; row < m.rows - 1 && (pick -= nearest[row]!) >= 0; row++);
    take(c, row);
  }
  return centroids;
}

function lloyd(m: Matrix, centroids: Float64Array, k: number, maxIter: number): KMeansResult {
  const labels = new Int32Array(m.rows).fill(-1);
  const assign = (): { changed: boolean; inertia: number } => {
    let changed = false;
    let inertia = 0;
    for (let i = 0; i < m.rows; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        const d = squaredDistance(m, i, centroids, c);
        if (d < bestDistance) [best, bestDistance] = [c, d];
      }
      if (labels[i] !== best) [labels[i], changed] = [best, true];
      inertia += bestDistance;
    }
    return { changed, inertia };
  };
  let { inertia } = assign();
  for (let iter = 0; iter < maxIter; iter++) {
    const sums = new Float64Array(k * m.cols);
    const counts = new Float64Array(k);
    for (let i = 0; i < m.rows; i++) {
      counts[labels[i]!]! += 1;
      for (let j = 0; j < m.cols; j++) sums[labels[i]! * m.cols + j]! += m.data[i * m.cols + j]!;
    }
    for (let c = 0; c < k; c++) {
      // An empty cluster keeps its centre (it may win rows back next round).
      if (counts[c] === 0) continue;
      for (let j = 0; j < m.cols; j++) centroids[c * m.cols + j] = sums[c * m.cols + j]! / counts[c]!;
    }
    const step = assign();
    inertia = step.inertia;
    if (!step.changed) break;
  }
  return { labels, centroids, inertia };
}

function positiveInteger(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ValueError(`${what} must be an integer >= 1, got ${String(value)}`);
  }
  return value;
}

/** Seeded k-means of the rows into `k` clusters. */
export function kMeans(embeddings: MatrixLike, k: number, options: KMeansOptions = {}): KMeansResult {
  const m = toMatrix(embeddings, { name: 'embeddings' });
  positiveInteger(k, 'k');
  if (k > m.rows) throw new ValueError(`k = ${k} clusters is more than the ${m.rows} rows`);
  const maxIter = positiveInteger(options.maxIter ?? 25, 'maxIter');
  const nInit = positiveInteger(options.nInit ?? 1, 'nInit');
  const rng = new Rng(options.seed ?? 0);
  let best: KMeansResult | undefined;
  for (let run = 0; run < nInit; run++) {
    const result = lloyd(m, kMeansPlusPlus(m, k, rng), k, maxIter);
    if (best === undefined || result.inertia < best.inertia) best = result;
  }
  return best!;
}

export interface ClusteringScores {
  nmi: number;
  ami: number;
  /** The k-means cluster of each row. */
  clusterLabels: Int32Array;
}

/**
 * NMI and AMI of `labels` against a k-means clustering of `embeddings` into
 * as many clusters as there are distinct labels (PML's AccuracyCalculator).
 */
export function clusteringScores(
  embeddings: MatrixLike,
  labels: ArrayLike<number | string>,
  options: KMeansOptions & MutualInfoOptions = {},
): ClusteringScores {
  const m = toMatrix(embeddings, { name: 'embeddings' });
  if (labels == null || labels.length !== m.rows) {
    throw new ShapeError(`labels has ${labels?.length} entries but the embeddings have ${m.rows} rows`);
  }
  const k = new Set(Array.from(labels)).size;
  const clusterLabels = kMeans(m, k, options).labels;
  return {
    nmi: normalizedMutualInfoScore(labels, clusterLabels, options),
    ami: adjustedMutualInfoScore(labels, clusterLabels, options),
    clusterLabels,
  };
}
