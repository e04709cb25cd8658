/**
 * The data splits of the supervised examples. Classes are either trained on
 * ("known") or held out ("unseen"); every split below is disjoint from the
 * others, so no digit the model trained on is indexed, calibrated on or
 * tested with.
 */
import { ValueError } from '@tfsim/utils';

import type { ImageDataset } from '../data/idx';

export interface SplitSizes {
  /** Training examples per known class (at most; fewer when the class is short). */
  trainPerClass: number;
  /** Indexed examples per class, all classes (the Python notebook: 20). */
  indexPerClass: number;
  /** Calibration examples per class, all classes. */
  calibrationPerClass: number;
  /** Test queries per class, all classes (at most). */
  testPerClass: number;
}

export interface Splits {
  train: number[];
  index: number[];
  calibration: number[];
  testKnown: number[];
  testUnseen: number[];
}

/**
 * Positions of each split in `data`. Per class, in the dataset's order: the
 * index examples, the calibration examples, then for a known class its
 * training examples and the test queries from what is left, for an unseen
 * class the test queries.
 */
export function splitDataset(
  labels: ArrayLike<number>,
  knownClasses: readonly number[],
  unseenClasses: readonly number[],
  sizes: SplitSizes,
): Splits {
  const overlap = knownClasses.filter((c) => unseenClasses.includes(c));
  if (overlap.length > 0) throw new ValueError(`classes ${overlap.join(', ')} are both known and unseen`);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(i);
  }
  const splits: Splits = { train: [], index: [], calibration: [], testKnown: [], testUnseen: [] };
  const evalPerClass = sizes.indexPerClass + sizes.calibrationPerClass + 1;
  for (const c of [...knownClasses, ...unseenClasses]) {
    const positions = byClass.get(c) ?? [];
    const known = knownClasses.includes(c);
    const needed = evalPerClass + (known ? 2 : 0); // known classes also train on at least two
    if (positions.length < needed) {
      throw new ValueError(`class ${c} has ${positions.length} examples; the splits need at least ${needed}`);
    }
    let at = 0;
    const take = (n: number): number[] => {
      const part = positions.slice(at, at + n);
      at += part.length;
      return part;
    };
    splits.index.push(...take(sizes.indexPerClass));
    splits.calibration.push(...take(sizes.calibrationPerClass));
    if (known) {
      // Training comes first; the test queries get what is left, at least one.
      splits.train.push(...take(Math.min(sizes.trainPerClass, positions.length - at - 1)));
      splits.testKnown.push(...take(sizes.testPerClass));
    } else {
      splits.testUnseen.push(...take(sizes.testPerClass));
    }
  }
  return splits;
}

/** Images at `positions` as one Float32Array [n, height, width], and their labels. */
export function gather(data: ImageDataset, positions: readonly number[]): { images: Float32Array; labels: number[] } {
  const size = data.height * data.width;
  const images = new Float32Array(positions.length * size);
  positions.forEach((p, i) => images.set(data.images.subarray(p * size, (p + 1) * size), i * size));
  return { images, labels: positions.map((p) => data.labels[p]!) };
}
