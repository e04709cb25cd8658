/**
 * Lookups (one list of neighbours per query) into the dense label and
 * distance matrices the matchers and metrics work on, as the Python library
 * unpacks them: short rows are padded (label 0x7FFFFFFF, distance Infinity)
 * and distances can be rounded, in float32, half to even.
 */
import { type DistanceMatrix, EmptyIndexError, type LabelMatrix, type Lookup, ShapeError, ValueError } from '@tfsim/utils/core';

/** The label given to the missing neighbours of a short lookup row. */
export const PADDING_LABEL = 0x7fffffff;

function checkLookups(lookups: ReadonlyArray<ReadonlyArray<Lookup>>): number {
  if (!Array.isArray(lookups)) throw new ShapeError('lookups must be an array with one array of Lookup per query');
  let cols = 0;
  lookups.forEach((row, i) => {
    if (!Array.isArray(row)) throw new ShapeError(`lookups[${i}] must be an array of Lookup`);
    cols = Math.max(cols, row.length);
  });
  if (lookups.length > 0 && cols === 0) {
    throw new EmptyIndexError('every lookup result is empty: is there no data in the index?');
  }
  return cols;
}

/** The neighbours' labels, [queries x k], padded with PADDING_LABEL. */
export function unpackLookupLabels(lookups: ReadonlyArray<ReadonlyArray<Lookup>>): LabelMatrix {
  const cols = checkLookups(lookups);
  const rows = lookups.length;
  const data = new Float64Array(rows * cols).fill(PADDING_LABEL);
  for (let i = 0; i < rows; i++) {
    const row = lookups[i]!;
    for (let j = 0; j < row.length; j++) {
      const label = row[j]?.label;
      if (typeof label !== 'number' || !Number.isSafeInteger(label)) {
        throw new ValueError(
          `lookups[${i}][${j}] has label ${String(label)}: evaluation needs every indexed item to have an integer label`,
        );
      }
      data[i * cols + j] = label;
    }
  }
  return { data, rows, cols };
}

const f32 = Math.fround;

/** Round half to even, as TensorFlow's tf.round. */
function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const diff = x - floor;
  if (diff > 0.5) return floor + 1;
  if (diff < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * `distance` rounded to `digits` decimals the way the Python library does it
 * on float32 tensors: round(d * 10^digits) / 10^digits, each step in float32.
 */
export function roundDistance(distance: number, digits: number): number {
  const scale = f32(10 ** digits);
  return f32(roundHalfEven(f32(f32(distance) * scale)) / scale);
}

/** The neighbours' distances, [queries x k] float32, padded with Infinity, optionally rounded. */
export function unpackLookupDistances(lookups: ReadonlyArray<ReadonlyArray<Lookup>>, distanceRounding?: number | null): DistanceMatrix {
  const cols = checkLookups(lookups);
  const rows = lookups.length;
  if (distanceRounding != null && (!Number.isInteger(distanceRounding) || distanceRounding < 0)) {
    throw new ValueError(`distanceRounding must be an integer >= 0, got ${distanceRounding}`);
  }
  const data = new Float32Array(rows * cols).fill(Number.POSITIVE_INFINITY);
  for (let i = 0; i < rows; i++) {
    const row = lookups[i]!;
    for (let j = 0; j < row.length; j++) {
      const d = row[j]?.distance;
      if (typeof d !== 'number' || Number.isNaN(d)) {
        throw new ValueError(`lookups[${i}][${j}] has distance ${String(d)}; distances must be numbers`);
      }
      data[i * cols + j] = distanceRounding == null ? d : roundDistance(d, distanceRounding);
    }
  }
  return { data, rows, cols };
}
