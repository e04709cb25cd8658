/**
 * Batched image operations for the augmenters, on NHWC float32 tensors with
 * values in [0, 1], built from functional tfjs ops so they run on every
 * backend. Per-image parameters (drawn in JavaScript from a seeded Rng) come
 * in as plain arrays, one value per image: the same seed gives the same
 * parameters on every backend. Semantics follow tf.image.
 */
import * as tf from '@tensorflow/tfjs-core';
import { assertInteger, ShapeError } from '@tfsim/utils';

/** One value per image as a `[N, 1, 1, 1]` tensor, to broadcast over an image batch. */
export function perImage(values: ArrayLike<number>): tf.Tensor4D {
  return tf.tensor4d(Float32Array.from(values), [values.length, 1, 1, 1]);
}

export function assertImages(x: tf.Tensor, what = 'images'): asserts x is tf.Tensor4D {
  if (x.rank !== 4) throw new ShapeError(`${what} must be a batch [N, height, width, channels], got shape [${x.shape.join(', ')}]`);
}

/**
 * `count` views of a batch of images for an augmenter: the batch is checked,
 * cast to float32 and divided by `maxValue` once, then `view` makes each view.
 */
export function imageViews(
  x: tf.Tensor,
  owner: string,
  count: number,
  maxValue: number,
  view: (images: tf.Tensor4D) => tf.Tensor4D,
): tf.Tensor[] {
  assertImages(x, `${owner} input`);
  assertInteger(count, 'numAugmentationsPerExample', 1);
  return tf.tidy(() => {
    const images = (maxValue === 1 ? tf.cast(x, 'float32') : tf.div(tf.cast(x, 'float32'), maxValue)) as tf.Tensor4D;
    const views: tf.Tensor[] = [];
    for (let v = 0; v < count; v++) views.push(view(images));
    return views;
  });
}

function assertRgb(x: tf.Tensor4D, what: string): void {
  if (x.shape[3] !== 3) throw new ShapeError(`${what} needs RGB images (3 channels), got ${x.shape[3]}`);
}

function checkCount(x: tf.Tensor4D, values: ArrayLike<number>, what: string): void {
  if (values.length !== x.shape[0]) throw new ShapeError(`${what}: ${values.length} values for ${x.shape[0]} images`);
}

/** tf.image.adjust_brightness per image: `x + delta`. */
export function adjustBrightness(x: tf.Tensor4D, delta: ArrayLike<number>): tf.Tensor4D {
  checkCount(x, delta, 'adjustBrightness');
  return tf.tidy(() => tf.add(x, perImage(delta)));
}

/** SimCLR v2's multiplicative brightness per image: `x * factor`. */
export function scaleBrightness(x: tf.Tensor4D, factor: ArrayLike<number>): tf.Tensor4D {
  checkCount(x, factor, 'scaleBrightness');
  return tf.tidy(() => tf.mul(x, perImage(factor)));
}

/** tf.image.adjust_contrast per image: `(x - mean) * factor + mean`, mean per channel. */
export function adjustContrast(x: tf.Tensor4D, factor: ArrayLike<number>): tf.Tensor4D {
  checkCount(x, factor, 'adjustContrast');
  return tf.tidy(() => {
    const mean = tf.mean(x, [1, 2], true);
    return tf.add(tf.mul(tf.sub(x, mean), perImage(factor)), mean);
  });
}

/** tf.image.rgb_to_hsv: hue in [0, 1), saturation and value. */
export function rgbToHsv(x: tf.Tensor4D): tf.Tensor4D {
  assertRgb(x, 'rgbToHsv');
  return tf.tidy(() => {
    const [r, g, b] = tf.split(x, 3, 3) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const v = tf.maximum(tf.maximum(r, g), b);
    const range = tf.sub(v, tf.minimum(tf.minimum(r, g), b));
    const zero = tf.zerosLike(v);
    const s = tf.where(tf.greater(v, 0), tf.div(range, tf.where(tf.greater(v, 0), v, tf.onesLike(v))), zero);
    const positive = tf.greater(range, 0);
    const safeRange = tf.where(positive, range, tf.onesLike(range));
    // Which channel is the maximum decides the hue sector, red first.
    const fromR = tf.div(tf.sub(g, b), safeRange);
    const fromG = tf.add(tf.div(tf.sub(b, r), safeRange), 2);
    const fromB = tf.add(tf.div(tf.sub(r, g), safeRange), 4);
    let h = tf.where(tf.equal(r, v), fromR, tf.where(tf.equal(g, v), fromG, fromB));
    h = tf.div(h, 6);
    h = tf.where(tf.less(h, 0), tf.add(h, 1), h);
    h = tf.where(positive, h, zero);
    return tf.concat([h, s, v], 3) as tf.Tensor4D;
  });
}

