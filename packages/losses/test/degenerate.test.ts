/**
 * Every loss on degenerate batches (one row, one class, no positive pair,
 * a constant column, zero embeddings, identical rows): a finite value, the
 * Python library's value where it has one, and a finite gradient that
 * matches finite differences wherever the loss is smooth.
 */
import * as tf from '@tensorflow/tfjs-core';
import { autodiffGradient, describeEachBackend, expectNoLeak, tensorNumericGradient } from '@tfsim/test-utils';

import type { Loss } from '../src';
import * as losses from '../src';

interface Batch {
  labels: number[];
  rows: number[][];
}

const BATCHES: Record<string, Batch> = {
  'one row': { labels: [0], rows: [[0.6, 0.8, 0.1]] },
  // Rows without ties among their distances: mining picks one pair, so the loss is smooth around them.
  'one class': {
    labels: [0, 0, 0, 0],
    rows: [
      [1, 0, 0.2],
      [0.7, 0.6, 0.1],
      [0, 1, 0.3],
      [0.5, 0.9, -0.2],
    ],
  },
  'no positive pair': {
    labels: [0, 1, 2, 3],
    rows: [
      [1, 0, 0.2],
      [0.7, 0.6, 0.1],
      [0, 1, 0.3],
      [0.5, 0.9, -0.2],
    ],
  },
  'a constant column': {
    labels: [0, 0, 1, 1],
    rows: [
      [1, 0, 0.5],
      [0.7, 0.6, 0.5],
      [0, 1, 0.5],
      [0.5, 0.9, 0.5],
    ],
  },
  'zero embeddings': {
    labels: [0, 0, 1, 1],
    rows: [
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
      [0, 0, 0],
    ],
  },
  'identical rows': {
    labels: [0, 0, 1, 1],
    rows: [
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
      [1, 2, 3],
    ],
  },
};

/** How a loss is called on a batch: over labels, or over two views (the second one a fixed shift of the first). */
type Kind = 'labels' | 'views';

interface Entry {
  make: () => Loss;
  kind: Kind;
  /** Stateful losses (XBM's memory) get a fresh instance per evaluation. */
  fresh?: boolean;
}

const LOSSES: Record<string, Entry> = {
  TripletLoss: { make: () => new losses.TripletLoss(), kind: 'labels' },
  PNLoss: { make: () => new losses.PNLoss(), kind: 'labels' },
  MultiSimilarityLoss: { make: () => new losses.MultiSimilarityLoss(), kind: 'labels' },
  CircleLoss: { make: () => new losses.CircleLoss(), kind: 'labels' },
  SoftNearestNeighborLoss: { make: () => new losses.SoftNearestNeighborLoss(), kind: 'labels' },
  LiftedStructLoss: { make: () => new losses.LiftedStructLoss(), kind: 'labels' },
  XBM: { make: () => new losses.XBM(new losses.TripletLoss(), { memorySize: 8 }), kind: 'labels', fresh: true },
  SupConLoss: { make: () => new losses.SupConLoss(), kind: 'labels' },
  ContrastiveLoss: { make: () => new losses.ContrastiveLoss(), kind: 'labels' },
  ArcFaceLoss: { make: () => new losses.ArcFaceLoss({ numClasses: 4, embeddingSize: 3 }), kind: 'labels' },
  ProxyAnchorLoss: { make: () => new losses.ProxyAnchorLoss({ numClasses: 4, embeddingSize: 3 }), kind: 'labels' },
  MultiNegativesRankLoss: { make: () => new losses.MultiNegativesRankLoss(), kind: 'views' },
  SimCLRLoss: { make: () => new losses.SimCLRLoss(), kind: 'views' },
  SimSiamLoss: { make: () => new losses.SimSiamLoss(), kind: 'views' },
  Barlow: { make: () => new losses.Barlow(), kind: 'views' },
  VicReg: { make: () => new losses.VicReg(), kind: 'views' },
  MinedLoss: { make: () => new losses.MinedLoss(new losses.TripletLoss(), new losses.BatchHardMiner()), kind: 'labels' },
  MultipleLosses: {
    make: () => new losses.MultipleLosses([new losses.TripletLoss(), new losses.MultiSimilarityLoss()], { weights: [1, 0.5] }),
    kind: 'labels',
  },
};

/** Our own errors where a loss has no meaning (the Python library divides by n - 1 = 0 there). */
const REJECTED: Record<string, Record<string, RegExp>> = {
  VicReg: { 'one row': /VicReg: needs a batch of at least 2 rows, got 1/ },
};

/**
 * The Python library's values where it returns one. A single row has no
 * positive and no negative: the masked max/min fall back to the row's own
 * distance -/+ 1e-6, so the triplet losses are softplus(-2e-6) ~ log 2.
 * Python's SoftNearestNeighborLoss returns NaN there (0 / 0 times its 0
 * mask): we return the 0 that its mask means.
 */
const EXPECTED: Record<string, Record<string, number>> = {
  TripletLoss: { 'one row': Math.log(2), 'zero embeddings': Math.log(2), 'identical rows': Math.log(2) },
  PNLoss: { 'one row': Math.log(2) },
  XBM: { 'one row': Math.log(2) },
  MultiSimilarityLoss: { 'one row': 0, 'one class': 0, 'no positive pair': 0 },
  CircleLoss: { 'one row': 0, 'one class': 0, 'no positive pair': 0 },
  SoftNearestNeighborLoss: { 'one row': 0, 'one class': 0, 'no positive pair': 0 },
  SupConLoss: { 'one row': 0, 'one class': 0, 'no positive pair': 0 },
  ContrastiveLoss: { 'one row': 0 },
};

