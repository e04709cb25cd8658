import { ShapeError, ValueError } from './errors';

/** Throws ValueError naming the first NaN or Infinity in `values`. */
export function assertFinite(values: ArrayLike<number>, what: string, cols?: number): void {
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isFinite(v)) {
      const where = cols ? `row ${Math.floor(i / cols)}, column ${i % cols}` : `position ${i}`;
      throw new ValueError(`${what} contains ${v} at ${where}; values must be finite`);
    }
  }
}

/** Throws ValueError unless `value` is an integer >= `min`. */
export function assertInteger(value: number, what: string, min = Number.NEGATIVE_INFINITY): void {
  if (!Number.isInteger(value) || value < min) {
    const bound = min === Number.NEGATIVE_INFINITY ? '' : ` >= ${min}`;
    throw new ValueError(`${what} must be an integer${bound}, got ${value}`);
  }
}

/** Throws ShapeError unless both sequences have the same length. */
export function assertSameLength(a: { length: number }, b: { length: number }, aName: string, bName: string): void {
  if (a.length !== b.length) {
    throw new ShapeError(`${aName} and ${bName} must have the same length, got ${a.length} and ${b.length}`);
  }
}
