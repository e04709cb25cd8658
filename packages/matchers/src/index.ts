/**
 * Turning k neighbours into one label and distance: match nearest, majority
 * vote; and the TP/FP/TN/FN counts at each distance threshold that the
 * classification metrics and calibration work from.
 */
export { ClassificationMatch, type DerivedMatch, type MatchCounts, type MatcherConfig } from './classification-match';
export { MatchNearest } from './match-nearest';
export { MatchMajorityVote } from './match-majority-vote';
export { deserializeMatcher, makeClassificationMatcher, matchers, registerMatcher, serializeMatcher } from './registry';
/** The matrices the matchers work on; parsed by the input layer of @tfsim/utils. */
export type { DistanceMatrix, LabelMatrix, RowsLike } from '@tfsim/utils/core';
