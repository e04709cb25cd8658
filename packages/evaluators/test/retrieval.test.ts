import { MapAtR, RecallAtK, RPrecision } from '@tfsim/retrieval-metrics';
import type { Lookup } from '@tfsim/utils';

import { MemoryEvaluator, PADDING_LABEL, unpackLookupDistances, unpackLookupLabels } from '../src';

const ev = new MemoryEvaluator();
const lk = (labels: number[], distances: number[]): Lookup[] => labels.map((label, i) => ({ rank: i + 1, distance: distances[i]!, label }));

describe('evaluateRetrieval', () => {
  const lookups = [lk([1, 1, 0], [0, 0.1, 0.2]), lk([1, 1, 0], [0, 0.1, 0.2]), lk([1, 1, 0], [0, 0.1, 0.2]), lk([1, 1, 0], [0, 0.1, 0.2])];

  it('returns each metric under its name (DESIGN.md section 4 values)', () => {
    const res = ev.evaluateRetrieval([1, 1, 1, 0], lookups, [
      new RecallAtK({ k: 2 }),
      new RecallAtK({ k: 2, average: 'macro', name: 'macro_recall' }),
    ]);
    expect(res).toEqual({ 'recall@2': 0.75, 'macro_recall@2': 0.5 });
  });

  it('passes class counts to the metrics that need R', () => {
    const res = ev.evaluateRetrieval([1, 1, 1, 0], lookups, [new RPrecision(), new MapAtR()], { classCounts: { 0: 3, 1: 3 } });
    expect(res.r_precision).toBeCloseTo((3 * (2 / 3) + 1 / 3) / 4, 12);
    expect(res['map@r']).toBeCloseTo((3 * (2 / 3) + 1 / 9) / 4, 12);
  });

  it('refuses metrics that need more neighbours than were looked up', () => {
    expect(() => ev.evaluateRetrieval([1, 1, 1, 0], lookups, [new RecallAtK({ k: 4 })])).toThrow(
      'Each query example returned 3 neighbors, but retrieval metric recall@4 requires the K >= 4.',
    );
  });
});

describe('unpacking lookups', () => {
  it('pads short rows with 0x7FFFFFFF and Infinity', () => {
    const rows = [lk([3, 4], [0.5, 0.25]), lk([5], [0.125])];
    expect(unpackLookupLabels(rows)).toEqual({ data: Float64Array.from([3, 4, 5, PADDING_LABEL]), rows: 2, cols: 2 });
    expect(unpackLookupDistances(rows)).toEqual({ data: Float32Array.from([0.5, 0.25, 0.125, Infinity]), rows: 2, cols: 2 });
  });
});
