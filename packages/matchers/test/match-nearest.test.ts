import { MatchNearest } from '../src';

describe('MatchNearest', () => {
  it('takes the first neighbour (the Python test)', () => {
    const m = new MatchNearest();
    const { labels, distances } = m.deriveMatch(
      [
        [10, 12],
        [20, 13],
        [30, 14],
        [40, 15],
      ],
      [
        [1.0, 1.5],
        [1.0, 1.7],
        [2.0, 2.1],
        [2.0, 2.2],
      ],
    );
    expect(Array.from(labels)).toEqual([10, 20, 30, 40]);
    expect(Array.from(distances)).toEqual([1, 1, 2, 2]);
    expect(m.name).toBe('nearest');
    expect(m.canonicalName).toBe('match_nearest');
  });
});
