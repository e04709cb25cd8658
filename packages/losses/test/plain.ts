/**
 * Independent plain-array references (float64 loops over anchors, no
 * tensors) of every loss, written from the formulas. Used for values and,
 * through finite differences, for gradients.
 */
export type M = number[][];

export const dot = (a: number[], b: number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0);
const sq = (x: number): number => x * x;
const softplus = (x: number): number => (x > 30 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)));
/** log(1 + sum exp(xs)), stable. */
export function log1pSumExp(xs: number[]): number {
  const m = Math.max(0, ...xs);
  return m + Math.log(Math.exp(-m) + xs.reduce((s, x) => s + Math.exp(x - m), 0));
}
/** log(sum exp(xs)), stable; xs non-empty. */
function logSumExp(xs: number[]): number {
  const m = Math.max(...xs);
  return m + Math.log(xs.reduce((s, x) => s + Math.exp(x - m), 0));
}
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;
const variance = (xs: number[]): number => {
  const m = mean(xs);
  return mean(xs.map((x) => sq(x - m)));
};
const normalize = (v: number[]): number[] => {
  const n = Math.sqrt(Math.max(dot(v, v), 1e-12));
  return v.map((x) => x / n);
};

export function distance(name: string, a: number[], b: number[]): number {
  switch (name) {
    case 'cosine':
      return Math.max(1 - dot(a, b), 0);
    case 'euclidean': {
      const s = a.reduce((acc, x, i) => acc + sq(x - b[i]!), 0);
      return s < 1e-18 ? 0 : Math.sqrt(s);
    }
    case 'squared_euclidean':
    case 'sql2':
      return a.reduce((acc, x, i) => acc + sq(x - b[i]!), 0);
    case 'manhattan':
      return a.reduce((acc, x, i) => acc + Math.abs(x - b[i]!), 0);
    case 'inner_product':
      return dot(a, b);
    default:
      throw new Error(`no plain distance ${name}`);
  }
}

/** The Python library's masked max of one row: the largest selected value, else min(row) - 1e-6 at index 0. */
function maskedMax(row: number[], mask: boolean[]): { value: number; index: number } {
  let index = -1;
  row.forEach((v, j) => {
    if (mask[j] && (index < 0 || v > row[index]!)) index = j;
  });
  return index < 0 ? { value: Math.min(...row) - 1e-6, index: 0 } : { value: row[index]!, index };
}

function maskedMin(row: number[], mask: boolean[]): { value: number; index: number } {
  let index = -1;
  row.forEach((v, j) => {
    if (mask[j] && (index < 0 || v < row[index]!)) index = j;
  });
  return index < 0 ? { value: Math.max(...row) + 1e-6, index: 0 } : { value: row[index]!, index };
}

export interface Batch {
  labels: number[];
  embeddings: M;
  keyLabels?: number[];
  keyEmbeddings?: M;
}

interface Pairs {
  d: M;
  pos: boolean[][];
  neg: boolean[][];
  keys: M;
}

function pairs(b: Batch, distanceName: string): Pairs {
  const keys = b.keyEmbeddings ?? b.embeddings;
  const keyLabels = b.keyLabels ?? b.labels;
  const d = b.embeddings.map((q) => keys.map((k) => distance(distanceName, q, k)));
  const pos = b.labels.map((y, i) => keyLabels.map((ky, j) => y === ky && i !== j));
  const neg = b.labels.map((y) => keyLabels.map((ky) => y !== ky));
  return { d, pos, neg, keys };
}

export interface TripletOptions {
  distance?: string;
  positiveMiningStrategy?: 'hard' | 'easy';
  negativeMiningStrategy?: 'hard' | 'semi-hard' | 'easy';
  margin?: number | null;
}

