/**
 * Distances by name: the Python library's `distances.get`, `serialize` and
 * `deserialize`, case-insensitive, with the same aliases.
 */
import { checkOptions, type KerasObject, type OptionKeys, readSerializedObject, Registry, ValueError } from '@tfsim/utils/core';

import { CosineDistance } from './cosine';
import type { Distance, DistanceConfig } from './distance';
import { EuclideanDistance, SquaredEuclideanDistance } from './euclidean';
import { InnerProductSimilarity } from './inner-product';
import { ManhattanDistance } from './manhattan';
import { SNRDistance } from './snr';

const registry = new Registry<Distance>('distance');

/**
 * Adds a distance under its name and aliases (canonical first), so that
 * `getDistance` and `deserializeDistance` find it. `create` returns a new
 * instance each time.
 */
export function registerDistance(create: () => Distance): void {
  const sample = create();
  const names = sample.aliases.length > 0 ? sample.aliases : [sample.name];
  if (names[0] !== sample.name) {
    throw new ValueError(`distance "${sample.name}": aliases must start with the canonical name, got "${names[0]}"`);
  }
  registry.register(names, create);
}

for (const create of [
  () => new InnerProductSimilarity(),
  () => new CosineDistance(),
  () => new EuclideanDistance(),
  () => new SquaredEuclideanDistance(),
  () => new ManhattanDistance(),
  () => new SNRDistance(),
]) {
  registerDistance(create);
}

/** True for an object that implements the Distance contract. */
export function isDistance(x: unknown): x is Distance {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as Distance).name === 'string' &&
    typeof (x as Distance).call === 'function' &&
    typeof (x as Distance).pairwise === 'function' &&
    typeof (x as Distance).between === 'function'
  );
}

/** What `getDistance` accepts: a name or alias, a saved config (ours, Python's or Keras'), or a distance (returned as is). */
export type DistanceIdentifier = string | DistanceConfig | KerasObject | Distance;

/** The keys of a distance config: a distance has no option but its name. */
const CONFIG_KEYS: OptionKeys<DistanceConfig> = { name: true };

/**
 * The distance of a config object: ours or Python's `{ name }` (`get_config()`),
 * or Keras' `{ class_name, config }` (`Similarity>CosineDistance`); an unknown
 * key is an error.
 */
function fromConfigObject(config: object): Distance | undefined {
  const keras = readSerializedObject(config);
  if (keras !== undefined) {
    checkOptions(keras.config, CONFIG_KEYS, keras.className);
    // The class decides the formula; Python lets its instance carry any name.
    const name = keras.config.name;
    return registry.get(registry.has(keras.className) || typeof name !== 'string' ? keras.className : name);
  }
  if (typeof (config as DistanceConfig).name !== 'string') return undefined;
  checkOptions(config as DistanceConfig, CONFIG_KEYS, 'a distance config');
  return registry.get((config as DistanceConfig).name);
}

/**
 * The distance named by `identifier` (case-insensitive, aliases accepted:
 * `'l2'`, `'Cosine'`, ...), or `identifier` itself when it is already a
 * distance. An unknown name throws UnknownNameError listing the known ones.
 */
export function getDistance(identifier: DistanceIdentifier): Distance {
  if (isDistance(identifier)) return identifier;
  if (typeof identifier === 'string') return registry.get(identifier);
  const fromConfig = typeof identifier === 'object' && identifier !== null ? fromConfigObject(identifier) : undefined;
  if (fromConfig !== undefined) return fromConfig;
  throw new ValueError(
    `cannot interpret ${JSON.stringify(identifier) ?? String(identifier)} as a distance: ` +
      `give a name (${registry.names().join(', ')}), a {name} config or a Distance`,
  );
}

/** The canonical name of a distance name or alias (`'l2'` -> `'euclidean'`). */
export function canonicalDistanceName(name: string): string {
  return registry.canonical(name);
}

/** Canonical names of every registered distance, in registration order. */
export function distanceNames(): string[] {
  return registry.names();
}

/** Every accepted distance name, aliases included, lower-cased. */
export function distanceAliases(): string[] {
  return registry.aliases();
}

/** A JSON-safe config from which `deserializeDistance` recreates the distance. */
export function serializeDistance(distance: DistanceIdentifier): DistanceConfig {
  return { ...getDistance(distance).getConfig() };
}

/**
 * The distance of a config written by `serializeDistance`, its JSON text, a
 * bare name, or a Keras `{ class_name, config }` of the Python library.
 */
export function deserializeDistance(config: DistanceConfig | KerasObject | string): Distance {
  let parsed: unknown = config;
  if (typeof config === 'string' && !config.trimStart().startsWith('{')) return registry.get(config.trim());
  if (typeof config === 'string') {
    try {
      parsed = JSON.parse(config);
    } catch (err) {
      throw new ValueError(`distance config is not valid JSON: ${config}`, { cause: err });
    }
  }
  const distance = typeof parsed === 'object' && parsed !== null ? fromConfigObject(parsed) : undefined;
  if (distance === undefined) {
    throw new ValueError(
      `a distance config is an object with a string "name" or a Keras {class_name, config}, got ${JSON.stringify(parsed)}`,
    );
  }
  return distance;
}

/**
 * The distance of a Python `get_config()` (`{ name: 'cosine' }`) or Keras
 * `{ class_name, config }`; `name` is the Python class or distance name.
 */
export function fromPythonConfig(name: string, config: Record<string, unknown> = {}): Distance {
  return deserializeDistance({ class_name: name, config });
}
