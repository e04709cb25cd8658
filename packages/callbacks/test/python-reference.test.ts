import { type LayersModel } from '@tensorflow/tfjs-layers';
import { RecallAtK } from '@tfsim/retrieval-metrics';
import { describeEachBackend } from '@tfsim/test-utils';
import { loadReference } from '@tfsim/test-utils/reference';

import { EvalCallback, type EvalCallbackOptions } from '../src';
import { IDENTITY, linearModel, QUERIES, QUERY_LABELS, setKernel, STRETCH, TARGET_LABELS, TARGETS } from './fixture';

/** Logs of the Python library's EvalCallback on the same fixture (tools/reference/callbacks_reference.py). */
const reference = loadReference<Record<string, Array<[string, number]>>>(__dirname);

const CASES: Record<string, { kernel: number[][]; options: EvalCallbackOptions }> = {
  defaults: { kernel: IDENTITY, options: {} },
  four_metrics: { kernel: IDENTITY, options: { metrics: ['binary_accuracy', 'f1score', 'precision', 'recall'] } },
  two_thresholds: {
    kernel: IDENTITY,
    options: { metrics: ['binary_accuracy', 'f1score', 'precision', 'recall'], distanceThresholds: [Infinity, 0.02] },
  },
  split_with_retrieval: {
    kernel: IDENTITY,
    options: { metrics: ['binary_accuracy', 'f1score'], knownClasses: [0, 1, 2], k: 2, retrievalMetrics: [new RecallAtK({ k: 2 })] },
  },
  stretched: { kernel: STRETCH, options: { metrics: ['binary_accuracy', 'f1score'] } },
  stretched_split: { kernel: STRETCH, options: { metrics: ['binary_accuracy', 'f1score'], knownClasses: [0, 1, 2] } },
  majority_vote_k3: {
    kernel: IDENTITY,
    options: { metrics: ['binary_accuracy', 'f1score', 'precision'], k: 3, matcher: 'match_majority_vote', knownClasses: [0, 1, 2] },
  },
};

describeEachBackend('EvalCallback against the Python library', () => {
  let model: LayersModel;
  beforeAll(() => {
    model = linearModel();
  });
  afterAll(() => model.dispose());

  it('covers every case of the reference', () => expect(Object.keys(CASES).sort()).toEqual(Object.keys(reference).sort()));

  it.each(Object.keys(CASES))('%s: same names, order and float32 values', async (name) => {
    const { kernel, options } = CASES[name]!;
    setKernel(model, kernel);
    const cb = new EvalCallback(QUERIES, QUERY_LABELS, TARGETS, TARGET_LABELS, { verbose: false, ...options });
    cb.setModel(model);
    const logs: Record<string, number> = {};
    await cb.onEpochEnd(0, logs);
    expect(Object.entries(logs)).toEqual(reference[name]);
  });
});
