import { RecallAtK } from '@tfsim/retrieval-metrics';
import type { Lookup } from '@tfsim/utils';
import { ValueError } from '@tfsim/utils';

import { MemoryEvaluator } from '../src';

// Issue 18 item 9: what enters the evaluator is parsed by the one input layer of @tfsim/utils.
const lookups: Lookup[][] = [[{ rank: 1, distance: 0.1, label: 0 }], [{ rank: 1, distance: 0.2, label: 1 }]];
const ev = new MemoryEvaluator();

describe('MemoryEvaluator inputs', () => {
  it('calibrate rejects a label of 0.5 instead of comparing it as a class', () => {
    expect(() => ev.calibrate([0, 0.5], lookups)).toThrow(
      new ValueError('targetLabels[1] (calibrate) is 0.5; labels must be safe integers'),
    );
  });

  it("evaluateClassification rejects the threshold '0.5' instead of coercing it", () => {
    expect(() => ev.evaluateClassification([0, 1], [[0], [1]], [[0.1], [0.2]], ['0.5'] as never, ['f1'], 'match_nearest')).toThrow(
      new ValueError("distanceThresholds[0] (compile) is '0.5' (a string); values must be numbers (not NaN)"),
    );
  });

  it('evaluateRetrieval([null]) names the bad metric (our ValueError, not a TypeError)', () => {
    expect(() => ev.evaluateRetrieval([0, 1], lookups, [null] as never)).toThrow(
      new ValueError('retrievalMetrics[0] is null, not a RetrievalMetric; create one with its k, e.g. new RecallAtK({ k: 5 })'),
    );
    expect(ev.evaluateRetrieval([0, 1], lookups, [new RecallAtK({ k: 1 })])).toEqual({ 'recall@1': 1 });
  });
});
