/**
 * The recipe of docs/migration.md that replaces TensorFlow Addons' triplet
 * losses (the Python library's issue #370), checked against an independent
 * float64 reimplementation of tfa's formulas (tfa cannot be installed next
 * to TensorFlow 2.21):
 *
 * - `tfa.losses.TripletSemiHardLoss(margin)`: over every anchor-positive pair
 *   (a, p), the negative n closest to a among those farther from a than p
 *   (strictly); when there is none, the farthest negative of a. The loss is
 *   the mean over the pairs of max(margin + d(a,p) - d(a,n), 0). Distance
 *   'L2' (euclidean, the default), 'squared-L2' or 'angular'.
 * - `tfa.losses.TripletHardLoss(margin, soft)`: per anchor, the farthest
 *   positive and the closest negative; mean of max(margin + dp - dn, 0), or of
 *   softplus(dp - dn) when soft.
 *
 * TripletLoss mines one positive per anchor and takes as semi-hard threshold
 * the anchor's farthest positive: with exactly two examples of each class in
 * the batch (one positive per anchor) that is tfa's semi-hard loss; with more,
 * tfa averages over every pair, and the two differ (checked below too).
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeak } from '@tfsim/test-utils';
import { Rng } from '@tfsim/utils';

import { TripletLoss } from '../src';
import * as plain from './plain';

type Metric = 'L2' | 'squared-L2';

function pdist(e: number[][], metric: Metric): number[][] {
  return e.map((a) =>
    e.map((b) => {
      const sq = Math.max(
        a.reduce((s, v, k) => s + (v - b[k]!) ** 2, 0),
        0,
      );
      return metric === 'L2' ? Math.sqrt(sq) : sq;
    }),
  );
}

/** tfa's TripletSemiHardLoss, in float64 loops over anchor-positive pairs. */
function tfaSemiHard(labels: number[], e: number[][], margin = 1, metric: Metric = 'L2'): number {
  const d = pdist(e, metric);
  let total = 0;
  let pairs = 0;
  for (let a = 0; a < labels.length; a++) {
    const negatives = d[a]!.filter((_, n) => labels[n] !== labels[a]);
    for (let p = 0; p < labels.length; p++) {
      if (p === a || labels[p] !== labels[a]) continue;
      const farther = negatives.filter((x) => x > d[a]![p]!);
      const dn = farther.length > 0 ? Math.min(...farther) : Math.max(...negatives);
      total += Math.max(margin + d[a]![p]! - dn, 0);
      pairs += 1;
    }
  }
  return total / pairs;
}

/** tfa's TripletHardLoss (batch-hard), in float64 loops over anchors. */
function tfaHard(labels: number[], e: number[][], margin = 1, soft = false, metric: Metric = 'L2'): number {
  const d = pdist(e, metric);
  const losses = labels.map((la, a) => {
    const dp = Math.max(...d[a]!.filter((_, j) => j !== a && labels[j] === la));
    const dn = Math.min(...d[a]!.filter((_, j) => labels[j] !== la));
    return soft ? Math.log1p(Math.exp(dp - dn)) : Math.max(margin + dp - dn, 0);
  });
  return losses.reduce((s, v) => s + v, 0) / losses.length;
}

/** `classes` classes of `perClass` examples each, near their class centre, float32-exact. */
function batch(rng: Rng, classes: number, perClass: number, dim: number, spread: number): { labels: number[]; embeddings: number[][] } {
  const centres = Array.from({ length: classes }, () => Array.from({ length: dim }, () => rng.normal()));
  const labels: number[] = [];
  const embeddings: number[][] = [];
  for (let c = 0; c < classes; c++) {
    for (let i = 0; i < perClass; i++) {
      labels.push(c);
      embeddings.push(centres[c]!.map((v) => Math.fround(v + spread * rng.normal())));
    }
  }
  return { labels, embeddings };
}

async function lossOf(loss: TripletLoss, labels: number[], embeddings: number[][]): Promise<number> {
  return expectNoLeak(async () => {
    const y = tf.tensor1d(labels, 'int32');
    const x = tf.tensor2d(embeddings);
    const value = loss.call(y, x) as tf.Scalar;
    const out = (await value.data())[0]!;
    tf.dispose([x, y, value]);
    return out;
  });
}

