/**
 * New training classes made from the known ones: every image of a class
 * rotated (or mirrored) becomes an example of a class of its own, as the
 * few-shot literature multiplies Omniglot's classes by rotating them by
 * multiples of 90 degrees (Santoro et al. 2016, Vinyals et al. 2016). Six
 * digits then give the metric many more classes to tell apart.
 */
import { ShapeError, ValueError } from '@tfsim/utils';

export type ClassTransform = 'rot90' | 'rot180' | 'rot270' | 'mirror';

const TRANSFORMS: readonly ClassTransform[] = ['rot90', 'rot180', 'rot270', 'mirror'];

/**
 * Where output pixel (y, x) of an `n x n` image takes its value from, as
 * displayed with y downwards: `rot90` turns a quarter counterclockwise,
 * `rot270` clockwise, `mirror` swaps left and right.
 */
function source(transform: ClassTransform, side: number, y: number, x: number): number {
  const last = side - 1;
  switch (transform) {
    case 'rot90':
      return x * side + (last - y);
    case 'rot180':
      return (last - y) * side + (last - x);
    case 'rot270':
      return (last - x) * side + y;
    case 'mirror':
      return y * side + (last - x);
  }
}

/**
 * The images `[n, side, side]` (row-major, one channel) followed by each
 * transform's copy of all of them; the copy by the k-th transform (from 1)
 * of class c is class `c + k * stride`, with `stride` = the largest label
 * + 1, so no new class collides with a real one.
 */
export function withTransformedClasses(
  images: Float32Array,
  labels: readonly number[],
  side: number,
  transforms: readonly ClassTransform[],
): { images: Float32Array; labels: number[] } {
  const size = side * side;
  if (images.length !== labels.length * size)
    throw new ShapeError(`${labels.length} labels need ${labels.length * size} pixels of ${side} x ${side} images, got ${images.length}`);
  const unknown = transforms.find((t) => !TRANSFORMS.includes(t));
  if (unknown !== undefined) throw new ValueError(`unknown class transform "${String(unknown)}" (${TRANSFORMS.join(', ')})`);
  if (new Set(transforms).size !== transforms.length) throw new ValueError(`a class transform is repeated: ${transforms.join(', ')}`);
  const stride = Math.max(-1, ...labels) + 1;
  const n = labels.length;
  const out = new Float32Array(images.length * (transforms.length + 1));
  out.set(images);
  const outLabels = [...labels];
  transforms.forEach((transform, t) => {
    const map = Int32Array.from({ length: size }, (_, p) => source(transform, side, Math.floor(p / side), p % side));
    const base = (t + 1) * images.length;
    for (let i = 0; i < n; i++) for (let p = 0; p < size; p++) out[base + i * size + p] = images[i * size + map[p]!]!;
    for (const label of labels) outLabels.push(label + (t + 1) * stride);
  });
  return { images: out, labels: outLabels };
}
