import { ShapeError, StateError, ValueError } from '@tfsim/utils';

import { ClassificationMatch, type DerivedMatch, type DistanceMatrix, type LabelMatrix, MatchNearest } from '../src';

/** Passes its single neighbour through, as the Python test's concrete matcher does. */
class Identity extends ClassificationMatch {
  protected derive(labels: LabelMatrix, distances: DistanceMatrix): DerivedMatch {
    return { labels: labels.data.slice(), distances: distances.data.slice() };
  }
}

describe('ClassificationMatch', () => {
  const queryLabels = [10, 20, 10, 20];
  const lookupLabels = [[10], [20], [30], [40]];
  const lookupDistances = [[1], [1], [2], [2]];

  it('compile sorts the thresholds ascending in float32 and defaults to [Infinity]', () => {
    const m = new Identity('foo', 'bar');
    m.compile([3, 1, 2, 0.1]);
    expect(Array.from(m.distanceThresholds!)).toEqual([Math.fround(0.1), 1, 2, 3]);
    m.compile();
    expect(Array.from(m.distanceThresholds!)).toEqual([Infinity]);
    expect(m.name).toBe('foo');
    expect(m.canonicalName).toBe('bar');
    expect(m.getConfig()).toEqual({ name: 'foo', canonicalName: 'bar', distanceThresholds: [Infinity] });
  });

  it('computes the match indicators (DESIGN.md section 4)', () => {
    const m = new Identity('foo', 'bar');
    m.compile([1, 2]);
    const { matchMask, distanceMask } = m.computeMatchIndicators(queryLabels, lookupLabels, lookupDistances);
    expect(Array.from(matchMask)).toEqual([1, 1, 0, 0]);
    expect(Array.from(distanceMask)).toEqual([1, 1, 1, 1, 0, 1, 0, 1]);
  });

  it('counts tp/fp/tn/fn at each threshold (DESIGN.md section 4)', () => {
    const m = new Identity('foo', 'bar');
    m.compile([1, 2]);
    const counts = m.computeCount(queryLabels, lookupLabels, lookupDistances);
    expect(Array.from(m.tp)).toEqual([2, 2]);
    expect(Array.from(m.fp)).toEqual([0, 2]);
    expect(Array.from(m.tn)).toEqual([2, 0]);
    expect(Array.from(m.fn)).toEqual([0, 0]);
    expect(m.count).toBe(4);
    expect(counts.tp).toBe(m.tp);
    // Python accepts query labels as an [n, 1] column too.
    m.computeCount([[10], [20], [10], [20]], lookupLabels, lookupDistances);
    expect(Array.from(m.fp)).toEqual([0, 2]);
  });

  it('a distance equal to a threshold is a positive (<=), including Infinity', () => {
    const m = new MatchNearest();
    m.compile([0.5, Infinity]);
    m.computeCount([1, 1, 2], [[1], [1], [1]], [[0.5], [Infinity], [0.7]]);
    expect(Array.from(m.tp)).toEqual([1, 2]);
    expect(Array.from(m.fn)).toEqual([1, 0]);
    expect(Array.from(m.fp)).toEqual([0, 1]);
    expect(Array.from(m.tn)).toEqual([1, 0]);
  });

  it('agrees with a plain double loop on random input', () => {
    let seed = 12345;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const n = 200;
    const q = Array.from({ length: n }, () => Math.floor(rand() * 3));
    const ll = Array.from({ length: n }, () => [Math.floor(rand() * 3)]);
    const ld = Array.from({ length: n }, () => [Math.round(rand() * 50) / 50]);
    const thresholds = Array.from({ length: 30 }, () => Math.round(rand() * 60) / 50).sort((a, b) => a - b);
    const m = new MatchNearest();
    m.compile(thresholds);
    m.computeCount(q, ll, ld);
    thresholds.forEach((t, j) => {
      let tp = 0,
        fp = 0,
        tn = 0,
        fn = 0;
      for (let i = 0; i < n; i++) {
        const pos = Math.fround(ld[i]![0]!) <= Math.fround(t);
        const hit = ll[i]![0] === q[i];
        if (pos && hit) tp++;
        else if (pos) fp++;
        else if (hit) fn++;
        else tn++;
      }
      expect([m.tp[j], m.fp[j], m.tn[j], m.fn[j]]).toEqual([tp, fp, tn, fn]);
    });
  });

  it('reading counts before computeCount, or counting before compile, is a StateError', () => {
    const m = new Identity('foo', 'bar');
    for (const attr of ['tp', 'fp', 'tn', 'fn', 'count'] as const) {
      expect(() => m[attr]).toThrow(StateError);
      expect(() => m[attr]).toThrow(/computeCount\(\)/);
    }
    expect(() => m.computeCount(queryLabels, lookupLabels, lookupDistances)).toThrow(/compile/);
  });

  it('rejects mismatched shapes with clear errors', () => {
    const m = new Identity('foo', 'bar');
    m.compile();
    expect(() => m.computeCount([1, 2, 3, 4], [[1], [2], [3]], [[0.1], [0.2], [0.3]])).toThrow(
      /number of query labels \(4\) must match the number of lookup label sets \(3\)/,
    );
    expect(() =>
      m.computeCount(
        [1, 2, 3],
        [[1], [2], [3]],
        [
          [0.1, 0.2],
          [0.2, 0.3],
          [0.3, 0.4],
        ],
      ),
    ).toThrow(ShapeError);
    expect(() => m.computeCount([1, 2, 3], [1, 2, 3] as never, [[0.1], [0.2], [0.3]])).toThrow(/2D array/);
    expect(() => m.computeCount([1, 2], [[1], [2, 3]], [[0.1], [0.2]])).toThrow(/row 1 has 2 values, expected 1/);
    expect(() => m.computeCount([1, NaN], [[1], [2]], [[0.1], [0.2]])).toThrow(ValueError);
    expect(() => m.computeCount([1, 2], [[1], [2]], [[0.1], [NaN]])).toThrow(/NaN/);
    expect(() => m.compile([0.1, NaN])).toThrow(ValueError);
  });

  it('takes labels as safe integers and numbers as numbers, as every package does (issue 18 item 9)', () => {
    const m = new MatchNearest();
    m.compile([1]);
    expect(() => m.computeCount([10, 1.5], [[10], [20]], [[0.1], [0.2]])).toThrow(
      new ValueError('queryLabels[1] is 1.5; labels must be safe integers'),
    );
    expect(() => m.deriveMatch([[10], ['20']] as never, [[0.1], [0.2]])).toThrow(
      new ValueError("lookupLabels (deriveMatch) contains '20' (a string) at row 1, column 0; labels must be safe integers"),
    );
    expect(() => m.deriveMatch([[10], [20]], [[0.1], [null]] as never)).toThrow(ValueError);
    expect(() => m.compile(['0.5'] as never)).toThrow(
      new ValueError("distanceThresholds[0] (compile) is '0.5' (a string); values must be numbers (not NaN)"),
    );
  });

  it('accepts flat {data, rows, cols} matrices', () => {
    const m = new MatchNearest();
    m.compile([1, 2]);
    m.computeCount(
      Int32Array.from(queryLabels),
      { data: Int32Array.from([10, 20, 30, 40]), rows: 4, cols: 1 },
      { data: Float32Array.from([1, 1, 2, 2]), rows: 4, cols: 1 },
    );
    expect(Array.from(m.tp)).toEqual([2, 2]);
    expect(() => m.computeCount(queryLabels, { data: [1, 2, 3], rows: 4, cols: 1 }, lookupDistances)).toThrow(/does not hold 4 x 1/);
  });
});
