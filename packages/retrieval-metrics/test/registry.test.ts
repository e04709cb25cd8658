import { UnknownNameError } from '@tfsim/utils';

import {
  BNDCG,
  makeRetrievalMetric,
  MapAtK,
  MapAtR,
  MeanReciprocalRank,
  PrecisionAt1,
  PrecisionAtK,
  RecallAtK,
  retrievalMetrics,
  RPrecision,
} from '../src';

describe('makeRetrievalMetric', () => {
  it.each([
    ['recall@k', RecallAtK],
    ['recall_at_k', RecallAtK],
    ['precision@k', PrecisionAtK],
    ['map@k', MapAtK],
    ['map_at_k', MapAtK],
    ['ndcg@k', BNDCG],
    ['bndcg', BNDCG],
    ['r_precision', RPrecision],
    ['map@r', MapAtR],
    ['mean_average_precision_at_r', MapAtR],
    ['mrr', MeanReciprocalRank],
    ['mean_reciprocal_rank', MeanReciprocalRank],
    ['precision@1', PrecisionAt1],
    ['PRECISION_AT_1', PrecisionAt1],
  ] as const)('%s', (name, cls) => {
    expect(makeRetrievalMetric(name)).toBeInstanceOf(cls);
  });

  it('passes options and instances through; unknown names are errors', () => {
    const m = makeRetrievalMetric('recall@k', { k: 3, average: 'macro' });
    expect(m.k).toBe(3);
    expect(m.average).toBe('macro');
    expect(makeRetrievalMetric(m)).toBe(m);
    expect(() => makeRetrievalMetric('recall@q')).toThrow(UnknownNameError);
    expect(retrievalMetrics.names()).toContain('map@r');
  });
});

describe('unknown option keys', () => {
  it('each metric takes only its own options; a Python name gets a suggestion', () => {
    expect(() => new RecallAtK({ distance_threshold: 0.5 } as never)).toThrow(
      "unknown option 'distance_threshold' for RecallAtK; did you mean 'distanceThreshold'?",
    );
    expect(() => makeRetrievalMetric('recall@k', { r: { 1: 3 } })).toThrow("unknown option 'r' for RecallAtK; did you mean 'k'?");
    expect(() => new PrecisionAtK({ clip_at_r: true } as never)).toThrow("did you mean 'clipAtR'?");
    expect(new MapAtK({ r: { 1: 3 }, clipAtR: true, k: 3 }).k).toBe(3);
    // R-precision's k is 1, not an option; MRR's is
    expect(() => new RPrecision({ k: 3 } as never)).toThrow("unknown option 'k' for RPrecision");
    expect(() => new MapAtR({ k: 3 } as never)).toThrow("unknown option 'k' for MapAtR");
    expect(new MeanReciprocalRank({ k: 3 }).k).toBe(3);
    expect(() => new PrecisionAt1({ k: 3 } as never)).toThrow("unknown option 'k' for PrecisionAt1");
    expect(() => new BNDCG({ average: 'macro', drop_closest_lookup: true } as never)).toThrow("did you mean 'dropClosestLookup'?");
  });
});
