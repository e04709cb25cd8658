/**
 * Labels, class indexes and the random draws samplers share.
 */
import type * as tf from '@tensorflow/tfjs-core';
import { assertInteger, isTensor, type Rng, ShapeError, toLabel, ValueError } from '@tfsim/utils';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** Checks one label: the project's label rule (toLabel), and within int32, for the `ys` tensor. */
export function checkLabel(label: unknown, where: string): number {
  const l = toLabel(label, { name: where });
  if (l < INT32_MIN || l > INT32_MAX) throw new ValueError(`${where} must be a class id in int32 range, got ${l}`);
  return l;
}

/** Labels as plain numbers (one read-back for a tensor), each checked. */
export function readLabels(y: tf.Tensor | ArrayLike<number>, name = 'y'): number[] {
  let values: ArrayLike<number>;
  if (isTensor(y)) {
    if (y.rank > 2 || (y.rank === 2 && y.shape[1] !== 1) || y.rank === 0) {
      throw new ShapeError(`${name} must be 1-D (or [n, 1]) class ids, got shape [${y.shape.join(', ')}]`);
    }
    values = y.dataSync() as ArrayLike<number>;
  } else if (y != null && typeof (y as ArrayLike<number>).length === 'number') {
    values = y;
  } else {
    throw new ValueError(`${name} must be a tensor or an array of class ids`);
  }
  const labels = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) labels[i] = checkLabel(values[i], `${name}[${i}]`);
  return labels;
}

/** Distinct values, ascending (a stable class order, unlike Python's set order). */
export function uniqueSorted(values: Iterable<number>): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** Positions of each class among `labels[positions[i]]`, keyed by class. */
export function indexByClass(labels: readonly number[], positions?: readonly number[]): Map<number, number[]> {
  const index = new Map<number, number[]>();
  const n = positions ? positions.length : labels.length;
  for (let i = 0; i < n; i++) {
    const label = labels[positions ? positions[i]! : i]!;
    let list = index.get(label);
    if (!list) index.set(label, (list = []));
    list.push(i);
  }
  return index;
}

/**
 * `k` distinct integers from [0, n), in random order. Cheap for k much
 * smaller than n (no array of n), so single-shot sampling scales to millions.
 */
export function sampleDistinct(rng: Rng, n: number, k: number): number[] {
  assertInteger(k, 'k', 0);
  if (k > n) throw new ValueError(`cannot draw ${k} distinct items from ${n}`);
  if (k * 4 > n) return rng.sample(n, k);
  const seen = new Set<number>();
  const out: number[] = [];
  while (out.length < k) {
    const v = rng.int(n);
    if (!seen.has(v)) {
      seen.add(v);
      out.push(v);
    }
  }
  return out;
}

/** Checks `classList` against the classes present; returns it deduplicated and sorted. */
export function resolveClassList(classList: readonly number[] | undefined, present: ReadonlySet<number>): number[] {
  if (!classList || classList.length === 0) return uniqueSorted(present);
  const wanted = uniqueSorted(classList.map((c, i) => checkLabel(c, `classList[${i}]`)));
  const missing = wanted.filter((c) => !present.has(c));
  if (missing.length) {
    const known = uniqueSorted(present);
    const shown = known.length > 20 ? `${known.slice(0, 20).join(', ')}, ... (${known.length} classes)` : known.join(', ');
    throw new ValueError(`classList names class(es) ${missing.join(', ')} with no example in y; classes in y: ${shown}`);
  }
  return wanted;
}

export interface SelectOptions {
  /** Keep only these classes. Default: all. */
  classList?: readonly number[];
  /** Keep this many examples of each class: drawn without replacement, with replacement when a class has fewer. */
  numExamplesPerClass?: number;
  /** Random draws. */
  rng: Rng;
}

/**
 * Positions of the examples a sampler keeps, shuffled: those of the kept
 * classes, restricted to `numExamplesPerClass` per class when set. Returns
 * the positions and the classes that had to be sampled with replacement.
 *
 * (The Python library's `select_examples` always samples with replacement
 * when restricting, so a class with plenty of examples got duplicates.)
 */
export function selectPositions(
  labels: readonly number[],
  classes: readonly number[],
  options: SelectOptions,
): { positions: number[]; withReplacement: number[] } {
  const { rng, numExamplesPerClass } = options;
  if (numExamplesPerClass !== undefined) assertInteger(numExamplesPerClass, 'totalExamplesPerClass', 1);
  const byClass = indexByClass(labels);
  const positions: number[] = [];
  const withReplacement: number[] = [];
  for (const c of classes) {
    const members = byClass.get(c) ?? [];
    if (numExamplesPerClass === undefined) positions.push(...members);
    else if (members.length >= numExamplesPerClass) {
      for (const i of rng.sample(members.length, numExamplesPerClass)) positions.push(members[i]!);
    } else {
      withReplacement.push(c);
      for (const i of rng.sampleWithReplacement(members.length, numExamplesPerClass)) positions.push(members[i]!);
    }
  }
  rng.shuffle(positions);
  return { positions, withReplacement };
}