/** tf.image.hsv_to_rgb. */
export function hsvToRgb(x: tf.Tensor4D): tf.Tensor4D {
  assertRgb(x, 'hsvToRgb');
  return tf.tidy(() => {
    const [h, s, v] = tf.split(x, 3, 3) as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    const h6 = tf.mul(h, 6);
    const vs = tf.mul(v, s);
    // channel(n) = v - v s clamp(min(k, 4 - k), 0, 1), k = (n + 6h) mod 6.
    const channel = (n: number) => {
      const k = tf.mod(tf.add(h6, n), 6);
      const t = tf.clipByValue(tf.minimum(k, tf.sub(4, k)), 0, 1);
      return tf.sub(v, tf.mul(vs, t));
    };
    return tf.concat([channel(5), channel(3), channel(1)], 3) as tf.Tensor4D;
  });
}

/** tf.image.adjust_saturation per image: saturation times `factor`, clipped to [0, 1]. */
export function adjustSaturation(x: tf.Tensor4D, factor: ArrayLike<number>): tf.Tensor4D {
  checkCount(x, factor, 'adjustSaturation');
  return tf.tidy(() => {
    const [h, s, v] = tf.split(rgbToHsv(x), 3, 3);
    const s2 = tf.clipByValue(tf.mul(s!, perImage(factor)), 0, 1);
    return hsvToRgb(tf.concat([h!, s2, v!], 3) as tf.Tensor4D);
  });
}

/** tf.image.adjust_hue per image: hue rotated by `delta` (in turns, [-1, 1]). */
export function adjustHue(x: tf.Tensor4D, delta: ArrayLike<number>): tf.Tensor4D {
  checkCount(x, delta, 'adjustHue');
  return tf.tidy(() => {
    const [h, s, v] = tf.split(rgbToHsv(x), 3, 3);
    const h2 = tf.mod(tf.add(h!, perImage(delta)), 1);
    return hsvToRgb(tf.concat([h2, s!, v!], 3) as tf.Tensor4D);
  });
}

/** tf.image.rgb_to_grayscale (ITU-R 601 luma), repeated over 3 channels when `keepChannels`. */
export function rgbToGrayscale(x: tf.Tensor4D, keepChannels = true): tf.Tensor4D {
  assertRgb(x, 'rgbToGrayscale');
  return tf.tidy(() => {
    const weights = tf.tensor1d([0.2989, 0.587, 0.114]);
    const grey = tf.sum(tf.mul(x, weights), 3, true) as tf.Tensor4D;
    return keepChannels ? tf.tile(grey, [1, 1, 1, 3]) : grey;
  });
}

/** Mirrors every image left to right. */
export function flipLeftRight(x: tf.Tensor4D): tf.Tensor4D {
  return tf.reverse(x, 2);
}

/**
 * Solarisation: pixels at or above `threshold` become `pixelMax - pixel`
 * (the Python library's `tf.where(image < thresh, image, pixel_max - image)`).
 */
export function solarize(x: tf.Tensor4D, threshold: number, pixelMax: number): tf.Tensor4D {
  return tf.tidy(() => tf.where(tf.less(x, threshold), x, tf.sub(pixelMax, x)));
}

/**
 * Crops one box per image and resizes it to `size` = [height, width]
 * (bilinear, tf.image.crop_and_resize). Boxes are `[y1, x1, y2, x2]` in
 * normalised coordinates, where 0 and 1 are the centres of the first and
 * last pixel.
 */
export function cropAndResize(x: tf.Tensor4D, boxes: ReadonlyArray<readonly number[]>, size: [number, number]): tf.Tensor4D {
  if (boxes.length !== x.shape[0]) throw new ShapeError(`cropAndResize: ${boxes.length} boxes for ${x.shape[0]} images`);
  return tf.tidy(() => {
    const flat = new Float32Array(boxes.length * 4);
    boxes.forEach((box, i) => flat.set(box.slice(0, 4), i * 4));
    const boxTensor = tf.tensor2d(flat, [boxes.length, 4]);
    const index = tf.range(0, boxes.length, 1, 'int32') as tf.Tensor1D;
    return tf.image.cropAndResize(x, boxTensor, index, size, 'bilinear');
  });
}