const SEMI_HARD = { distance: 'euclidean', positiveMiningStrategy: 'hard', negativeMiningStrategy: 'semi-hard', margin: 1 } as const;

describeEachBackend('the tfa.losses triplet recipes (Python #370)', ({ tol }) => {
  it('reproduces tfa semi-hard on a hand-worked batch', async () => {
    // 1-D points: class 0 at 0 and 1, class 1 at 1.5 and 4.
    // a=0 (p at 1): negatives at 1.5, 4; semi-hard 1.5: 1 + 1 - 1.5 = 0.5
    // a=1 (p at 0): negatives at 0.5, 3; both > 1? 3 only: 1 + 1 - 3 = -1 -> 0
    // a=1.5 (p at 4, d 2.5): negatives at 1.5, 0.5; none > 2.5: farthest 1.5: 1 + 2.5 - 1.5 = 2
    // a=4 (p at 1.5, d 2.5): negatives at 4, 3; semi-hard 3: 1 + 2.5 - 3 = 0.5
    const labels = [0, 0, 1, 1];
    const e = [[0], [1], [1.5], [4]];
    expect(tfaSemiHard(labels, e)).toBeCloseTo((0.5 + 0 + 2 + 0.5) / 4, 12);
    expect(await lossOf(new TripletLoss(SEMI_HARD), labels, e)).toBeCloseTo(0.75, 6);
  });

  it('equals tfa semi-hard (L2 and squared-L2) on seeded batches of two examples per class', async () => {
    const rng = new Rng(370);
    for (const [classes, dim, margin] of [
      [4, 8, 1],
      [8, 16, 0.5],
      [16, 4, 2],
    ] as const) {
      const { labels, embeddings } = batch(rng, classes, 2, dim, 0.8);
      const l2 = await lossOf(new TripletLoss({ ...SEMI_HARD, margin }), labels, embeddings);
      expect(Math.abs(l2 - tfaSemiHard(labels, embeddings, margin))).toBeLessThan(tol);
      const sq = await lossOf(new TripletLoss({ ...SEMI_HARD, margin, distance: 'squared_euclidean' }), labels, embeddings);
      expect(Math.abs(sq - tfaSemiHard(labels, embeddings, margin, 'squared-L2'))).toBeLessThan(tol * 10);
      // positive mining does not matter with one positive per anchor
      const easy = await lossOf(new TripletLoss({ ...SEMI_HARD, margin, positiveMiningStrategy: 'easy' }), labels, embeddings);
      expect(Math.abs(easy - l2)).toBeLessThan(tol);
      // and a non-trivial case: some triplets active, some not
      expect(l2).toBeGreaterThan(0);
    }
  });

  it('differs from tfa semi-hard with three examples per class, as the recipe says (tfa averages over every pair)', async () => {
    const { labels, embeddings } = batch(new Rng(371), 4, 3, 8, 0.8);
    const ours = await lossOf(new TripletLoss(SEMI_HARD), labels, embeddings);
    expect(Math.abs(ours - tfaSemiHard(labels, embeddings))).toBeGreaterThan(1e-3);
    // which our plain reference of TripletLoss (one positive per anchor) still matches
    const reference = plain.triplet({ labels, embeddings }, SEMI_HARD);
    expect(Math.abs(ours - reference.reduce((s, v) => s + v, 0) / reference.length)).toBeLessThan(tol);
  });

  it('equals tfa TripletHardLoss (hard margin and soft) for any number of examples per class', async () => {
    const rng = new Rng(372);
    for (const perClass of [2, 3, 5]) {
      const { labels, embeddings } = batch(rng, 4, perClass, 6, 0.9);
      const hard = await lossOf(
        new TripletLoss({ distance: 'euclidean', positiveMiningStrategy: 'hard', negativeMiningStrategy: 'hard', margin: 1 }),
        labels,
        embeddings,
      );
      expect(Math.abs(hard - tfaHard(labels, embeddings))).toBeLessThan(tol);
      const soft = await lossOf(
        new TripletLoss({ distance: 'euclidean', positiveMiningStrategy: 'hard', negativeMiningStrategy: 'hard' }),
        labels,
        embeddings,
      );
      expect(Math.abs(soft - tfaHard(labels, embeddings, 1, true))).toBeLessThan(tol);
    }
  });
});
