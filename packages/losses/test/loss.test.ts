/** What every loss shares: its reduction (Keras' semantics) and the check of its option keys, subclasses included. */
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectClose, expectNoLeak } from '@tfsim/test-utils';

import { Barlow, deserializeLoss, getLoss, lossNames, PNLoss, serializeLoss, TripletLoss, type TripletLossOptions, VicReg } from '../src';
import { numberOption, type OptionRulesOf } from '../src/option-rules';
import { requiredOptions } from './required-options';

// Easy positives, semi-hard negatives, margin 1 (the Python library's test): per example [0.51, 1.366, 0.866, 0.871].
const LABELS = [0, 0, 1, 1];
const EMBEDDINGS = [
  [1, 0],
  [0.5, 0.8660254],
  [0, 1],
  [0.01010049, 0.999949],
];
const PER_EXAMPLE = [0.51, 1.366, 0.866, 0.871];
const options = { positiveMiningStrategy: 'easy', negativeMiningStrategy: 'semi-hard', margin: 1 } as const;

describeEachBackend('reduction', ({ tol }) => {
  const value = (reduction: TripletLossOptions['reduction']) => {
    const x = tf.tensor2d(EMBEDDINGS);
    const out = new TripletLoss({ ...options, reduction }).call(LABELS, x);
    const result = { shape: out.shape, values: Array.from(out.dataSync()) };
    tf.dispose([x, out]);
    return result;
  };

  it('auto and sum_over_batch_size take the mean, sum the sum, none the per-example values', async () => {
    await expectNoLeak(() => {
      const mean = PER_EXAMPLE.reduce((a, b) => a + b) / 4;
      expect(value(undefined).shape).toEqual([]);
      expectClose(value(undefined).values, [mean], Math.max(tol, 1e-3));
      expectClose(value('sum_over_batch_size').values, [mean], Math.max(tol, 1e-3));
      expectClose(value('sum').values, [mean * 4], Math.max(tol, 4e-3));
      expect(value('none').shape).toEqual([4]);
      expectClose(value('none').values, PER_EXAMPLE, Math.max(tol, 1e-3));
    });
  });

  it('self-supervised losses: none gives VicReg per example, and a loss over the whole batch stays a scalar', async () => {
    await expectNoLeak(() => {
      const za = tf.tensor2d([
        [1, 2, 0],
        [0, 1, 1],
        [2, 0, 1],
        [1, 1, 1],
      ]);
      const zb = tf.tensor2d([
        [1, 1, 0],
        [0, 2, 1],
        [2, 1, 1],
        [0, 1, 1],
      ]);
      const vic = new VicReg({ reduction: 'none' });
      const none = vic.call(za, zb);
      const perExample = vic.perExample(za, zb);
      expect(none.shape).toEqual([4]);
      expectClose(none, perExample, 0);
      const sum = new VicReg({ reduction: 'sum' }).call(za, zb);
      expectClose(sum, [Array.from(perExample.dataSync()).reduce((a, b) => a + b)], Math.max(tol, 1e-4));
      const barlow = new Barlow({ reduction: 'none' }).call(za, zb);
      const barlowMean = new Barlow().call(za, zb);
      expect(barlow.shape).toEqual([]);
      expectClose(barlow, barlowMean, 0);
      tf.dispose([za, zb, none, perExample, sum, barlow, barlowMean]);
    });
  });
});

describe('reduction in configs', () => {
  it.each(lossNames().filter((n) => n !== 'MultipleLosses'))(
    '%s keeps its reduction through serializeLoss / deserializeLoss',
    (className) => {
      const loss = getLoss(className, { ...requiredOptions(className), reduction: 'none' });
      const back = deserializeLoss(JSON.stringify(serializeLoss(loss)));
      expect(back.reduction).toBe('none');
      expect(back.getConfig()).toEqual(loss.getConfig());
      loss.dispose();
      back.dispose();
    },
  );

  it('MultipleLosses leaves the reduction to each of its losses', () => {
    expect(() => getLoss('MultipleLosses', { losses: [serializeLoss(new TripletLoss())], reduction: 'none' })).toThrow(
      'MultipleLosses: set the reduction on each loss, not "none" on the sum',
    );
  });

  it('is saved when not the default, and restored', () => {
    expect(serializeLoss(new TripletLoss()).config).not.toHaveProperty('reduction');
    const saved = serializeLoss(new TripletLoss({ reduction: 'sum' }));
    expect(saved.config.reduction).toBe('sum');
    expect(deserializeLoss(saved).reduction).toBe('sum');
    expect(() => new TripletLoss({ reduction: 'mean' as never })).toThrow(
      `TripletLoss: unknown reduction "mean"; expected one of 'auto', 'sum_over_batch_size', 'sum', 'none'`,
    );
  });
});

describe('option keys of subclasses', () => {
  interface ScaledTripletOptions extends TripletLossOptions {
    scale?: number;
  }
  class ScaledTriplet extends TripletLoss {
    static override readonly optionRules = {
      ...TripletLoss.optionRules,
      scale: numberOption(1),
    } satisfies OptionRulesOf<ScaledTripletOptions>;
    declare readonly scale: number;
    constructor(o: ScaledTripletOptions = {}) {
      super(o);
    }
  }
  class Undeclared extends TripletLoss {
    constructor(o: ScaledTripletOptions = {}) {
      super(o);
    }
  }

  it('a subclass inherits its parent keys and declares its own; the message names the subclass', () => {
    expect(new ScaledTriplet({ scale: 2, margin: 1 }).scale).toBe(2);
    expect(new ScaledTriplet().getConfig()).toMatchObject({ scale: 1, margin: null, positiveMiningStrategy: 'hard' });
    expect(() => new ScaledTriplet({ scael: 2 } as never)).toThrow("unknown option 'scael' for ScaledTriplet; did you mean 'scale'?");
    expect(() => new Undeclared({ scale: 2 })).toThrow("unknown option 'scale' for Undeclared");
    expect(() => new PNLoss({ negative_mining_strategy: 'hard' } as never)).toThrow(
      "unknown option 'negative_mining_strategy' for PNLoss; did you mean 'negativeMiningStrategy'?",
    );
  });
});
