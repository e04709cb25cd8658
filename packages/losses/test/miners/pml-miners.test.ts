/**
 * The miners against pytorch-metric-learning itself (fixture written by
 * tools/reference/pml_miners_reference.py): the mined index tuples, exactly.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectNoLeak } from '@tfsim/test-utils';

import { getMiner, type MinedTuples } from '../../src';

interface Scenario {
  name: string;
  miner: string;
  options: Record<string, unknown>;
  withKeys: boolean;
  triplets?: number[][];
  positive?: number[][];
  negative?: number[][];
}

const PML = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'pml-miners.json'), 'utf8')) as {
  labels: number[];
  embeddings: number[][];
  keyLabels: number[];
  keyEmbeddings: number[][];
  scenarios: Scenario[];
};

describeEachBackend('miners against pytorch-metric-learning', () => {
  it.each(PML.scenarios.map((s) => [`${s.miner}: ${s.name}`, s] as const))('%s', async (_title, s) => {
    const miner = getMiner(s.miner, s.options);
    const embeddings = tf.tensor2d(PML.embeddings);
    const keyEmbeddings = tf.tensor2d(PML.keyEmbeddings);
    let mined: MinedTuples | undefined;
    await expectNoLeak(() => {
      // PML keeps pair (i, i) only when the keys are a separate set.
      mined = s.withKeys
        ? miner.mine(PML.labels, embeddings, { keyLabels: PML.keyLabels, keyEmbeddings, removeDiagonal: false })
        : miner.mine(PML.labels, embeddings);
    });
    if (s.triplets) expect(mined).toEqual({ triplets: s.triplets });
    else expect(mined).toEqual({ positive: s.positive, negative: s.negative });
    tf.dispose([embeddings, keyEmbeddings]);
  });
});
