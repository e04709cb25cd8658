/**
 * Agreement between two labellings of the same items (classes and
 * clusters), as scikit-learn computes it: mutual information, normalised
 * mutual information (NMI) and mutual information adjusted for chance
 * (AMI). pytorch-metric-learning reports NMI and AMI of the query labels
 * against a k-means clustering of the query embeddings (see `clusteringScores`).
 * Natural logarithms; labels are any numbers or strings (compared by value).
 */
import { ShapeError, ValueError } from '@tfsim/utils/core';

/** How NMI and AMI normalise: the generalised mean of the two entropies. */
export const AVERAGE_METHODS = ['min', 'geometric', 'arithmetic', 'max'] as const;
export type AverageMethod = (typeof AVERAGE_METHODS)[number];

export interface MutualInfoOptions {
  /** Default 'arithmetic' (scikit-learn's since 0.22). */
  averageMethod?: AverageMethod;
}

type LabelValue = number | string;
/** One labelling of the samples: a label (number or string) per sample. */
type Labelling = ArrayLike<LabelValue>;

interface Contingency {
  /** Items in (class i, cluster j), row-major `[classes x clusters]`. */
  counts: Float64Array;
  classSizes: Float64Array;
  clusterSizes: Float64Array;
  n: number;
}

function codes(labels: Labelling, what: string): { codes: Int32Array; distinct: number } {
  const ids = new Map<LabelValue, number>();
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (typeof v === 'number' ? !Number.isFinite(v) : typeof v !== 'string') {
      throw new ValueError(`${what}[${i}] must be a finite number or a string, got ${String(v)}`);
    }
    let id = ids.get(v);
    if (id === undefined) ids.set(v, (id = ids.size));
    out[i] = id;
  }
  return { codes: out, distinct: ids.size };
}

function contingency(labelsTrue: Labelling, labelsPred: Labelling): Contingency {
  if (labelsTrue == null || labelsPred == null || typeof labelsTrue.length !== 'number' || typeof labelsPred.length !== 'number') {
    throw new ShapeError('labelsTrue and labelsPred must be arrays of labels');
  }
  if (labelsTrue.length !== labelsPred.length) {
    throw new ShapeError(`labelsTrue has ${labelsTrue.length} labels but labelsPred has ${labelsPred.length}`);
  }
  const t = codes(labelsTrue, 'labelsTrue');
  const p = codes(labelsPred, 'labelsPred');
  const counts = new Float64Array(t.distinct * p.distinct);
  const classSizes = new Float64Array(t.distinct);
  const clusterSizes = new Float64Array(p.distinct);
  for (let i = 0; i < t.codes.length; i++) {
    counts[t.codes[i]! * p.distinct + p.codes[i]!]! += 1;
    classSizes[t.codes[i]!]! += 1;
    clusterSizes[p.codes[i]!]! += 1;
  }
  return { counts, classSizes, clusterSizes, n: t.codes.length };
}

function mutualInfo(c: Contingency): number {
  const cols = c.clusterSizes.length;
  let mi = 0;
  for (let i = 0; i < c.classSizes.length; i++) {
    for (let j = 0; j < cols; j++) {
      const nij = c.counts[i * cols + j]!;
      if (nij === 0) continue;
      const term = (nij / c.n) * (Math.log(nij) + Math.log(c.n) - Math.log(c.classSizes[i]!) - Math.log(c.clusterSizes[j]!));
      // Terms that are rounding noise count as 0, and the sum is clipped at
      // 0 (independent labellings): scikit-learn's, so that NMI's "MI = 0" test agrees.
      if (Math.abs(term) >= Number.EPSILON) mi += term;
    }
  }
  return Math.max(mi, 0);
}

function entropy(sizes: Float64Array, n: number): number {
  let h = 0;
  for (const a of sizes) if (a > 0) h -= (a / n) * Math.log(a / n);
  return h;
}

function generalizedAverage(u: number, v: number, method: AverageMethod): number {
  if (method === 'min') return Math.min(u, v);
  if (method === 'max') return Math.max(u, v);
  if (method === 'geometric') return Math.sqrt(u * v);
  return (u + v) / 2;
}

