/**
 * MultipleLosses: the weighted sum of its losses, checked on the Python
 * library's golden batches (DESIGN.md section 4), with miners, with a
 * trainable loss, through tfjs-layers' target form and a save / load.
 */
import * as tf from '@tensorflow/tfjs-core';
import { autodiffGradient, describeEachBackend, expectClose, expectNoLeak } from '@tfsim/test-utils';
import { ValueError } from '@tfsim/utils';

import {
  ArcFaceLoss,
  BatchHardMiner,
  deserializeLoss,
  MinedLoss,
  MultipleLosses,
  MultiSimilarityLoss,
  serializeLoss,
  SimCLRLoss,
  TripletLoss,
} from '../src';

const LABELS = [0, 1, 2, 3, 0, 1, 2, 3];
/** The Python tests' "perfect" batch: each embedding is the one-hot of its label. */
const PERFECT = LABELS.map((l) => [0, 1, 2, 3].map((c) => (c === l ? 1 : 0)));

describeEachBackend('MultipleLosses', () => {
  it('is the weighted sum of the Python golden values (soft margin 0.31326169, margin 1.1 gives 0.1)', async () => {
    const loss = new MultipleLosses([new TripletLoss(), new TripletLoss({ margin: 1.1 })], { weights: [2, 0.5] });
    const x = tf.tensor2d(PERFECT);
    await expectNoLeak(() => {
      const value = loss.call(LABELS, x);
      expectClose(value, 2 * 0.31326169 + 0.5 * 0.1, 1e-5);
      const perExample = loss.perExample(LABELS, x);
      expectClose(
        perExample,
        LABELS.map(() => 2 * 0.31326169 + 0.5 * 0.1),
        1e-5,
      );
      tf.dispose([value, perExample]);
    });
    x.dispose();
  });

  it('keyed losses with keyed weights and miners equal their terms summed', async () => {
    const rows = LABELS.map((l, i) => [Math.cos(l + 0.3 * i), Math.sin(l + 0.3 * i), 0.1 * i]);
    const x = tf.tensor2d(rows);
    const loss = new MultipleLosses(
      { triplet: new TripletLoss({ positiveMiningStrategy: 'easy' }), ms: new MultiSimilarityLoss() },
      { weights: { ms: 0.25 }, miners: { triplet: new BatchHardMiner() } },
    );
    expect(loss.weights).toEqual([1, 0.25]);
    const mined = new MinedLoss(new TripletLoss({ positiveMiningStrategy: 'easy' }), new BatchHardMiner());
    const ms = new MultiSimilarityLoss();
    await expectNoLeak(() => {
      const [value, a, b] = [loss.call(LABELS, x), mined.call(LABELS, x), ms.call(LABELS, x)];
      expectClose(value, a.dataSync()[0]! + 0.25 * b.dataSync()[0]!, 1e-5);
      tf.dispose([value, a, b]);
    });
    x.dispose();
  });

  it('trains the variables of its losses and reads tfjs-layers targets', async () => {
    const arc = new ArcFaceLoss({ numClasses: 4, embeddingSize: 4, seed: 3 });
    const loss = new MultipleLosses([new TripletLoss(), arc], { weights: [1, 0.5] });
    expect(loss.trainableWeights).toEqual([arc.weights]);
    const x = tf.tensor2d(PERFECT);
    const labels = tf.tensor1d(LABELS);
    const tiled = tf.tile(tf.reshape(labels, [-1, 1]), [1, 4]);
    await expectNoLeak(() => {
      const [a, b] = [loss.call(labels, x), loss.lossFunction(tiled, x)];
      expect(b.dataSync()[0]).toBe(a.dataSync()[0]);
      // The triplet term does not touch the ArcFace centres: their gradient is half ArcFace's own.
      const ours = tf.variableGrads(() => loss.call(labels, x) as tf.Scalar, [arc.weights]);
      const alone = tf.variableGrads(() => tf.mul(arc.call(labels, x), 0.5) as tf.Scalar, [arc.weights]);
      const expected = Array.from(alone.grads[arc.weights.name]!.dataSync());
      expect(expected.some((v) => Math.abs(v) > 1e-4)).toBe(true);
      expectClose(ours.grads[arc.weights.name]!, expected, 1e-6);
      tf.dispose([a, b, ours.value, alone.value, ours.grads[arc.weights.name]!, alone.grads[arc.weights.name]!]);
    });
    const g = autodiffGradient((e) => loss.call(labels, e), x);
    expect(g.some((v) => v !== 0)).toBe(true);
    tf.dispose([x, labels, tiled]);
    loss.dispose();
  });

  it('saves its losses, weights and miners and reloads to the same value', () => {
    const loss = new MultipleLosses(
      { a: new TripletLoss({ margin: 0.5 }), b: new ArcFaceLoss({ numClasses: 4, embeddingSize: 4, seed: 9 }) },
      { weights: { a: 1.5, b: 0.1 }, miners: { a: new BatchHardMiner({ distance: 'cosine' }) } },
    );
    const back = deserializeLoss(JSON.stringify(serializeLoss(loss))) as MultipleLosses;
    expect(back).toBeInstanceOf(MultipleLosses);
    expect(back.getConfig()).toEqual(loss.getConfig());
    expect(back.keys).toEqual(['a', 'b']);
    expect(back.miners[0]).toBeInstanceOf(BatchHardMiner);
    const x = tf.tensor2d(PERFECT.map((r, i) => r.map((v) => v + 0.05 * i)));
    const [u, v] = [loss.call(LABELS, x), back.call(LABELS, x)];
    expect(v.dataSync()[0]).toBe(u.dataSync()[0]);
    tf.dispose([u, v, x]);
    loss.dispose();
    back.dispose();
  });
});

describe('MultipleLosses errors', () => {
  it('names what is wrong', () => {
    const t = new TripletLoss();
    expect(() => new MultipleLosses([])).toThrow(/at least one loss/);
    expect(() => new MultipleLosses([t, new SimCLRLoss() as never])).toThrow(/loss 1 \(SimCLRLoss\) is not a loss over labels/);
    expect(() => new MultipleLosses([t, t], { weights: [1] })).toThrow(/1 weights for 2 losses/);
    expect(() => new MultipleLosses([t], { weights: [Number.NaN] })).toThrow(/weight of loss 0 must be a finite number/);
    expect(() => new MultipleLosses({ a: t }, { weights: { b: 2 } })).toThrow(/weights for unknown losses b/);
    expect(() => new MultipleLosses({ a: t }, { weights: [2] })).toThrow(ValueError);
    const arc = new ArcFaceLoss({ numClasses: 2, embeddingSize: 2 });
    expect(() => new MultipleLosses([arc], { miners: [new BatchHardMiner()] })).toThrow(/ArcFaceLoss\) does not take a miner/);
    arc.dispose();
  });
});
