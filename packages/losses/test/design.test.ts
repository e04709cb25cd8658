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

describeEachBackend('DESIGN.md section 4: TripletLoss', () => {
  it.each([4, 32])('perfect batch (%i classes): soft margin 0.31326169, margin 1.1 gives 0.1', async (classes) => {
    const batch = designBatch('perfect', classes);
    await expectNoLeak(() => {
      expectClose(meanLoss(TripletLoss, batch, {}), 0.31326169, 1e-5);
      expectClose(meanLoss(TripletLoss, batch, { margin: 1.1 }), 0.1, 1e-5);
    });
  });

  it.each([4, 32])('bad batch (%i classes): soft margin 0.69314718, margin 1 gives 1.0', (classes) => {
    const batch = designBatch('bad', classes);
    expectClose(meanLoss(TripletLoss, batch, {}), 0.69314718, 1e-5);
    expectClose(meanLoss(TripletLoss, batch, { margin: 1.0 }), 1.0, 1e-5);
  });

  it('mining with margin 1: easy/easy 0.333 (one third), hard/hard 2.0', () => {
    expectClose(meanLoss(TripletLoss, MINING, { margin: 1, positiveMiningStrategy: 'easy', negativeMiningStrategy: 'easy' }), 1 / 3, 1e-5);
    expectClose(meanLoss(TripletLoss, MINING, { margin: 1, positiveMiningStrategy: 'hard', negativeMiningStrategy: 'hard' }), 2.0, 1e-5);
  });

  it('easy positives + semi-hard negatives, margin 1: per example [0.51, 1.366, 0.866, 0.871]', () => {
    const config = { margin: 1, positiveMiningStrategy: 'easy', negativeMiningStrategy: 'semi-hard' } as const;
    const values = perExample(tripletLoss, SEMI_HARD, config);
    expectClose(values, [0.51, 1.366, 0.866, 0.871], 1e-3);
    expectClose(values, exact('TripletLoss', 'semi-hard', config).perExample, 1e-5);
  });
});

describeEachBackend('DESIGN.md section 4: PNLoss', () => {
  it('perfect batch: soft margin 0.31326169, margin 1.1 gives 0.1', () => {
    const batch = designBatch('perfect', 4);
    expectClose(meanLoss(PNLoss, batch, {}), 0.31326169, 1e-5);
    expectClose(meanLoss(PNLoss, batch, { margin: 1.1 }), 0.1, 1e-5);
  });

  it('bad batch: soft margin 0.7706615, margin 1 gives 1.125', () => {
    const batch = designBatch('bad', 4);
    expectClose(meanLoss(PNLoss, batch, {}), 0.7706615, 1e-5);
    expectClose(meanLoss(PNLoss, batch, { margin: 1.0 }), 1.125, 1e-5);
  });

  it('mining with margin 1: easy 0.6666667, hard 2.0', () => {
    expectClose(meanLoss(PNLoss, MINING, { margin: 1, positiveMiningStrategy: 'easy', negativeMiningStrategy: 'easy' }), 0.6666667, 1e-5);
    expectClose(meanLoss(PNLoss, MINING, { margin: 1, positiveMiningStrategy: 'hard', negativeMiningStrategy: 'hard' }), 2.0, 1e-5);
  });

  it('semi-hard: per example [1.371, 1.366, 0.871, 0.871]', () => {
    const config = { margin: 1, positiveMiningStrategy: 'easy', negativeMiningStrategy: 'semi-hard' } as const;
    const values = perExample(pnLoss, SEMI_HARD, config);
    expectClose(values, [1.371, 1.366, 0.871, 0.871], 1e-3);
    expectClose(values, exact('PNLoss', 'semi-hard', config).perExample, 1e-5);
  });
});
