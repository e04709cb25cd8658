/**
 * Every loss MinedLoss takes reads the mined pairs: a miner that keeps every
 * pair leaves the loss as it is, and BatchHardMiner's selection changes it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectClose, expectNoLeak } from '@tfsim/test-utils';

import {
  BatchHardMiner,
  CircleLoss,
  ContrastiveLoss,
  LiftedStructLoss,
  type MetricLoss,
  MinedLoss,
  MultiSimilarityLoss,
  PNLoss,
  SoftNearestNeighborLoss,
  SupConLoss,
  TripletLoss,
  TripletMarginMiner,
} from '../../src';

const LABELS = [0, 1, 2, 0, 1, 2, 0, 1];
/** Unit rows, seeded, so that every anchor has a positive and a negative. */
const ROWS = LABELS.map((l, i) => {
  const row = [Math.cos(1.3 * i + l), Math.sin(0.7 * i - l), Math.cos(0.4 * i * l + 1), 0.3];
  const norm = Math.hypot(...row);
  return row.map((v) => v / norm);
});

const LOSSES: Array<[string, () => MetricLoss]> = [
  ['TripletLoss', () => new TripletLoss({ margin: 1 })],
  ['PNLoss', () => new PNLoss()],
  ['MultiSimilarityLoss', () => new MultiSimilarityLoss()],
  ['CircleLoss', () => new CircleLoss()],
  ['SoftNearestNeighborLoss', () => new SoftNearestNeighborLoss()],
  ['LiftedStructLoss', () => new LiftedStructLoss()],
  ['ContrastiveLoss', () => new ContrastiveLoss({ negativeMargin: 2 })],
  ['SupConLoss', () => new SupConLoss()],
];

describeEachBackend('MinedLoss over every loss it takes', () => {
  it.each(LOSSES)('%s: every pair mined is the loss itself; BatchHardMiner changes it', async (_name, make) => {
    const x = tf.tensor2d(ROWS);
    // margin 10 with 'all': every (anchor, positive, negative) triplet, so every pair.
    const everything = new MinedLoss(make(), new TripletMarginMiner({ margin: 10 }));
    const hardest = new MinedLoss(make(), new BatchHardMiner());
    const plain = make();
    await expectNoLeak(() => {
      const [all, hard, alone] = [everything.perExample(LABELS, x), hardest.perExample(LABELS, x), plain.perExample(LABELS, x)];
      const expected = Array.from(alone.dataSync());
      expectClose(all, expected, { atol: 1e-5, rtol: 1e-5 });
      const gap = Array.from(hard.dataSync()).map((v, i) => Math.abs(v - expected[i]!));
      expect(Math.max(...gap)).toBeGreaterThan(1e-4);
      tf.dispose([all, hard, alone]);
    });
    x.dispose();
  });
});
