/**
 * Every loss against an independent plain-array reference (test/plain.ts:
 * float64 loops over anchors, no tensor ops) on seeded random batches of
 * several sizes, with a class of a single example and a batch of a single
 * class; and the gradient of each loss w.r.t. the embeddings against central
 * finite differences of that reference. No tensors leak, forward or backward.
 */
import * as tf from '@tensorflow/tfjs-core';
import { autodiffGradient, describeEachBackend, expectClose, expectNoLeak, numericGradient } from '@tfsim/test-utils';
import { Rng } from '@tfsim/utils';

import type { Loss, MetricLoss } from '../src';
import * as losses from '../src';
import * as plain from './plain';

type M = plain.M;

/** Rows of norm 0.9 (so cosine's clip at 0 is never on the diagonal), float32-exact. */
function randomRows(rng: Rng, n: number, d: number, norm: number | null = 0.9): M {
  return Array.from({ length: n }, () => {
    const row = Array.from({ length: d }, () => rng.normal());
    const scale = norm === null ? 1 : norm / Math.sqrt(plain.dot(row, row));
    return row.map((x) => Math.fround(x * scale));
  });
}

const rng = new Rng(2024);
const BATCHES: { name: string; labels: number[]; embeddings: M }[] = [
  { name: 'pairs-5', labels: [0, 0, 1, 1, 1], embeddings: randomRows(rng, 5, 3) },
  { name: 'singleton-8', labels: [0, 0, 0, 1, 1, 2, 3, 3], embeddings: randomRows(rng, 8, 4) },
  { name: 'one-class-6', labels: [7, 7, 7, 7, 7, 7], embeddings: randomRows(rng, 6, 3) },
  { name: 'random-13', labels: Array.from({ length: 13 }, () => rng.int(4)), embeddings: randomRows(rng, 13, 5) },
];
/** Batches small enough for finite differences. */
const SMALL = BATCHES.slice(0, 2);

