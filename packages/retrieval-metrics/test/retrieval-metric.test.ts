import { ValueError } from '@tfsim/utils';

import { assertRetrievalMetrics, MapAtR, PrecisionAtK, RecallAtK, RPrecision } from '../src';

// Issue 20: what a metric needs from an index is declared on RetrievalMetric (no casts in the indexer).
describe('RetrievalMetric declares what it needs', () => {
  const counts = new Map([
    [0, 3],
    [1, 7],
  ]);

  it('k-based metrics need k neighbours and no class counts', () => {
    const m = new RecallAtK({ k: 4 });
    expect(m.needsClassCounts()).toBe(false);
    expect(m.neededK(counts)).toBe(4);
    expect(new PrecisionAtK({ k: 2, r: { 0: 5 } }).needsClassCounts()).toBe(false);
  });

  it('R-based metrics without their own r need the counts and the largest R', () => {
    expect(new RPrecision().needsClassCounts()).toBe(true);
    expect(new RPrecision().neededK(counts)).toBe(7);
    expect(new MapAtR().neededK(null)).toBe(1);
    const own = new RPrecision({ r: { 0: 2, 1: 5 } });
    expect(own.needsClassCounts()).toBe(false);
    expect(own.neededK(counts)).toBe(5);
  });

  it('assertRetrievalMetrics: one check, one error class', () => {
    expect(() => assertRetrievalMetrics([])).toThrow(
      new ValueError('retrievalMetrics must list at least one RetrievalMetric, e.g. [new RecallAtK({ k: 5 })]'),
    );
    expect(() => assertRetrievalMetrics([new RecallAtK(), { k: 5, compute: () => 1 }])).toThrow(
      new ValueError('retrievalMetrics[1] is object, not a RetrievalMetric; create one with its k, e.g. new RecallAtK({ k: 5 })'),
    );
    expect(() => assertRetrievalMetrics([new RecallAtK()])).not.toThrow();
  });

  it('inputs follow the label rule: safe integers, masks of booleans or 0/1', () => {
    const m = new RecallAtK({ k: 1 });
    expect(() => m.compute({ queryLabels: [1, 0.5], lookupLabels: [[1], [0]] })).toThrow(
      new ValueError('queryLabels[1] (recall@1.compute) is 0.5; labels must be safe integers'),
    );
    expect(() => m.compute({ queryLabels: [1], lookupLabels: [['1']] as never })).toThrow(/lookupLabels contains '1' \(a string\)/);
    expect(() => m.compute({ queryLabels: [1], matchMask: [['yes']] as never })).toThrow(/matchMask contains 'yes'/);
    expect(m.compute({ queryLabels: [1, 2], matchMask: [[true], [0]] })).toBe(0.5);
  });
});
