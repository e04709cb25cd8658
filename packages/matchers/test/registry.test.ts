import type { DistanceMatrix, LabelMatrix } from '@tfsim/utils';
import { UnknownNameError } from '@tfsim/utils';

import {
  ClassificationMatch,
  type DerivedMatch,
  deserializeMatcher,
  makeClassificationMatcher,
  matchers,
  MatchMajorityVote,
  MatchNearest,
  registerMatcher,
  serializeMatcher,
} from '../src';

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

/** A custom matcher: the label and distance of the neighbour at `rank` (0 = nearest). */
class MatchAtRank extends ClassificationMatch {
  readonly rank: number;
  constructor(config: { rank?: number } = {}) {
    super('at_rank', 'match_at_rank');
    this.rank = config.rank ?? 0;
  }
  override getConfig() {
    return { ...super.getConfig(), rank: this.rank };
  }
  protected derive(labels: LabelMatrix, distances: DistanceMatrix): DerivedMatch {
    const out: DerivedMatch = { labels: new Float64Array(labels.rows), distances: new Float32Array(labels.rows) };
    for (let i = 0; i < labels.rows; i++) {
      out.labels[i] = labels.data[i * labels.cols + this.rank]!;
      out.distances[i] = distances.data[i * distances.cols + this.rank]!;
    }
    return out;
  }
}

describe('custom matchers by registered name', () => {
  const LABELS = [
    [10, 12, 10],
    [20, 13, 20],
  ];
  const DISTANCES = [
    [0.1, 0.2, 0.3],
    [0.4, 0.5, 0.6],
  ];

  it('registers a class: made by name, saved as {className, config}, restored with its config', () => {
    expect(registerMatcher(MatchAtRank, { name: 'match_at_rank' })).toBe('match_at_rank');
    expect(makeClassificationMatcher('MATCH_AT_RANK')).toBeInstanceOf(MatchAtRank);
    const saved = serializeMatcher(new MatchAtRank({ rank: 1 }));
    expect(saved).toEqual({
      className: 'match_at_rank',
      config: { name: 'at_rank', canonicalName: 'match_at_rank', distanceThresholds: null, rank: 1 },
    });
    const restored = deserializeMatcher(JSON.parse(JSON.stringify(saved)));
    expect(restored).toBeInstanceOf(MatchAtRank);
    // rank 1: the second neighbour of each query
    const derived = restored.deriveMatch(LABELS, DISTANCES);
    expect(Array.from(derived.labels)).toEqual([12, 13]);
    expect(Array.from(derived.distances)).toEqual([Math.fround(0.2), Math.fround(0.5)]);
    expect(matchers.names()).toEqual(['match_nearest', 'match_majority_vote', 'match_at_rank']);
  });

  it('saves and restores the built-in matchers under their Python names', () => {
    expect(serializeMatcher(new MatchNearest())).toEqual({
      className: 'match_nearest',
      config: { name: 'nearest', canonicalName: 'match_nearest', distanceThresholds: null },
    });
    const vote = deserializeMatcher(serializeMatcher(new MatchMajorityVote('vote')));
    expect(vote).toBeInstanceOf(MatchMajorityVote);
    expect(vote.name).toBe('vote');
    // majority vote over [[10,12,10],[20,13,20]]: 10 and 20
    expect(Array.from(vote.deriveMatch(LABELS, DISTANCES).labels)).toEqual([10, 20]);
  });

  it('a compiled matcher comes back compiled with the same float32 thresholds', () => {
    const nearest = new MatchNearest();
    nearest.compile([0.3, 0.1, 0.7]);
    const restored = deserializeMatcher(JSON.parse(JSON.stringify(serializeMatcher(nearest))));
    expect(Array.from(restored.distanceThresholds!)).toEqual(Array.from(Float32Array.of(0.1, 0.3, 0.7)));
    expect(deserializeMatcher(serializeMatcher(new MatchNearest())).distanceThresholds).toBeNull();
  });

  it('refuses to restore an unregistered matcher, naming it and how to register it; refuses a name twice', () => {
    class Unknown extends MatchNearest {}
    const saved = serializeMatcher(new Unknown());
    expect(saved.className).toBe('Unknown');
    expect(() => deserializeMatcher(saved)).toThrow(
      expect.objectContaining({
        code: 'ERR_UNKNOWN_NAME',
        message: expect.stringMatching(/unknown matcher "Unknown".*registerMatcher\(Unknown\)/),
      }),
    );
    class Again extends MatchNearest {}
    expect(() => registerMatcher(Again, { name: 'match_nearest' })).toThrow(/already registered/);
    // nothing half-registered: the class can still take a free name
    expect(registerMatcher(Again)).toBe('Again');
  });
});
