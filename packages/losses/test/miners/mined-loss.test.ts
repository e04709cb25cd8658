/**
 * MinedLoss: a metric loss that sees only the pairs a miner picked, checked
 * against a plain reference built from the miner's (PML-checked) triplets,
 * against the loss alone where the two must agree, through its gradient and
 * through a save / load round trip.
 */
import * as tf from '@tensorflow/tfjs-core';
import { autodiffGradient, describeEachBackend, expectClose, expectNoLeak, tensorNumericGradient } from '@tfsim/test-utils';
import { UnknownNameError, ValueError } from '@tfsim/utils';

import {
  ArcFaceLoss,
  BatchHardMiner,
  deserializeLoss,
  getMiner,
  MinedLoss,
  MultiSimilarityLoss,
  MultiSimilarityMiner,
  serializeLoss,
  TripletLoss,
  TripletMarginMiner,
  XBM,
} from '../../src';

/**
 * Seeded, well-spread data: 10 examples of 4 classes in 6 dimensions, unit
 * length (the losses' 'cosine' is 1 - dot, for normalised embeddings).
 */
function data(): { labels: number[]; rows: number[][] } {
  let state = 7;
  const next = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648 - 0.5;
  };
  const labels = [0, 1, 2, 3, 0, 1, 2, 3, 0, 1];
  const rows = labels.map(() => {
    const row = Array.from({ length: 6 }, next);
    const norm = Math.hypot(...row);
    return row.map((v) => v / norm);
  });
  return { labels, rows };
}

function cosineDistance(a: number[], b: number[]): number {
  const dot = a.reduce((s, v, i) => s + v * b[i]!, 0);
  const norm = (x: number[]) => Math.sqrt(x.reduce((s, v) => s + v * v, 0));
  return Math.max(0, 1 - dot / (norm(a) * norm(b)));
}

