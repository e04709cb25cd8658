import type { DistanceIdentifier } from '@tfsim/distances';
import { fromPythonKeys, type KerasObject, readSerializedObject, Registry, UnknownNameError, ValueError } from '@tfsim/utils';

import { DistanceGapMetric, type DistanceGapMetricConfig, DistanceMetric, type DistanceMetricConfig } from './distance-metric';

// The Python shortcut functions, with the Python defaults (hard mining) and
// names: note avg_pos / avg_neg use aggregate 'mean', so they log as
// `mean_pos` / `mean_neg`, as in Python.

/** Mean over the batch of each example's farthest positive (`mean_pos`). */
export function avgPos(distance: DistanceIdentifier): DistanceMetric {
  return new DistanceMetric(distance, { aggregate: 'mean' });
}
/** Mean over the batch of each example's closest negative (`mean_neg`). */
export function avgNeg(distance: DistanceIdentifier): DistanceMetric {
  return new DistanceMetric(distance, { aggregate: 'mean', anchor: 'negative' });
}
/** Largest over the batch of each example's farthest positive (`max_pos`). */
export function maxPos(distance: DistanceIdentifier): DistanceMetric {
  return new DistanceMetric(distance, { aggregate: 'max' });
}
/** Largest over the batch of each example's closest negative (`max_neg`). */
export function maxNeg(distance: DistanceIdentifier): DistanceMetric {
  return new DistanceMetric(distance, { aggregate: 'max', anchor: 'negative' });
}
/** Smallest over the batch of each example's farthest positive (`min_pos`). */
export function minPos(distance: DistanceIdentifier): DistanceMetric {
  return new DistanceMetric(distance, { aggregate: 'min' });
}
/** Smallest over the batch of each example's closest negative (`min_neg`). */
export function minNeg(distance: DistanceIdentifier): DistanceMetric {
  return new DistanceMetric(distance, { aggregate: 'min', anchor: 'negative' });
}
/** Sum over the batch of each example's farthest positive (`sum_pos`). */
export function sumPos(distance: DistanceIdentifier): DistanceMetric {
  return new DistanceMetric(distance, { aggregate: 'sum' });
}
/** Sum over the batch of each example's closest negative (`sum_neg`). */
export function sumNeg(distance: DistanceIdentifier): DistanceMetric {
  return new DistanceMetric(distance, { aggregate: 'sum', anchor: 'negative' });
}
/** `|min_neg - max_pos|` of the batch (`dist_gap`). */
export function distGap(distance: DistanceIdentifier): DistanceGapMetric {
  return new DistanceGapMetric(distance);
}

export type TrainingMetric = DistanceMetric | DistanceGapMetric;

const registry = new Registry<(distance: DistanceIdentifier) => TrainingMetric>('training metric');
for (const [names, create] of [
  [['avg_pos', 'avgPos'], avgPos],
  [['avg_neg', 'avgNeg'], avgNeg],
  [['max_pos', 'maxPos'], maxPos],
  [['max_neg', 'maxNeg'], maxNeg],
  [['min_pos', 'minPos'], minPos],
  [['min_neg', 'minNeg'], minNeg],
  [['sum_pos', 'sumPos'], sumPos],
  [['sum_neg', 'sumNeg'], sumNeg],
  [['dist_gap', 'distGap'], distGap],
] as const) {
  registry.register(names, () => create);
}

/**
 * A training metric by its Python shortcut name (`'avg_pos'`, `'min_neg'`,
 * `'dist_gap'`, ...; the camelCase spellings and any case are accepted).
 * An unknown name throws UnknownNameError listing the known ones.
 */
export function getTrainingMetric(name: string, distance: DistanceIdentifier): TrainingMetric {
  return registry.get(name)(distance);
}

/** The Python shortcut names. */
export function trainingMetricNames(): string[] {
  return registry.names();
}

/** Rebuilds a metric from `getConfig()`, or from a Keras `{ class_name, config }` of the Python library. */
export function deserializeTrainingMetric(config: DistanceMetricConfig | DistanceGapMetricConfig | KerasObject): TrainingMetric {
  if ((config as KerasObject)?.class_name !== undefined) {
    const keras = readSerializedObject(config)!;
    return fromPythonConfig(keras.className, keras.config);
  }
  config = config as DistanceMetricConfig | DistanceGapMetricConfig;
  if (config?.className === 'DistanceMetric') return DistanceMetric.fromConfig(config);
  if (config?.className === 'DistanceGapMetric') return DistanceGapMetric.fromConfig(config);
  throw new ValueError(
    `cannot rebuild a training metric from ${JSON.stringify(config)}: className must be DistanceMetric or DistanceGapMetric`,
  );
}

/**
 * A metric from the Python class name (`DistanceMetric`, `DistanceGapMetric`)
 * and its `get_config()`: Python option names, and Keras' `dtype`, which
 * must be float32 (the metrics compute in float32).
 */
export function fromPythonConfig(name: string, config: Record<string, unknown>): TrainingMetric {
  const { dtype, distance, ...options } = fromPythonKeys(config, name);
  if (dtype !== undefined && dtype !== 'float32')
    throw new ValueError(`${name}: the metrics compute in float32, got dtype ${String(dtype)}`);
  if (distance === undefined) throw new ValueError(`${name}: a Python config needs its "distance"`);
  if (name === 'DistanceMetric') return new DistanceMetric(distance as DistanceIdentifier, options);
  if (name === 'DistanceGapMetric') return new DistanceGapMetric(distance as DistanceIdentifier, options);
  throw new UnknownNameError('training metric class', name, ['DistanceMetric', 'DistanceGapMetric']);
}