function mine(p: Pairs, i: number, o: TripletOptions) {
  const row = p.d[i]!;
  const positive = (o.positiveMiningStrategy ?? 'hard') === 'hard' ? maskedMax(row, p.pos[i]!) : maskedMin(row, p.pos[i]!);
  const strategy = o.negativeMiningStrategy ?? 'semi-hard';
  let negative;
  if (strategy === 'hard') negative = maskedMin(row, p.neg[i]!);
  else if (strategy === 'easy') negative = maskedMax(row, p.neg[i]!);
  else {
    const maxPositive = maskedMax(row, p.pos[i]!).value;
    const farthest = maskedMax(row, p.neg[i]!).index;
    // Element by element, as the Python library: negatives beyond the
    // farthest positive, and the farthest negative where not beyond.
    const mask = row.map((v, j) => (v > maxPositive ? p.neg[i]![j]! : j === farthest));
    negative = maskedMin(row, mask);
  }
  return { positive, negative };
}

const marginLoss = (dp: number, dn: number, margin: number | null | undefined): number =>
  margin == null ? softplus(dp - dn) : Math.max(dp - dn + margin, 0);

export function triplet(b: Batch, o: TripletOptions = {}): number[] {
  const p = pairs(b, o.distance ?? 'cosine');
  return b.labels.map((_, i) => {
    const { positive, negative } = mine(p, i, o);
    return marginLoss(positive.value, negative.value, o.margin);
  });
}

export function pn(b: Batch, o: TripletOptions = {}): number[] {
  const name = o.distance ?? 'cosine';
  const p = pairs(b, name);
  return b.labels.map((_, i) => {
    const { positive, negative } = mine(p, i, o);
    const between = distance(name, p.keys[positive.index]!, p.keys[negative.index]!);
    return marginLoss(positive.value, Math.min(between, negative.value), o.margin);
  });
}

export function multiSimilarity(
  b: Batch,
  o: { distance?: string; alpha?: number; beta?: number; epsilon?: number; lmda?: number; center?: number } = {},
): number[] {
  const { alpha = 2, beta = 40, epsilon = 0.1, lmda = 0.5, center = 1 } = o;
  const p = pairs(b, o.distance ?? 'cosine');
  return b.labels.map((_, i) => {
    const row = p.d[i]!;
    const closestNegative = maskedMin(row, p.neg[i]!).value - epsilon;
    const farthestPositive = maskedMax(row, p.pos[i]!).value + epsilon;
    const posTerms: number[] = [];
    const negTerms: number[] = [];
    row.forEach((v, j) => {
      if (p.pos[i]![j] && v > closestNegative) posTerms.push(alpha * (v + lmda - center));
      if (p.neg[i]![j] && v < farthestPositive) negTerms.push(-beta * (v + lmda - center));
    });
    if (posTerms.length === 0 || negTerms.length === 0) return 0;
    return log1pSumExp(posTerms) / alpha + log1pSumExp(negTerms) / beta;
  });
}

export function circle(b: Batch, o: { distance?: string; gamma?: number; margin?: number } = {}): number[] {
  const { gamma = 80, margin = 0.4 } = o;
  const p = pairs(b, o.distance ?? 'cosine');
  return b.labels.map((_, i) => {
    if (!p.pos[i]!.some(Boolean) || !p.neg[i]!.some(Boolean)) return 0;
    const posTerms: number[] = [];
    const negTerms: number[] = [];
    p.d[i]!.forEach((v, j) => {
      if (p.pos[i]![j]) posTerms.push(-gamma * Math.max(margin + v, 0) * (margin - v));
      if (p.neg[i]![j]) negTerms.push(gamma * Math.max(1 + margin - v, 0) * (1 - margin - v));
    });
    return log1pSumExp(posTerms) + log1pSumExp(negTerms);
  });
}

export function softNearestNeighbor(b: Batch, o: { distance?: string; temperature?: number } = {}): number[] {
  const t = o.temperature ?? 1;
  const p = pairs(b, o.distance ?? 'sql2');
  return b.labels.map((_, i) => {
    let all = 0;
    let same = 0;
    p.d[i]!.forEach((v, j) => {
      if (j === i) return;
      const w = Math.exp(-v / t);
      all += w;
      if (p.pos[i]![j]) same += w;
    });
    return p.pos[i]!.some(Boolean) ? -Math.log(1e-9 + same / all) : 0;
  });
}

