/**
 * A loss's own options as a table of rules, one per key (its default and its
 * check), so that each loss states only these: the Loss constructor accepts
 * their keys, resolves them onto the loss and writes them back in getConfig,
 * and the functional forms resolve the same table.
 */
import { type Distance, type DistanceIdentifier, getDistance, isDistance } from '@tfsim/distances';
import { ValueError } from '@tfsim/utils';

import { checkChoice, checkNumber } from './inputs';
import type { LossOptions } from './loss';

/** Resolves one option's value (undefined when unset) for `loss`, or throws naming it `what`. */
export type OptionRule<T> = (value: unknown, what: string, loss: string) => T;

/** Any table of rules. */
export type OptionRules = Readonly<Record<string, OptionRule<unknown>>>;

/**
 * A rule for every option of `Options` but those every loss takes (name,
 * reduction): with `satisfies`, the compiler rejects a missing or an extra key.
 */
export type OptionRulesOf<Options> = { readonly [K in keyof Required<Omit<Options, keyof LossOptions>>]: OptionRule<unknown> };

/** The options a table of rules resolves to. */
export type ResolvedOptions<Rules extends OptionRules> = { -readonly [K in keyof Rules]: ReturnType<Rules[K]> };

/** Each option of `options` (or its default) resolved by its rule. */
export function resolveOptions<Rules extends OptionRules>(rules: Rules, options: object | undefined, loss: string): ResolvedOptions<Rules> {
  const given = (options ?? {}) as Record<string, unknown>;
  return Object.fromEntries(Object.entries(rules).map(([key, rule]) => [key, rule(given[key], key, loss)])) as ResolvedOptions<Rules>;
}

/** The keys of a table of rules, as `checkOptions` takes them. */
export function ruleKeys(rules: OptionRules): Record<string, true> {
  return Object.fromEntries(Object.keys(rules).map((key) => [key, true]));
}

/** The resolved options of `owner` as config entries: a distance by its name. */
export function rulesConfig(rules: OptionRules, owner: object): Record<string, unknown> {
  return Object.fromEntries(
    Object.keys(rules).map((key) => {
      const value = (owner as Record<string, unknown>)[key];
      return [key, isDistance(value) ? value.name : value];
    }),
  );
}

/** A finite number, `fallback` when unset. */
export function numberOption(fallback: number, bound?: '>0' | '>=0'): OptionRule<number> {
  return (value, what, loss) => checkNumber(value ?? fallback, what, loss, bound);
}

/** A finite number, or null (also when unset). */
export function nullableNumberOption(): OptionRule<number | null> {
  return (value, what, loss) => (value == null ? null : checkNumber(value, what, loss));
}

/** One of `allowed`, `fallback` when unset. */
export function choiceOption<T extends string>(fallback: T, allowed: readonly T[]): OptionRule<T> {
  return (value, what, loss) => checkChoice(value ?? fallback, allowed, what, loss);
}

/** Any distance or similarity, `fallback` when unset. */
export function distanceOption(fallback: DistanceIdentifier): OptionRule<Distance> {
  return (value) => getDistance((value ?? fallback) as DistanceIdentifier);
}

/** Resolves a loss's distance, rejecting similarities where the loss needs a distance. */
export function lossDistance(identifier: DistanceIdentifier, loss: string): Distance {
  const distance = getDistance(identifier);
  if (distance.isSimilarity) {
    throw new ValueError(`${loss} needs a distance (smaller is closer), but ${distance.name} is a similarity; use e.g. 'cosine'`);
  }
  return distance;
}

/** A distance (smaller is closer, not a similarity), `fallback` when unset. */
export function metricDistanceOption(fallback: DistanceIdentifier): OptionRule<Distance> {
  return (value, _what, loss) => lossDistance((value ?? fallback) as DistanceIdentifier, loss);
}
