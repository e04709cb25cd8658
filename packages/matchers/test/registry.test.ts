import { UnknownNameError } from '@tfsim/utils';
import { MatchMajorityVote, MatchNearest, makeClassificationMatcher, matchers } from '../src';

describe('makeClassificationMatcher', () => {
  it('finds matchers by name, case-insensitively, and passes instances through', () => {
    expect(makeClassificationMatcher('match_nearest')).toBeInstanceOf(MatchNearest);
    expect(makeClassificationMatcher('Match_Majority_Vote')).toBeInstanceOf(MatchMajorityVote);
    const m = new MatchNearest();
    expect(makeClassificationMatcher(m)).toBe(m);
    // a fresh instance each time: counts of one evaluation never leak into another
    expect(makeClassificationMatcher('match_nearest')).not.toBe(makeClassificationMatcher('match_nearest'));
    expect(matchers.names()).toEqual(['match_nearest', 'match_majority_vote']);
  });

  it('an unknown name is an UnknownNameError listing the known ones', () => {
    expect(() => makeClassificationMatcher('match_farthest')).toThrow(UnknownNameError);
    expect(() => makeClassificationMatcher('match_farthest')).toThrow(
      'unknown matcher "match_farthest"; known matchers: match_nearest, match_majority_vote',
    );
  });
});