describeEachBackend('MinedLoss', () => {
  const { labels, rows } = data();

  it('TripletLoss over the triplets of TripletMarginMiner equals a plain reference over those triplets', async () => {
    const miner = new TripletMarginMiner({ margin: 0.1, typeOfTriplets: 'semihard', distance: 'cosine' });
    const loss = new MinedLoss(new TripletLoss({ positiveMiningStrategy: 'hard', negativeMiningStrategy: 'hard' }), miner);
    const x = tf.tensor2d(rows);
    const { triplets } = miner.mine(labels, x) as { triplets: [number, number, number][] };
    expect(triplets.length).toBeGreaterThan(0);
    // Per anchor: the farthest mined positive against the closest mined
    // negative, soft margin; 0 for anchors the miner left out.
    const expected = labels.map((_, a) => {
      const mine = triplets.filter((t) => t[0] === a);
      if (mine.length === 0) return 0;
      const dp = Math.max(...mine.map((t) => cosineDistance(rows[a]!, rows[t[1]]!)));
      const dn = Math.min(...mine.map((t) => cosineDistance(rows[a]!, rows[t[2]]!)));
      return Math.log1p(Math.exp(dp - dn));
    });
    expect(expected.filter((v) => v === 0).length).toBeGreaterThan(0);
    await expectNoLeak(() => {
      const perExample = loss.perExample(labels, x);
      expectClose(perExample, expected, { atol: 1e-5, rtol: 1e-5 });
      const mean = loss.call(labels, x);
      expectClose(mean, expected.reduce((s, v) => s + v, 0) / expected.length, { atol: 1e-5, rtol: 1e-5 });
      tf.dispose([perExample, mean]);
    });
    x.dispose();
  });

  it('BatchHardMiner turns an easy-positive triplet loss into the hard/hard one', async () => {
    const x = tf.tensor2d(rows);
    const options = { distance: 'euclidean', margin: 1, negativeMiningStrategy: 'hard' } as const;
    const mined = new MinedLoss(
      new TripletLoss({ ...options, positiveMiningStrategy: 'easy' }),
      new BatchHardMiner({ distance: 'euclidean', normalizeEmbeddings: false }),
    );
    const hard = new TripletLoss({ ...options, positiveMiningStrategy: 'hard' });
    const easy = new TripletLoss({ ...options, positiveMiningStrategy: 'easy' });
    await expectNoLeak(() => {
      const [m, h, e] = [mined.perExample(labels, x), hard.perExample(labels, x), easy.perExample(labels, x)];
      expectClose(m, h.arraySync(), { atol: 1e-5, rtol: 1e-5 });
      // ... and the miner made a difference.
      expect(Math.max(...(h.arraySync() as number[]).map((v, i) => Math.abs(v - (e.arraySync() as number[])[i]!)))).toBeGreaterThan(1e-3);
      tf.dispose([m, h, e]);
    });
    x.dispose();
  });

  it('MultiSimilarityMiner on cosine similarity picks the pairs MultiSimilarityLoss mines itself', async () => {
    // With a slack of 10 the loss keeps every pair it is given, so all the
    // selection is the miner's: PML's rule on similarities is the Python
    // loss's rule on cosine distances (1 - similarity).
    const x = tf.tensor2d(rows);
    const mined = new MinedLoss(new MultiSimilarityLoss({ epsilon: 10 }), new MultiSimilarityMiner({ epsilon: 0.1 }));
    const alone = new MultiSimilarityLoss({ epsilon: 0.1 });
    const unmined = new MultiSimilarityLoss({ epsilon: 10 });
    await expectNoLeak(() => {
      const [m, a, u] = [mined.perExample(labels, x), alone.perExample(labels, x), unmined.perExample(labels, x)];
      expectClose(m, a.arraySync(), { atol: 1e-5, rtol: 1e-5 });
      // ... and the selection matters on this batch.
      const gap = (a.arraySync() as number[]).map((v, i) => Math.abs(v - (u.arraySync() as number[])[i]!));
      expect(Math.max(...gap)).toBeGreaterThan(1e-2);
      tf.dispose([m, a, u]);
    });
    x.dispose();
  });

  it('has the gradient of its value (finite differences), with the mined selection held fixed', async () => {
    const miner = new TripletMarginMiner({ margin: 0.3, distance: 'cosine' });
    const loss = new MinedLoss(new TripletLoss({ margin: 0.5, negativeMiningStrategy: 'hard' }), miner);
    const x = tf.tensor2d(rows);
    await expectNoLeak(() => {
      const g = autodiffGradient((e) => loss.call(labels, e), x);
      const n = tensorNumericGradient((e) => loss.call(labels, e) as tf.Scalar, x, 1e-3);
      expect(Math.max(...Array.from(g, Math.abs))).toBeGreaterThan(1e-3);
      expectClose(Array.from(g), Array.from(n), { atol: 3e-3, rtol: 3e-2 });
    });
    x.dispose();
  });

  it('saves as {className, config} and reloads to the same values', async () => {
    const loss = new MinedLoss(new TripletLoss({ margin: 0.2 }), new TripletMarginMiner({ margin: 0.4, typeOfTriplets: 'hard' }));
    const json = JSON.stringify(serializeLoss(loss));
    const back = deserializeLoss(json) as MinedLoss;
    expect(back).toBeInstanceOf(MinedLoss);
    expect(back.getConfig()).toEqual(loss.getConfig());
    expect(back.miner).toBeInstanceOf(TripletMarginMiner);
    const x = tf.tensor2d(rows);
    const [a, b] = [loss.perExample(labels, x), back.perExample(labels, x)];
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    tf.dispose([a, b, x]);
  });
});

describe('MinedLoss and miner errors', () => {
  it('rejects losses that do not read mined pairs, and non-miners', () => {
    const arc = new ArcFaceLoss({ numClasses: 3, embeddingSize: 4 });
    expect(() => new MinedLoss(arc as never, new BatchHardMiner())).toThrow(ValueError);
    expect(() => new MinedLoss(arc as never, new BatchHardMiner())).toThrow(/ArcFaceLoss does not take mined pairs/);
    const xbm = new XBM(new TripletLoss(), { memorySize: 8 });
    expect(() => new MinedLoss(xbm, new BatchHardMiner())).toThrow(/XBM does not take mined pairs/);
    expect(() => new MinedLoss(new TripletLoss(), {} as never)).toThrow(/miner must be a Miner/);
    arc.dispose();
    xbm.dispose();
  });

  it('names bad miner options and unknown miners', () => {
    expect(() => getMiner('HardestMiner')).toThrow(UnknownNameError);
    expect(() => new TripletMarginMiner({ typeOfTriplets: 'semi-hard' as never })).toThrow(/typeOfTriplets "semi-hard"/);
    expect(() => new MultiSimilarityMiner({ epsilon: Number.NaN })).toThrow(/epsilon must be a finite number/);
    expect(() => new BatchHardMiner({ distance: 'nope' })).toThrow(UnknownNameError);
    expect(() => new BatchHardMiner({ normalizeEmbeddings: 'yes' as never })).toThrow(/normalizeEmbeddings must be a boolean/);
  });

  it('checks the batch it mines', () => {
    const x = tf.tensor2d([
      [1, 0],
      [0, 1],
    ]);
    expect(() => new BatchHardMiner().mine([0, 1, 2], x)).toThrow(/3 entries but the embeddings have 2 rows/);
    x.dispose();
  });
});