function flat(m: M): number[] {
  return m.flat();
}
function rows(x: ArrayLike<number>, n: number, d: number): M {
  return Array.from({ length: n }, (_, i) => Array.from({ length: d }, (_, j) => x[i * d + j]!));
}
const mean = (xs: number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

interface MetricEntry {
  title: string;
  make: () => MetricLoss;
  reference: (b: plain.Batch) => number[];
  /** Tolerances: values, gradients. */
  tol?: { atol: number; rtol: number };
  gradTol?: { atol: number; rtol: number };
}

const METRIC: MetricEntry[] = [
  {
    title: 'TripletLoss (defaults: cosine, hard/semi-hard, soft margin)',
    make: () => new losses.TripletLoss(),
    reference: (b) => plain.triplet(b),
  },
  {
    title: 'TripletLoss (easy/hard, margin 0.5, sql2)',
    make: () => new losses.TripletLoss({ distance: 'sql2', positiveMiningStrategy: 'easy', negativeMiningStrategy: 'hard', margin: 0.5 }),
    reference: (b) => plain.triplet(b, { distance: 'sql2', positiveMiningStrategy: 'easy', negativeMiningStrategy: 'hard', margin: 0.5 }),
  },
  {
    title: 'TripletLoss (hard/easy, margin 1, manhattan)',
    make: () => new losses.TripletLoss({ distance: 'l1', negativeMiningStrategy: 'easy', margin: 1 }),
    reference: (b) => plain.triplet(b, { distance: 'manhattan', negativeMiningStrategy: 'easy', margin: 1 }),
  },
  { title: 'PNLoss (defaults)', make: () => new losses.PNLoss(), reference: (b) => plain.pn(b) },
  {
    title: 'PNLoss (easy/hard, margin 1)',
    make: () => new losses.PNLoss({ positiveMiningStrategy: 'easy', negativeMiningStrategy: 'hard', margin: 1 }),
    reference: (b) => plain.pn(b, { positiveMiningStrategy: 'easy', negativeMiningStrategy: 'hard', margin: 1 }),
  },
  {
    title: 'MultiSimilarityLoss (defaults)',
    make: () => new losses.MultiSimilarityLoss(),
    reference: (b) => plain.multiSimilarity(b),
    gradTol: { atol: 2e-4, rtol: 2e-3 },
  },
  {
    title: 'CircleLoss (defaults: gamma 80)',
    make: () => new losses.CircleLoss(),
    reference: (b) => plain.circle(b),
    tol: { atol: 2e-5, rtol: 5e-5 },
    gradTol: { atol: 2e-3, rtol: 2e-3 },
  },
  {
    title: 'CircleLoss (gamma 16, margin 0.25)',
    make: () => new losses.CircleLoss({ gamma: 16, margin: 0.25 }),
    reference: (b) => plain.circle(b, { gamma: 16, margin: 0.25 }),
  },
  {
    title: 'SoftNearestNeighborLoss (defaults: sql2, T 1)',
    make: () => new losses.SoftNearestNeighborLoss(),
    reference: (b) => plain.softNearestNeighbor(b),
  },
  {
    title: 'SoftNearestNeighborLoss (cosine, T 0.3)',
    make: () => new losses.SoftNearestNeighborLoss({ distance: 'cosine', temperature: 0.3 }),
    reference: (b) => plain.softNearestNeighbor(b, { distance: 'cosine', temperature: 0.3 }),
  },
  { title: 'LiftedStructLoss (defaults)', make: () => new losses.LiftedStructLoss(), reference: (b) => plain.liftedStruct(b) },
  {
    title: 'LiftedStructLoss (easy, margin 0.5)',
    make: () => new losses.LiftedStructLoss({ positiveMiningStrategy: 'easy', margin: 0.5 }),
    reference: (b) => plain.liftedStruct(b, { positiveMiningStrategy: 'easy', margin: 0.5 }),
  },
  {
    title: 'SupConLoss (defaults: cosine, T 0.1)',
    make: () => new losses.SupConLoss(),
    reference: (b) => plain.supCon(b),
    gradTol: { atol: 2e-4, rtol: 2e-3 },
  },
  {
    title: 'SupConLoss (sql2, T 0.5)',
    make: () => new losses.SupConLoss({ distance: 'sql2', temperature: 0.5 }),
    reference: (b) => plain.supCon(b, { distance: 'sql2', temperature: 0.5 }),
  },
];

const DEFAULT_TOL = { atol: 2e-5, rtol: 2e-5 };
/** float32 autodiff against float64 central differences (eps 1e-6). */
const DEFAULT_GRAD_TOL = { atol: 1e-4, rtol: 1e-3 };

describeEachBackend('metric losses against plain references', () => {
  describe.each(METRIC.map((e) => [e.title, e] as const))('%s', (_title, entry) => {
    it.each(BATCHES.map((b) => [b.name, b] as const))('per-example values and mean on %s', async (_name, b) => {
      const loss = entry.make();
      const expected = entry.reference(b);
      const labels = tf.tensor1d(b.labels, 'int32');
      const embeddings = tf.tensor2d(b.embeddings);
      await expectNoLeak(() => {
        const per = loss.perExample(labels, embeddings);
        expect(per.shape).toEqual([b.labels.length]);
        expectClose(per, expected, entry.tol ?? DEFAULT_TOL);
        per.dispose();
        const value = loss.call(labels, embeddings);
        const reduced =
          loss instanceof losses.SupConLoss
            ? mean(expected.filter((v) => v > 0).concat(expected.every((v) => v <= 0) ? [0] : []))
            : mean(expected);
        expectClose(value, reduced, entry.tol ?? DEFAULT_TOL);
        value.dispose();
      });
      tf.dispose([labels, embeddings]);
    });

    it.each(SMALL.map((b) => [b.name, b] as const))('gradient w.r.t. the embeddings on %s', async (_name, b) => {
      const loss = entry.make();
      const [n, d] = [b.labels.length, b.embeddings[0]!.length];
      const reduce = (values: number[]) => (loss instanceof losses.SupConLoss ? mean(values.filter((v) => v > 0)) : mean(values));
      const numeric = numericGradient((x) => reduce(entry.reference({ labels: b.labels, embeddings: rows(x, n, d) })), flat(b.embeddings));
      const labels = tf.tensor1d(b.labels, 'int32');
      const embeddings = tf.tensor2d(b.embeddings);
      await expectNoLeak(() => {
        expectClose(
          autodiffGradient((x) => loss.call(labels, x), embeddings),
          numeric,
          entry.gradTol ?? DEFAULT_GRAD_TOL,
        );
      });
      tf.dispose([labels, embeddings]);
    });
  });

  it('ContrastiveLoss (defaults and a similarity) matches the plain pair-averaged loss, with its gradient', async () => {
    for (const options of [
      {},
      { distance: 'sql2', positiveMargin: 0.1, negativeMargin: 1.5 },
      { distance: 'inner_product', positiveMargin: 0.2, negativeMargin: -0.1 },
    ]) {
      const loss = new losses.ContrastiveLoss(options);
      const reference = (b: plain.Batch) => plain.contrastive(b, options);
      for (const b of BATCHES) {
        const labels = tf.tensor1d(b.labels, 'int32');
        const embeddings = tf.tensor2d(b.embeddings);
        await expectNoLeak(() => {
          const value = loss.call(labels, embeddings);
          expectClose(value, reference(b), DEFAULT_TOL);
          value.dispose();
          if (SMALL.includes(b)) {
            const [n, d] = [b.labels.length, b.embeddings[0]!.length];
            const numeric = numericGradient((x) => reference({ labels: b.labels, embeddings: rows(x, n, d) }), flat(b.embeddings));
            expectClose(
              autodiffGradient((x) => loss.call(labels, x), embeddings),
              numeric,
              DEFAULT_GRAD_TOL,
            );
          }
        });
        tf.dispose([labels, embeddings]);
      }
    }
  });

  it('metric losses compare queries with separate keys (keyLabels, keyEmbeddings)', async () => {
    const q = BATCHES[0]!;
    const k = BATCHES[1]!;
    const d = q.embeddings[0]!.length;
    const keys = randomRows(new Rng(3), 7, d);
    const keyLabels = [0, 1, 1, 0, 2, 1, 0];
    const batch: plain.Batch = { labels: q.labels, embeddings: q.embeddings, keyLabels, keyEmbeddings: keys };
    const labels = tf.tensor1d(q.labels);
    const embeddings = tf.tensor2d(q.embeddings);
    const keyTensor = tf.tensor2d(keys);
    await expectNoLeak(() => {
      for (const [loss, reference] of [
        [new losses.TripletLoss({ margin: 0.3 }), plain.triplet(batch, { margin: 0.3 })],
        [new losses.MultiSimilarityLoss(), plain.multiSimilarity(batch)],
        [new losses.CircleLoss({ gamma: 16 }), plain.circle(batch, { gamma: 16 })],
      ] as const) {
        const per = loss.perExample(labels, embeddings, { keyLabels, keyEmbeddings: keyTensor });
        expectClose(per, reference, DEFAULT_TOL);
        per.dispose();
      }
    });
    expect(k.labels.length).toBe(8);
    tf.dispose([labels, embeddings, keyTensor]);
  });
});

describeEachBackend('XBM against a plain cross-batch memory', () => {
  it('compares each batch with [batch; memory] and keeps memorySize rows after warm-up', async () => {
    const memorySize = 9;
    const warmupSteps = 1;
    const steps = [0, 1, 2, 3].map((s) => ({
      labels: Array.from({ length: 4 }, (_, i) => (s + i) % 3),
      embeddings: randomRows(new Rng(100 + s), 4, 3),
    }));
    const xbm = new losses.XBM(new losses.TripletLoss({ margin: 0.2 }), { memorySize, warmupSteps });
    let memLabels: number[] = [];
    let memEmbeddings: M = [];
    const before = tf.memory().numTensors;
    steps.forEach((step, s) => {
      const keyLabels = [...step.labels, ...memLabels].slice(0, memorySize);
      const keyEmbeddings = [...step.embeddings, ...memEmbeddings].slice(0, memorySize);
      const expected = mean(plain.triplet({ labels: step.labels, embeddings: step.embeddings, keyLabels, keyEmbeddings }, { margin: 0.2 }));
      const labels = tf.tensor1d(step.labels);
      const embeddings = tf.tensor2d(step.embeddings);
      const value = xbm.call(labels, embeddings);
      expectClose(value, expected, DEFAULT_TOL);
      tf.dispose([labels, embeddings, value]);
      if (s + 1 > warmupSteps) {
        memLabels = keyLabels;
        memEmbeddings = keyEmbeddings;
      }
      const memory = xbm.memory();
      expect(memory?.labels.arraySync() ?? []).toEqual(memLabels);
      if (memory) tf.dispose([memory.labels, memory.embeddings]);
    });
    expect(xbm.totalSteps).toBe(4);
    xbm.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('gradient w.r.t. the batch (the memory is a constant) matches central differences', async () => {
    const xbm = new losses.XBM(new losses.MultiSimilarityLoss(), { memorySize: 8 });
    const first = BATCHES[0]!;
    const l1 = tf.tensor1d(first.labels);
    const e1 = tf.tensor2d(first.embeddings);
    tf.dispose(xbm.call(l1, e1));
    const second = { labels: [1, 0, 2, 1], embeddings: randomRows(new Rng(5), 4, 3) };
    const keyLabels = [...second.labels, ...first.labels].slice(0, 8);
    const numeric = numericGradient((x) => {
      const e = rows(x, 4, 3);
      return mean(
        plain.multiSimilarity({ labels: second.labels, embeddings: e, keyLabels, keyEmbeddings: [...e, ...first.embeddings].slice(0, 8) }),
      );
    }, flat(second.embeddings));
    const l2 = tf.tensor1d(second.labels);
    const e2 = tf.tensor2d(second.embeddings);
    // Each call is a step; compare from the same memory state (warm-up 0: the
    // memory after the first call is the first batch).
    const g = autodiffGradient((x) => {
      const m = xbm.memory()!;
      const inner = new losses.MultiSimilarityLoss();
      const keys = tf.concat([x, m.embeddings]) as tf.Tensor2D;
      const keyL = tf.concat([l2, m.labels]);
      const v = tf.mean(
        inner.perExample(l2, x as tf.Tensor2D, { keyLabels: tf.slice(keyL, 0, 8), keyEmbeddings: tf.slice(keys, [0, 0], [8, -1]) }),
      );
      return v as tf.Scalar;
    }, e2);
    expectClose(g, numeric, DEFAULT_GRAD_TOL);
    // And through XBM itself (a second step from a fresh copy of the same state).
    const xbm2 = new losses.XBM(new losses.MultiSimilarityLoss(), { memorySize: 8 });
    tf.dispose(xbm2.call(l1, e1));
    expectClose(
      autodiffGradient((x) => xbm2.call(l2, x), e2),
      numeric,
      DEFAULT_GRAD_TOL,
    );
    xbm.dispose();
    xbm2.dispose();
    tf.dispose([l1, e1, l2, e2]);
  });
});

describeEachBackend('self-supervised and class-weight losses against plain references', () => {
  const views = [
    { za: randomRows(new Rng(8), 5, 4, null), zb: randomRows(new Rng(9), 5, 4, null) },
    { za: randomRows(new Rng(10), 7, 3, null), zb: randomRows(new Rng(11), 7, 3, null) },
  ];
  const entries: {
    title: string;
    loss: () => Loss;
    reference: (a: M, b: M) => number[] | number;
    gradTol?: { atol: number; rtol: number };
  }[] = [
    {
      title: 'SimCLRLoss (T 0.05)',
      loss: () => new losses.SimCLRLoss(),
      reference: (a, b) => plain.simclr(a, b),
      gradTol: { atol: 5e-4, rtol: 2e-3 },
    },
    { title: 'SimCLRLoss (T 0.5)', loss: () => new losses.SimCLRLoss({ temperature: 0.5 }), reference: (a, b) => plain.simclr(a, b, 0.5) },
    { title: 'SimSiamLoss (negative_cosine_sim)', loss: () => new losses.SimSiamLoss(), reference: (a, b) => plain.simsiam(a, b) },
    {
      title: 'SimSiamLoss (cosine_distance)',
      loss: () => new losses.SimSiamLoss({ projectionType: 'cosine_distance' }),
      reference: (a, b) => plain.simsiam(a, b, 'cosine_distance'),
    },
    {
      title: 'SimSiamLoss (angular_distance)',
      loss: () => new losses.SimSiamLoss({ projectionType: 'angular_distance', margin: 0 }),
      reference: (a, b) => plain.simsiam(a, b, 'angular_distance', 0),
    },
    { title: 'Barlow', loss: () => new losses.Barlow(), reference: (a, b) => plain.barlow(a, b) },
    { title: 'VicReg', loss: () => new losses.VicReg(), reference: (a, b) => plain.vicreg(a, b), gradTol: { atol: 5e-4, rtol: 2e-3 } },
  ];
  describe.each(entries.map((e) => [e.title, e] as const))('%s', (_t, entry) => {
    it.each(views.map((v, i) => [i, v] as const))('value and gradients, views %i', async (_i, v) => {
      const loss = entry.loss();
      const a = tf.tensor2d(v.za);
      const b = tf.tensor2d(v.zb);
      const [n, d] = [v.za.length, v.za[0]!.length];
      const reduced = (za: M, zb: M) => {
        const r = entry.reference(za, zb);
        return typeof r === 'number' ? r : mean(r);
      };
      await expectNoLeak(() => {
        const value = loss.call(a, b);
        expectClose(value, reduced(v.za, v.zb), DEFAULT_TOL);
        value.dispose();
        const ga = numericGradient((x) => reduced(rows(x, n, d), v.zb), flat(v.za));
        const gb = numericGradient((x) => reduced(v.za, rows(x, n, d)), flat(v.zb));
        expectClose(
          autodiffGradient((x) => loss.call(x, b), a),
          ga,
          entry.gradTol ?? DEFAULT_GRAD_TOL,
        );
        expectClose(
          autodiffGradient((x) => loss.call(a, x), b),
          gb,
          entry.gradTol ?? DEFAULT_GRAD_TOL,
        );
      });
      tf.dispose([a, b]);
    });
  });

  it('MultiNegativesRankLoss: values and gradients w.r.t. queries and keys', async () => {
    const q = randomRows(new Rng(12), 4, 3);
    const k = randomRows(new Rng(13), 6, 3);
    const loss = new losses.MultiNegativesRankLoss({ scale: 5 });
    const qt = tf.tensor2d(q);
    const kt = tf.tensor2d(k);
    await expectNoLeak(() => {
      const per = loss.perExample(qt, kt);
      expectClose(per, plain.multiNegativesRank(q, k, 5), DEFAULT_TOL);
      per.dispose();
      const gq = numericGradient((x) => mean(plain.multiNegativesRank(rows(x, 4, 3), k, 5)), flat(q));
      const gk = numericGradient((x) => mean(plain.multiNegativesRank(q, rows(x, 6, 3), 5)), flat(k));
      expectClose(
        autodiffGradient((x) => loss.call(x, kt), qt),
        gq,
        DEFAULT_GRAD_TOL,
      );
      expectClose(
        autodiffGradient((x) => loss.call(qt, x), kt),
        gk,
        DEFAULT_GRAD_TOL,
      );
    });
    tf.dispose([qt, kt]);
  });

  it.each([
    ['ArcFaceLoss', 0.5, 64],
    ['ArcFaceLoss', 0.3, 10],
    ['ProxyAnchorLoss', 0.1, 32],
    ['ProxyAnchorLoss', 0.2, 8],
  ] as const)('%s (margin %f, scale/alpha %f): value and gradients w.r.t. embeddings and class weights', async (name, margin, scale) => {
    for (const b of [BATCHES[0]!, BATCHES[1]!, { name: 'one-class', labels: [2, 2, 2], embeddings: randomRows(new Rng(14), 3, 3) }]) {
      const numClasses = Math.max(...b.labels) + 2;
      const d = b.embeddings[0]!.length;
      const centres = randomRows(new Rng(15 + numClasses), numClasses, d, null);
      const initialWeights = tf.tensor2d(centres);
      const loss =
        name === 'ArcFaceLoss'
          ? new losses.ArcFaceLoss({ numClasses, embeddingSize: d, margin, scale, initialWeights })
          : new losses.ProxyAnchorLoss({ numClasses, embeddingSize: d, margin, alpha: scale, initialWeights });
      initialWeights.dispose();
      const reference = (e: M, c: M): number =>
        name === 'ArcFaceLoss' ? mean(plain.arcFace(b.labels, e, c, margin, scale)) : plain.proxyAnchor(b.labels, e, c, margin, scale);
      const labels = tf.tensor1d(b.labels, 'int32');
      const embeddings = tf.tensor2d(b.embeddings);
      const n = b.labels.length;
      const tol = { atol: 1e-4, rtol: 1e-4 };
      const gradTol = { atol: 2e-3, rtol: 2e-3 };
      await expectNoLeak(() => {
        const value = loss.call(labels, embeddings);
        expectClose(value, reference(b.embeddings, centres), tol);
        value.dispose();
        const ge = numericGradient((x) => reference(rows(x, n, d), centres), flat(b.embeddings));
        expectClose(
          autodiffGradient((x) => loss.call(labels, x), embeddings),
          ge,
          gradTol,
        );
        const gc = numericGradient((x) => reference(b.embeddings, rows(x, numClasses, d)), flat(centres));
        const { value: v, grads } = tf.variableGrads(() => loss.call(labels, embeddings) as tf.Scalar, loss.trainableWeights);
        expectClose(grads[loss.trainableWeights[0]!.name]!, gc, gradTol);
        tf.dispose([v, ...Object.values(grads)]);
      });
      loss.dispose();
      tf.dispose([labels, embeddings]);
    }
  });
});
