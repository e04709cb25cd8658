import { MatchMajorityVote } from '../src';

describe('MatchMajorityVote', () => {
  it('takes the most common label, ties to the closer, distance the mean over k (DESIGN.md section 4)', () => {
    const m = new MatchMajorityVote();
    const { labels, distances } = m.deriveMatch(
      [
        [10, 12, 10, 12, 10],
        [20, 13, 13, 20, 30],
      ],
      [
        [1.0, 1.1, 1.2, 1.3, 1.4],
        [2.0, 2.1, 2.2, 2.3, 2.4],
      ],
    );
    expect(Array.from(labels)).toEqual([10, 20]);
    expect(distances[0]).toBeCloseTo(1.2, 6);
    expect(distances[1]).toBeCloseTo(2.2, 6);
    expect(m.name).toBe('majority_vote');
    expect(m.canonicalName).toBe('match_majority_vote');
  });

  it('a tie goes to the label whose first occurrence is closer, whatever its value', () => {
    const m = new MatchMajorityVote();
    expect(Array.from(m.deriveMatch([[7, 3, 3, 7]], [[0, 0, 0, 0]]).labels)).toEqual([7]);
    expect(Array.from(m.deriveMatch([[3, 7, 7, 3]], [[0, 0, 0, 0]]).labels)).toEqual([3]);
    expect(Array.from(m.deriveMatch([[5, 1, 2, 1]], [[0, 0, 0, 0]]).labels)).toEqual([1]);
  });
});
