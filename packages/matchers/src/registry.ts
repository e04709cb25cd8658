import { ClassRegistry, type RegisteredClass, Registry, type SerializedClass, TfsimError, UnknownNameError } from '@tfsim/utils/core';

import { ClassificationMatch } from './classification-match';
import { MatchMajorityVote } from './match-majority-vote';
import { MatchNearest } from './match-nearest';

/** Matchers by name: `match_nearest`, `match_majority_vote` (case-insensitive). */
export const matchers = new Registry<ClassificationMatch>('matcher');
matchers.register(['match_nearest'], () => new MatchNearest());
matchers.register(['match_majority_vote'], () => new MatchMajorityVote());

/** Matcher classes by name, so a saved index can restore the matcher it was calibrated with. */
const matcherClasses = new ClassRegistry<ClassificationMatch>('matcher', 'registerMatcher');
const savedName = (c: Record<string, unknown>, fallback: string) => (typeof c.name === 'string' ? c.name : fallback);
matcherClasses.register(MatchNearest, { name: 'match_nearest', fromConfig: (c) => new MatchNearest(savedName(c, 'nearest')) });
matcherClasses.register(MatchMajorityVote, {
  name: 'match_majority_vote',
  fromConfig: (c) => new MatchMajorityVote(savedName(c, 'majority_vote')),
});

/**
 * Registers a custom matcher class (a subclass of ClassificationMatch) by
 * `name` (default: its class name), so that `makeClassificationMatcher(name)`
 * makes one and an index calibrated with it saves and reloads it. It is
 * restored as `fromConfig(config)`, by default `new cls(config)`, where
 * `config` is what its `getConfig()` returned at save time. Returns the name.
 */
export function registerMatcher(
  cls: RegisteredClass<ClassificationMatch>,
  options: { name?: string; aliases?: readonly string[]; fromConfig?: (config: Record<string, unknown>) => ClassificationMatch } = {},
): string {
  for (const n of [options.name ?? cls.name, ...(options.aliases ?? [])]) {
    if (matchers.has(n)) throw new TfsimError(`matcher name "${n}" is already registered`);
  }
  const name = matcherClasses.register(cls, options);
  matchers.register([name, ...(options.aliases ?? [])], () => matcherClasses.deserialize({ className: name, config: {} }));
  return name;
}

/** `{ className, config }` of a matcher: its registered name and its `getConfig()`. */
export function serializeMatcher(matcher: ClassificationMatch): SerializedClass {
  return matcherClasses.serialize(matcher);
}

/** The matcher saved by `serializeMatcher`; a name nobody registered says how to register it. */
export function deserializeMatcher(saved: SerializedClass): ClassificationMatch {
  const matcher = matcherClasses.deserialize(saved);
  // A compiled matcher comes back compiled: its thresholds are part of its state, not of its constructor's options.
  const thresholds = (saved.config as { distanceThresholds?: unknown } | undefined)?.distanceThresholds;
  if (Array.isArray(thresholds)) matcher.compile(thresholds as number[]);
  return matcher;
}

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
