import { UnknownNameError } from '@tfsim/utils';
import { BNDCG, MapAtK, MapAtR, MeanReciprocalRank, PrecisionAt1, PrecisionAtK, RPrecision, RecallAtK, makeRetrievalMetric, retrievalMetrics } from '../src';

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
