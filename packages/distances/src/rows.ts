/**
 * @tfsim/distances/rows: the distances by name for the index side, typed as
 * `RowDistance` so that these declarations name no TensorFlow.js type (a
 * project without @tensorflow/* typechecks them with `skipLibCheck: false`).
 * The objects are the same as the main entry's.
 */
import type { KerasObject } from '@tfsim/utils/core';

import * as registry from './registry';
import type { DistanceConfig, RowDistance } from './row-distance';

export type { DistanceConfig, RowDistance } from './row-distance';

/** What `getDistance` accepts: a name or alias, a saved config (ours, Python's or Keras'), or a distance (returned as is). */
export type RowDistanceIdentifier = string | DistanceConfig | KerasObject | RowDistance;

/** True for an object that implements the row side of the Distance contract. */
export function isRowDistance(x: unknown): x is RowDistance {
  return (
    typeof x === 'object' &&
    x !== null &&
    typeof (x as RowDistance).name === 'string' &&
    typeof (x as RowDistance).pairwise === 'function' &&
    typeof (x as RowDistance).between === 'function'
  );
}

/** `getDistance` of the main entry; a RowDistance without tensor math is returned as is too. */
export function getDistance(identifier: RowDistanceIdentifier): RowDistance {
  return isRowDistance(identifier) ? identifier : registry.getDistance(identifier);
}

/** The canonical name of a distance name or alias (`'l2'` -> `'euclidean'`). */
export function canonicalDistanceName(name: string): string {
  return registry.canonicalDistanceName(name);
}

/** The canonical names of the registered distances. */
export function distanceNames(): string[] {
  return registry.distanceNames();
}

/** Every accepted distance name: canonical names and aliases. */
export function distanceAliases(): string[] {
  return registry.distanceAliases();
}