/** Barlow Twins in plain numbers (population std, divide_no_nan), for the constant-column case. */
function barlowReference(za: number[][], zb: number[][], lambda = 5e-3, margin = 1e-12): number {
  const n = za.length;
  const d = za[0]!.length;
  const standardize = (z: number[][]) => {
    const out = z.map((r) => r.slice());
    for (let j = 0; j < d; j++) {
      const mean = z.reduce((s, r) => s + r[j]!, 0) / n;
      const std = Math.sqrt(z.reduce((s, r) => s + (r[j]! - mean) ** 2, 0) / n);
      for (let i = 0; i < n; i++) out[i]![j] = std === 0 ? 0 : (z[i]![j]! - mean) / std;
    }
    return out;
  };
  const a = standardize(za);
  const b = standardize(zb);
  let loss = margin;
  for (let p = 0; p < d; p++) {
    for (let q = 0; q < d; q++) {
      const c = a.reduce((s, r, i) => s + r[p]! * b[i]![q]!, 0) / n;
      loss += p === q ? (1 - c) ** 2 : lambda * c * c;
    }
  }
  return loss;
}

const SHIFT = [[0.05, -0.02, 0.0]];

describeEachBackend('losses on degenerate batches', ({ backend }) => {
  it('covers every loss of the registry', () => {
    expect(Object.keys(LOSSES).sort()).toEqual([...losses.lossNames()].sort());
  });

  it('ArcFace and ProxyAnchor with a single class (a one-hot of depth 1)', async () => {
    for (const make of [
      () => new losses.ArcFaceLoss({ numClasses: 1, embeddingSize: 3 }),
      () => new losses.ProxyAnchorLoss({ numClasses: 1, embeddingSize: 3 }),
    ]) {
      const loss = make();
      const x = tf.tensor2d(BATCHES['one class']!.rows);
      const labels = tf.tensor1d([0, 0, 0, 0], 'int32');
      const lossOf = (e: tf.Tensor) => loss.call(labels, e) as tf.Scalar;
      await expectNoLeak(() => {
        const value = tf.tidy(() => lossOf(x));
        expect(Number.isFinite(value.dataSync()[0])).toBe(true);
        value.dispose();
        expect(Array.from(autodiffGradient(lossOf, x)).every(Number.isFinite)).toBe(true);
      });
      tf.dispose([x, labels]);
      loss.dispose();
    }
  });

  for (const [lossName, entry] of Object.entries(LOSSES)) {
    describe(lossName, () => {
      let shared: Loss | undefined;
      beforeAll(() => {
        if (!entry.fresh) shared = entry.make();
      });
      afterAll(() => shared?.dispose());

      for (const [batchName, batch] of Object.entries(BATCHES)) {
        const lossOf = (x: tf.Tensor): tf.Scalar => {
          const loss = shared ?? entry.make();
          try {
            if (entry.kind === 'views') return loss.call(x, tf.add(x, tf.tile(tf.tensor2d(SHIFT), [x.shape[0]!, 1]))) as tf.Scalar;
            return loss.call(tf.tensor1d(batch.labels, 'int32'), x) as tf.Scalar;
          } finally {
            if (!shared) loss.dispose();
          }
        };
        const rejected = REJECTED[lossName]?.[batchName];

        it(`${batchName}: ${rejected ? 'our own error' : 'a finite value and a finite gradient, equal to finite differences where smooth'}`, async () => {
          const x = tf.tensor2d(batch.rows);
          try {
            if (rejected) {
              await expectNoLeak(() => expect(() => tf.tidy(() => lossOf(x))).toThrow(rejected));
              return;
            }
            const value = await expectNoLeak(() => {
              const v = tf.tidy(() => lossOf(x));
              const out = v.dataSync()[0]!;
              v.dispose();
              return out;
            });
            expect(Number.isFinite(value)).toBe(true);
            const expected = EXPECTED[lossName]?.[batchName];
            if (expected !== undefined) expect(value).toBeCloseTo(expected, 4);
            if (lossName === 'Barlow') {
              const zb = batch.rows.map((r) => r.map((v, j) => v + SHIFT[0]![j]!));
              expect(value).toBeCloseTo(barlowReference(batch.rows, zb), 3);
            }
            const gradient = await expectNoLeak(() => autodiffGradient(lossOf, x));
            expect(Array.from(gradient).every(Number.isFinite)).toBe(true);
            // Finite differences are slow on wasm and on the native backend's
            // per-op overhead; the autodiff path is the same code on each.
            if (backend !== 'cpu') return;
            // Entries where two step sizes agree are smooth there (a constant
            // column or a zero row is a kink or a jump, where no derivative exists).
            const coarse = tensorNumericGradient(lossOf, x, 2e-3);
            const fine = tensorNumericGradient(lossOf, x, 1e-3);
            let checked = 0;
            gradient.forEach((g, i) => {
              const scale = 1 + Math.abs(fine[i]!);
              if (Math.abs(coarse[i]! - fine[i]!) > 2e-2 * scale) return;
              checked++;
              expect(Math.abs(g - fine[i]!)).toBeLessThan(5e-2 * scale);
            });
            // Zero or identical rows sit on the kink of every distance at 0: nothing smooth to compare there.
            if (batchName !== 'zero embeddings' && batchName !== 'identical rows') expect(checked).toBeGreaterThan(0);
          } finally {
            x.dispose();
          }
        });
      }
    });
  }
});