function averageMethod(options: MutualInfoOptions): AverageMethod {
  const method = options.averageMethod ?? 'arithmetic';
  if (!(AVERAGE_METHODS as readonly string[]).includes(method)) {
    throw new ValueError(
      `unknown averageMethod ${JSON.stringify(method)}; expected one of ${AVERAGE_METHODS.map((m) => `'${m}'`).join(', ')}`,
    );
  }
  return method;
}

/** Both labellings put everything in one group, or there is nothing: a perfect match by convention (scikit-learn's). */
function trivial(c: Contingency): boolean {
  const k = c.classSizes.length;
  return k === c.clusterSizes.length && (k === 0 || k === 1);
}

/** What NMI and AMI share: the contingency table, MI and the normaliser, or null for the trivial case. */
function scored(
  labelsTrue: Labelling,
  labelsPred: Labelling,
  options: MutualInfoOptions,
): { c: Contingency; mi: number; normalizer: number } | null {
  const method = averageMethod(options);
  const c = contingency(labelsTrue, labelsPred);
  if (trivial(c)) return null;
  const normalizer = generalizedAverage(entropy(c.classSizes, c.n), entropy(c.clusterSizes, c.n), method);
  return { c, mi: mutualInfo(c), normalizer };
}

/** Mutual information between two labellings (nats), scikit-learn's `mutual_info_score`. */
export function mutualInfoScore(labelsTrue: Labelling, labelsPred: Labelling): number {
  return mutualInfo(contingency(labelsTrue, labelsPred));
}

/** NMI: `MI / mean(H(true), H(pred))`, scikit-learn's `normalized_mutual_info_score`. */
export function normalizedMutualInfoScore(labelsTrue: Labelling, labelsPred: Labelling, options: MutualInfoOptions = {}): number {
  const s = scored(labelsTrue, labelsPred, options);
  if (s === null) return 1;
  return s.mi === 0 ? 0 : s.mi / s.normalizer;
}

/** `log(k!)` for k = 0..n. */
function logFactorials(n: number): Float64Array {
  const out = new Float64Array(n + 1);
  for (let k = 2; k <= n; k++) out[k] = out[k - 1]! + Math.log(k);
  return out;
}

/**
 * The expected mutual information of two random labellings with the given
 * class and cluster sizes (the hypergeometric model of Vinh et al. 2010).
 */
export function expectedMutualInfo(classSizes: ArrayLike<number>, clusterSizes: ArrayLike<number>, n: number): number {
  if (classSizes.length === 1 || clusterSizes.length === 1) return 0;
  const lf = logFactorials(n);
  const logN = Math.log(n);
  let emi = 0;
  for (let i = 0; i < classSizes.length; i++) {
    const a = classSizes[i]!;
    for (let j = 0; j < clusterSizes.length; j++) {
      const b = clusterSizes[j]!;
      for (let nij = Math.max(1, a + b - n); nij <= Math.min(a, b); nij++) {
        const logP = lf[a]! + lf[b]! + lf[n - a]! + lf[n - b]! - lf[n]! - lf[nij]! - lf[a - nij]! - lf[b - nij]! - lf[n - a - b + nij]!;
        emi += (nij / n) * (logN + Math.log(nij) - Math.log(a) - Math.log(b)) * Math.exp(logP);
      }
    }
  }
  return emi;
}

/** AMI: `(MI - E[MI]) / (mean(H(true), H(pred)) - E[MI])`, scikit-learn's `adjusted_mutual_info_score`. */
export function adjustedMutualInfoScore(labelsTrue: Labelling, labelsPred: Labelling, options: MutualInfoOptions = {}): number {
  const s = scored(labelsTrue, labelsPred, options);
  if (s === null) return 1;
  const { c, mi, normalizer } = s;
  // One side in a single group (the other split): no information, by convention 0.
  if (c.classSizes.length === 1 || c.clusterSizes.length === 1) return 0;
  const emi = expectedMutualInfo(c.classSizes, c.clusterSizes, c.n);
  // A perfect match can leave E[MI] a rounding above the normaliser: keep the
  // sign and stay away from 0 / 0, as scikit-learn does.
  let denominator = normalizer - emi;
  denominator = denominator < 0 ? Math.min(denominator, -Number.EPSILON) : Math.max(denominator, Number.EPSILON);
  return (mi - emi) / denominator;
}
