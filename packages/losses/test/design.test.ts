/**
 * The reference values of DESIGN.md section 4 (from the Python library's own
 * tests) for TripletLoss and PNLoss. Values the Python tests give to 3
 * decimals are also checked against the exact Python outputs to 1e-5.
 */
import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectClose, expectNoLeak } from '@tfsim/test-utils';

import { PNLoss, pnLoss, TripletLoss, tripletLoss, type TripletLossOptions } from '../src';
import { designBatch, PYTHON } from './fixture';

const MINING = {
  labels: [0, 0, 0, 1, 1, 1],
  embeddings: [
    [1, 0],
    [1, 0],
    [0, 1],
    [0, 1],
    [0, 1],
    [1, 0],
  ],
};
const SEMI_HARD = {
  labels: [0, 0, 1, 1],
  embeddings: [
    [1, 0],
    [0.5, 0.8660254],
    [0, 1],
    [0.01010049, 0.999949],
  ],
};

function meanLoss(Loss: typeof TripletLoss, batch: { labels: number[]; embeddings: number[][] }, options: TripletLossOptions): number {
  const labels = tf.tensor2d(batch.labels, [batch.labels.length, 1], 'int32');
  const embeddings = tf.tensor2d(batch.embeddings);
  const value = new Loss(options).call(labels, embeddings);
  const out = value.dataSync()[0]!;
  tf.dispose([labels, embeddings, value]);
  return out;
}

function perExample(f: typeof tripletLoss, batch: { labels: number[]; embeddings: number[][] }, options: TripletLossOptions): number[] {
  const labels = tf.tensor1d(batch.labels, 'int32');
  const embeddings = tf.tensor2d(batch.embeddings);
  const values = f(labels, embeddings, options);
  const out = Array.from(values.dataSync());
  tf.dispose([labels, embeddings, values]);
  return out;
}

function exact(loss: string, batch: string, config: Record<string, unknown>) {
  const c = PYTHON.design.find((d) => d.loss === loss && d.batch === batch && JSON.stringify(d.config) === JSON.stringify(config));
  if (!c) throw new Error(`no Python value for ${loss} ${batch} ${JSON.stringify(config)}`);
  return c;
}

/** DESIGN.md section 4's values of each loss: mean losses [soft margin, with margin] and per-example semi-hard values. */
const DESIGN_VALUES = [
  {
    Loss: TripletLoss,
    lossFunction: tripletLoss,
    classes: [4, 32],
    perfect: { soft: 0.31326169, margin: 1.1, withMargin: 0.1 },
    bad: { soft: 0.69314718, margin: 1.0, withMargin: 1.0 },
    mining: { easy: 1 / 3, hard: 2.0 },
    semiHard: [0.51, 1.366, 0.866, 0.871],
  },
  {
    Loss: PNLoss,
    lossFunction: pnLoss,
    classes: [4],
    perfect: { soft: 0.31326169, margin: 1.1, withMargin: 0.1 },
    bad: { soft: 0.7706615, margin: 1.0, withMargin: 1.125 },
    mining: { easy: 0.6666667, hard: 2.0 },
    semiHard: [1.371, 1.366, 0.871, 0.871],
  },
];

describe.each(DESIGN_VALUES)('DESIGN.md section 4: $Loss.name', (d) => {
  describeEachBackend(d.Loss.name, () => {
    const batches = d.classes.flatMap((classes) => (['perfect', 'bad'] as const).map((kind) => ({ kind, classes, ...d[kind] })));
    it.each(batches)('$kind batch ($classes classes): soft margin $soft, margin $margin gives $withMargin', async (b) => {
      const batch = designBatch(b.kind, b.classes);
      await expectNoLeak(() => {
        expectClose(meanLoss(d.Loss, batch, {}), b.soft, 1e-5);
        expectClose(meanLoss(d.Loss, batch, { margin: b.margin }), b.withMargin, 1e-5);
      });
    });

    it(`mining with margin 1: easy/easy ${d.mining.easy}, hard/hard ${d.mining.hard}`, () => {
      for (const strategy of ['easy', 'hard'] as const) {
        const options = { margin: 1, positiveMiningStrategy: strategy, negativeMiningStrategy: strategy };
        expectClose(meanLoss(d.Loss, MINING, options), d.mining[strategy], 1e-5);
      }
    });

    it(`easy positives + semi-hard negatives, margin 1: per example [${d.semiHard.join(', ')}]`, () => {
      const config = { margin: 1, positiveMiningStrategy: 'easy', negativeMiningStrategy: 'semi-hard' } as const;
      const values = perExample(d.lossFunction, SEMI_HARD, config);
      expectClose(values, d.semiHard, 1e-3);
      expectClose(values, exact(d.Loss.name, 'semi-hard', config).perExample, 1e-5);
    });
  });
});
