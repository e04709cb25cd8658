/**
 * Turning k neighbours into one label and distance: match nearest, majority
 * vote; and the TP/FP/TN/FN counts at each distance threshold that the
 * classification metrics and calibration work from.
 */
export { ClassificationMatch, type DerivedMatch, type MatchCounts, type MatcherConfig } from './classification-match';
export { MatchNearest } from './match-nearest';
export { MatchMajorityVote } from './match-majority-vote';
export { makeClassificationMatcher, matchers } from './registry';
export {
  type DistanceMatrix,
  type LabelMatrix,
  type RowsLike,
  toDistanceMatrix,
  toLabelMatrix,
  toLabelVector,
  toSortedThresholds,
} from './rows';