/** The normalised `[y1, x1, y2, x2]` box of the pixel rectangle at (top, left) of size height x width. */
export function pixelBox(top: number, left: number, height: number, width: number, imageHeight: number, imageWidth: number): number[] {
  const ny = (p: number) => (imageHeight > 1 ? p / (imageHeight - 1) : 0);
  const nx = (p: number) => (imageWidth > 1 ? p / (imageWidth - 1) : 0);
  return [ny(top), nx(left), ny(top + height - 1), nx(left + width - 1)];
}

/** Normalised Gaussian weights of a kernel of `2 * radius + 1` taps. */
export function gaussianKernel(sigma: number, radius: number): Float32Array {
  const weights = new Float32Array(2 * radius + 1);
  // sigma 0 (a possible draw of U(0, max)) is the identity, not 0/0.
  const s = Math.max(sigma, 1e-6);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) {
    const w = Math.exp(-(i * i) / (2 * s * s));
    weights[i + radius] = w;
    sum += w;
  }
  for (let i = 0; i < weights.length; i++) weights[i]! /= sum;
  return weights;
}

/**
 * Separable Gaussian blur with one sigma per image, zero padding at the
 * borders ("SAME", as the Python library's depthwise convolution).
 * `kernelSize` is rounded up to odd: radius = floor(kernelSize / 2).
 */
export function gaussianBlur(x: tf.Tensor4D, sigma: ArrayLike<number>, kernelSize: number): tf.Tensor4D {
  checkCount(x, sigma, 'gaussianBlur');
  const radius = Math.max(0, Math.floor(kernelSize / 2));
  if (radius === 0) return tf.clone(x);
  const taps = 2 * radius + 1;
  const kernels = Array.from(sigma, (s) => gaussianKernel(s, radius));
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const pass = (img: tf.Tensor4D, axis: 1 | 2): tf.Tensor4D => {
      const padding: Array<[number, number]> = [
        [0, 0],
        [0, 0],
        [0, 0],
        [0, 0],
      ];
      padding[axis] = [radius, radius];
      const padded = tf.pad(img, padding);
      let out: tf.Tensor4D | undefined;
      for (let t = 0; t < taps; t++) {
        const begin = [0, 0, 0, 0];
        begin[axis] = t;
        const slice = tf.slice(padded, begin, [n, h, w, c]);
        const term = tf.mul(slice, perImage(kernels.map((k) => k[t]!))) as tf.Tensor4D;
        out = out ? (tf.add(out, term) as tf.Tensor4D) : term;
      }
      return out!;
    };
    return pass(pass(x, 2), 1);
  });
}

/**
 * Replaces the rows `indices` of `x` by `fn(rows)` and keeps the others:
 * how a transform drawn for some images of a batch is applied to those only.
 */
export function applyToRows(
  x: tf.Tensor4D,
  groups: ReadonlyArray<{ indices: readonly number[]; fn: (rows: tf.Tensor4D) => tf.Tensor4D }>,
): tf.Tensor4D {
  const active = groups.filter((g) => g.indices.length > 0);
  if (active.length === 0) return tf.clone(x);
  const n = x.shape[0];
  const touched = new Uint8Array(n);
  for (const g of active) for (const i of g.indices) touched[i] = 1;
  const untouched: number[] = [];
  for (let i = 0; i < n; i++) if (!touched[i]) untouched.push(i);
  return tf.tidy(() => {
    const order: number[] = [];
    const parts: tf.Tensor4D[] = [];
    if (untouched.length) {
      parts.push(tf.gather(x, untouched));
      order.push(...untouched);
    }
    for (const g of active) {
      parts.push(g.fn(tf.gather(x, g.indices as number[])));
      order.push(...g.indices);
    }
    const stacked = parts.length === 1 ? parts[0]! : (tf.concat(parts, 0) as tf.Tensor4D);
    if (order.every((v, i) => v === i)) return stacked;
    const inverse = new Int32Array(n);
    order.forEach((row, position) => (inverse[row] = position));
    return tf.gather(stacked, inverse);
  });
}
