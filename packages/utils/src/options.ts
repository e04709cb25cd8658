/**
 * Options objects of public constructors: unknown keys are rejected with a
 * suggestion (a Python name is the usual cause), and configs written by the
 * Python library (`get_config()`, Keras `{class_name, config}`) are read
 * with their Python option names.
 */
import { type ErrorCode, ValueError } from './errors';

/**
 * Every key of an options type, each mapped to `true`. Written as an object
 * literal typed `OptionKeys<T>`, the compiler rejects a missing key and an
 * extra one, so the runtime list cannot drift from the type.
 */
export type OptionKeys<T> = { readonly [K in keyof Required<T>]: true };

/** An unknown key in an options object; `suggestion` is the known key it most likely meant. */
export class UnknownOptionError extends ValueError {
  override readonly code: ErrorCode = 'ERR_UNKNOWN_OPTION';

  constructor(
    readonly owner: string,
    readonly option: string,
    readonly suggestion: string | undefined,
    known: readonly string[],
  ) {
    super(
      suggestion === undefined
        ? `unknown option '${option}' for ${owner}; known options: ${known.join(', ')}`
        : `unknown option '${option}' for ${owner}; did you mean '${suggestion}'?`,
    );
  }
}

/** `positive_mining_strategy` -> `positiveMiningStrategy`; Python's trailing `_` (`lambda_`) is dropped. */
export function snakeToCamel(name: string): string {
  return name.replace(/_+$/, '').replace(/_+([a-z0-9])/gi, (_, c: string) => c.toUpperCase());
}

/** `positiveMiningStrategy` -> `positive_mining_strategy`. */
export function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The known key `option` most likely meant: its camelCase spelling, the same
 * name in another case, the one known key it begins, or the closest name within two edits (a third of its length for long names).
 */
export function suggestOption(option: string, known: readonly string[]): string | undefined {
  const camel = snakeToCamel(option).toLowerCase();
  const exact = known.find((k) => k.toLowerCase() === camel || k.toLowerCase() === option.toLowerCase());
  if (exact !== undefined) return exact;
  const extensions = known.filter((k) => camel.length >= 3 && k.toLowerCase().startsWith(camel));
  if (extensions.length === 1) return extensions[0];
  let best: string | undefined;
  let bestDistance = Math.max(2, Math.floor(option.length / 3)) + 1;
  for (const k of known) {
    const d = editDistance(camel, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * Throws unless `options` is undefined or a plain object whose own keys (those
 * with a value other than undefined) are all in `keys`: ValueError for a non-object, UnknownOptionError (naming
 * `owner` and suggesting a known key) for the first unknown key.
 */
export function checkOptions(options: unknown, keys: Readonly<Record<string, true>>, owner: string): void {
  if (options === undefined) return;
  if (!isPlainObject(options)) {
    throw new ValueError(`${owner} takes an options object, got ${Array.isArray(options) ? 'an array' : String(options)}`);
  }
  for (const [key, value] of Object.entries(options)) {
    // An undefined value sets nothing (as an absent key), as options are often spread from optional values.
    if (value !== undefined && !Object.prototype.hasOwnProperty.call(keys, key)) {
      const known = Object.keys(keys);
      throw new UnknownOptionError(owner, key, suggestOption(key, known), known);
    }
  }
}

/** An object as Keras serializes it (`tf.keras.utils.serialize_keras_object`), with Python option names. */
export interface KerasObject {
  class_name: string;
  config?: Record<string, unknown>;
}

/** A serialized object read from Keras' `{ class_name, config }` or our `{ className, config }`. */
export interface SerializedObject {
  className: string;
  config: Record<string, unknown>;
}

/**
 * `{ className, config }` of a Keras `{ class_name, config }` or of our own
 * `{ className, config }`; undefined for anything else. The package prefix
 * of a Keras registered name is dropped (`Similarity>TripletLoss`).
 */
export function readSerializedObject(x: unknown): SerializedObject | undefined {
  if (!isPlainObject(x)) return undefined;
  const raw = x.class_name ?? x.className;
  if (typeof raw !== 'string') return undefined;
  const className = raw.slice(raw.lastIndexOf('>') + 1);
  const config = x.config ?? {};
  if (!isPlainObject(config)) {
    throw new ValueError(`the config of a serialized ${className} must be an object, got ${JSON.stringify(config)}`);
  }
  return { className, config };
}

/**
 * A Python config (`get_config()`) with its keys in our spelling:
 * snake_case becomes camelCase and a trailing `_` is dropped (`lambda_`).
 * `renames` maps Python names whose meaning has another name here.
 * Two Python keys that map to one of ours are an error.
 */
export function fromPythonKeys(
  config: Record<string, unknown>,
  owner: string,
  renames: Readonly<Record<string, string>> = {},
): Record<string, unknown> {
  if (!isPlainObject(config)) throw new ValueError(`a Python config for ${owner} must be an object, got ${String(config)}`);
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    const ours = renames[key] ?? snakeToCamel(key);
    if (Object.prototype.hasOwnProperty.call(out, ours)) {
      throw new ValueError(`Python config for ${owner}: '${key}' and another key both mean '${ours}'`);
    }
    out[ours] = value;
  }
  return out;
}