export function liftedStruct(b: Batch, o: { distance?: string; positiveMiningStrategy?: 'hard' | 'easy'; margin?: number } = {}): number[] {
  const margin = o.margin ?? 1;
  const p = pairs(b, o.distance ?? 'cosine');
  const mined = b.labels.map((_, i) =>
    (o.positiveMiningStrategy ?? 'hard') === 'hard' ? maskedMax(p.d[i]!, p.pos[i]!) : maskedMin(p.d[i]!, p.pos[i]!),
  );
  return b.labels.map((_, i) => {
    const terms: number[] = [];
    p.d[i]!.forEach((v, k) => {
      if (p.neg[i]![k]) terms.push(margin - v);
    });
    // The Python library's second sum: column k holds d[i][positive index of anchor k].
    mined.forEach((m) => {
      if (p.neg[i]![m.index]) terms.push(margin - p.d[i]![m.index]!);
    });
    return (log1pSumExp(terms) + mined[i]!.value) / 2;
  });
}

export function multiNegativesRank(queries: M, keys: M, scale = 20): number[] {
  return queries.map((q, i) => {
    const s = keys.map((k) => scale * dot(q, k));
    return -s[i]! + log1pSumExp(s);
  });
}

export function simclr(za: M, zb: M, temperature = 0.05): number[] {
  const a = za.map(normalize);
  const bb = zb.map(normalize);
  const contrast = (h1: M, h2: M, i: number): number => {
    const logits = [...h2.map((v) => dot(h1[i]!, v) / temperature), ...h1.map((v, j) => (j === i ? -1e9 : dot(h1[i]!, v) / temperature))];
    return logSumExp(logits) - logits[i]!;
  };
  return a.map((_, i) => contrast(a, bb, i) + contrast(bb, a, i));
}

export function simsiam(projector: M, predictor: M, projectionType = 'negative_cosine_sim', margin = 0.001): number[] {
  return projector.map((z, i) => {
    const s = dot(normalize(z), normalize(predictor[i]!));
    const projected = projectionType === 'negative_cosine_sim' ? -s : projectionType === 'cosine_distance' ? 1 - s : Math.acos(s) / Math.PI;
    return 0.5 * projected + margin;
  });
}

const column = (m: M, j: number): number[] => m.map((r) => r[j]!);

export function barlow(za: M, zb: M, lambda = 5e-3, margin = 1e-12): number {
  const n = za.length;
  const f = za[0]!.length;
  const standardize = (m: M): M => {
    const stats = Array.from({ length: f }, (_, j) => ({ mu: mean(column(m, j)), sd: Math.sqrt(variance(column(m, j))) }));
    return m.map((r) => r.map((x, j) => (stats[j]!.sd === 0 ? 0 : (x - stats[j]!.mu) / stats[j]!.sd)));
  };
  const a = standardize(za);
  const bb = standardize(zb);
  let on = 0;
  let off = 0;
  for (let i = 0; i < f; i++) {
    for (let j = 0; j < f; j++) {
      const c = a.reduce((s, r, k) => s + r[i]! * bb[k]![j]!, 0) / n;
      if (i === j) on += sq(1 - c);
      else off += sq(c);
    }
  }
  return off * lambda + on + margin;
}

export function vicreg(za: M, zb: M, o: { stdConst?: number; lambda?: number; mu?: number; nu?: number } = {}): number[] {
  const { stdConst = 1e-4, lambda = 25, mu = 25, nu = 1 } = o;
  const n = za.length;
  const f = za[0]!.length;
  const varianceTerm = (m: M): number =>
    mean(Array.from({ length: f }, (_, j) => Math.max(0, 1 - Math.sqrt(variance(column(m, j)) + stdConst))));
  const covarianceTerm = (m: M): number => {
    const mus = Array.from({ length: f }, (_, j) => mean(column(m, j)));
    let s = 0;
    for (let i = 0; i < f; i++) {
      for (let j = 0; j < f; j++) {
        if (i === j) continue;
        const c = m.reduce((acc, r) => acc + (r[i]! - mus[i]!) * (r[j]! - mus[j]!), 0) / (n - 1);
        s += sq(c);
      }
    }
    return s / f;
  };
  const shared = (mu * (varianceTerm(za) + varianceTerm(zb))) / 2 + nu * (covarianceTerm(za) + covarianceTerm(zb));
  return za.map((r, i) => lambda * mean(r.map((x, j) => sq(x - zb[i]![j]!))) + shared);
}

