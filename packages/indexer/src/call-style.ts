/**
 * The one rule for the Indexer methods that take either Python's positional
 * arguments or an options object (`new Indexer`, `calibrate`,
 * `evaluateClassification`, `match`):
 *
 * the argument in the options position is the options object exactly when it
 * is a plain object (an object literal, or one with a null prototype). A
 * positional value there is never one: a name, a number, an array or a class
 * instance (`new F1Score()`). The one exception is the constructor's
 * distance, which may be a distance config `{ name }`: a plain object with a
 * `name` key is that config. An options object with a key the method does not
 * take is an error naming the key, so a misspelt or Python-style option
 * (`no_match_label`) is not silently ignored.
 */
import { checkOptions } from '@tfsim/utils/core';

export function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

/** `arg` as the options of `op` when it is a plain object (its keys checked against `keys`), else undefined. */
export function optionsOf<T extends object>(arg: unknown, keys: Readonly<Record<string, true>>, op: string): T | undefined {
  if (!isPlainObject(arg)) return undefined;
  checkOptions(arg, keys, op);
  return arg as T;
}
