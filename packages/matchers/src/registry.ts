import { Registry, TfsimError, UnknownNameError } from '@tfsim/utils/core';
import { ClassificationMatch } from './classification-match';
import { MatchMajorityVote } from './match-majority-vote';
import { MatchNearest } from './match-nearest';

/** Matchers by name: `match_nearest`, `match_majority_vote` (case-insensitive). */
export const matchers = new Registry<ClassificationMatch>('matcher');
matchers.register(['match_nearest'], () => new MatchNearest());
matchers.register(['match_majority_vote'], () => new MatchMajorityVote());

/** A new matcher for a name, or the instance itself. Unknown names throw UnknownNameError. */
export function makeClassificationMatcher(matcher: string | ClassificationMatch): ClassificationMatch {
  if (matcher instanceof ClassificationMatch) return matcher;
  if (typeof matcher === 'string') return matchers.get(matcher);
  if (matcher !== null && typeof matcher === 'object' && typeof (matcher as ClassificationMatch).computeCount === 'function') {
    return matcher;
  }
  if (matcher == null) throw new UnknownNameError('matcher', String(matcher), matchers.names());
  throw new TfsimError(`matcher must be a name (${matchers.names().join(', ')}) or a ClassificationMatch, got ${typeof matcher}`);
}