/** Scores for the pytorch-metric-learning losses: normalised dot for cosine, the similarity, or minus the distance. */
function score(name: string, a: number[], b: number[]): number {
  if (name === 'cosine') return dot(normalize(a), normalize(b));
  if (name === 'inner_product') return dot(a, b);
  return -distance(name, a, b);
}

export function supCon(b: Batch, o: { distance?: string; temperature?: number } = {}): number[] {
  const name = o.distance ?? 'cosine';
  const t = o.temperature ?? 0.1;
  const n = b.labels.length;
  const posPairs = b.labels.reduce((s, y, i) => s + b.labels.filter((z, j) => z === y && j !== i).length, 0);
  const negPairs = b.labels.reduce((s, y) => s + b.labels.filter((z) => z !== y).length, 0);
  if (posPairs === 0 || negPairs === 0 || (posPairs <= 1 && negPairs <= 1)) return new Array(n).fill(0);
  return b.labels.map((y, i) => {
    const s = b.embeddings.map((e) => score(name, b.embeddings[i]!, e) / t);
    const others = s.filter((_, j) => j !== i);
    const denominator = logSumExp(others);
    const positives = s.filter((_, j) => j !== i && b.labels[j] === y);
    if (positives.length === 0) return 0;
    return -mean(positives.map((v) => v - denominator));
  });
}

/** The contrastive loss of a batch (not per example). */
export function contrastive(b: Batch, o: { distance?: string; positiveMargin?: number; negativeMargin?: number } = {}): number {
  const name = o.distance ?? 'euclidean';
  const mp = o.positiveMargin ?? 0;
  const mn = o.negativeMargin ?? 1;
  const similarity = name === 'inner_product';
  const posLosses: number[] = [];
  const negLosses: number[] = [];
  b.labels.forEach((y, i) =>
    b.labels.forEach((z, j) => {
      if (i === j) return;
      const d = distance(name, b.embeddings[i]!, b.embeddings[j]!);
      if (y === z) posLosses.push(Math.max(similarity ? mp - d : d - mp, 0));
      else negLosses.push(Math.max(similarity ? d - mn : mn - d, 0));
    }),
  );
  if (posLosses.length <= 1 && negLosses.length <= 1) return 0;
  const meanNonZero = (xs: number[]): number => {
    const nz = xs.filter((x) => x > 0);
    return nz.length ? mean(nz) : 0;
  };
  return meanNonZero(posLosses) + meanNonZero(negLosses);
}

export function proxyAnchor(labels: number[], embeddings: M, proxies: M, margin = 0.1, alpha = 32): number {
  let positive = 0;
  let negative = 0;
  let withPositives = 0;
  proxies.forEach((p, c) => {
    const s = embeddings.map((e) => dot(normalize(e), normalize(p)));
    const pos = s.filter((_, i) => labels[i] === c).map((v) => alpha * (margin - v));
    const neg = s.filter((_, i) => labels[i] !== c).map((v) => alpha * (v + margin));
    if (pos.length > 0) {
      withPositives += 1;
      positive += log1pSumExp(pos);
    }
    if (neg.length > 0) negative += log1pSumExp(neg);
  });
  return positive / withPositives + negative / proxies.length;
}

export function arcFace(labels: number[], embeddings: M, centres: M, margin = 0.5, scale = 64): number[] {
  return embeddings.map((e, i) => {
    const cosines = centres.map((c) => dot(normalize(e), normalize(c)));
    const y = labels[i]!;
    const theta = Math.acos(Math.min(1, Math.max(-1, cosines[y]!)));
    const target = theta <= Math.PI - margin ? Math.cos(theta + margin) : Math.cos(theta) - margin * Math.sin(margin);
    const logits = cosines.map((c, j) => scale * (j === y ? target : c));
    return logSumExp(logits) - logits[y]!;
  });
}
