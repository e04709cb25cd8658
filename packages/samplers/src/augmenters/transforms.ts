/**
 * Random image transforms of the Python library's augmentation_utils
 * (crop and resize, flip, colour jitter, grey-scale, blur, solarise), batched:
 * each image of the batch gets its own random parameters, drawn from the
 * given seeded Rng in a fixed order, so a seed gives the same images on every
 * backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { type Rng, ValueError } from '@tfsim/utils';

import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  applyToRows,
  assertImages,
  cropAndResize,
  flipLeftRight,
  gaussianBlur,
  pixelBox,
  rgbToGrayscale,
  scaleBrightness,
  solarize,
} from './image-ops';

/** True with probability `p` (the Python library's `random_apply` test). */
export function coin(rng: Rng, p: number): boolean {
  return rng.next() < p;
}

export interface DistortedBoxOptions {
  /** Width / height range of the crop. Default [3/4, 4/3]. */
  aspectRatioRange?: [number, number];
  /** Fraction of the image area the crop covers. Default [0.05, 1]. */
  areaRange?: [number, number];
  /** The crop covers at least this fraction of the whole image. Default 0.1. */
  minObjectCovered?: number;
  /** Tries before falling back to the whole image. Default 100. */
  maxAttempts?: number;
}

/**
 * A random crop rectangle as tf.image.sample_distorted_bounding_box draws it
 * over the whole image: aspect ratio and area uniform in their ranges,
 * position uniform; the whole image when no try fits. Returns
 * [top, left, height, width] in pixels.
 */
export function sampleDistortedBox(
  rng: Rng,
  imageHeight: number,
  imageWidth: number,
  options: DistortedBoxOptions = {},
): [number, number, number, number] {
  const [ar0, ar1] = options.aspectRatioRange ?? [3 / 4, 4 / 3];
  const [a0, a1] = options.areaRange ?? [0.05, 1];
  const minCovered = options.minObjectCovered ?? 0.1;
  const attempts = options.maxAttempts ?? 100;
  const area = imageHeight * imageWidth;
  for (let i = 0; i < attempts; i++) {
    const aspect = rng.uniform(ar0, ar1);
    const target = rng.uniform(a0, a1) * area;
    const h = Math.round(Math.sqrt(target / aspect));
    const w = Math.round(h * aspect);
    if (h < 1 || w < 1 || h > imageHeight || w > imageWidth) continue;
    const covered = (h * w) / area;
    if (covered < minCovered || covered < a0 || covered > a1) continue;
    const top = rng.int(imageHeight - h + 1);
    const left = rng.int(imageWidth - w + 1);
    return [top, left, h, w];
  }
  return [0, 0, imageHeight, imageWidth];
}

/**
 * SimCLR's random crop and resize (the Python `random_crop_with_resize` /
 * `crop_and_resize`): a distorted box covering 8%-100% of the image with an
 * aspect ratio within [3/4, 4/3] of the target's, resized to
 * [height, width] (bilinear: tfjs has no bicubic resize). Applied to each
 * image with probability `p`; the others are only resized.
 */
export function randomCropWithResize(x: tf.Tensor4D, rng: Rng, height: number, width: number, p = 1): tf.Tensor4D {
  assertImages(x);
  const [n, ih, iw] = x.shape;
  const aspect = width / height;
  const boxes: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (!coin(rng, p)) {
      boxes.push([0, 0, 1, 1]);
      continue;
    }
    const [top, left, h, w] = sampleDistortedBox(rng, ih, iw, {
      aspectRatioRange: [(3 / 4) * aspect, (4 / 3) * aspect],
      areaRange: [0.08, 1],
      minObjectCovered: 0.1,
      maxAttempts: 100,
    });
    boxes.push(pixelBox(top, left, h, w, ih, iw));
  }
  return cropAndResize(x, boxes, [height, width]);
}

/**
 * Barlow Twins' random resized crop (the Python `random_resized_crop`): a
 * random square whose side is drawn from [min, max) x the image's shorter
 * side, resized to [height, width]. Applied with probability `p`.
 */
export function randomResizedCrop(
  x: tf.Tensor4D,
  rng: Rng,
  height: number,
  width: number,
  options: { minCropsizeMultiplier?: number; maxCropsizeMultiplier?: number; p?: number } = {},
): tf.Tensor4D {
  assertImages(x);
  const [n, ih, iw] = x.shape;
  const lo = options.minCropsizeMultiplier ?? 0.75;
  const hi = options.maxCropsizeMultiplier ?? 1;
  const p = options.p ?? 1;
  const side = Math.min(ih, iw);
  const minSide = Math.max(1, Math.floor(lo * side));
  const maxSide = Math.max(minSide + 1, Math.floor(hi * side));
  const boxes: number[][] = [];
  for (let i = 0; i < n; i++) {
    if (!coin(rng, p)) {
      boxes.push([0, 0, 1, 1]);
      continue;
    }
    const s = Math.min(side, minSide + rng.int(maxSide - minSide));
    const top = rng.int(ih - s + 1);
    const left = rng.int(iw - s + 1);
    boxes.push(pixelBox(top, left, s, s, ih, iw));
  }
  return cropAndResize(x, boxes, [height, width]);
}

/**
 * SimCLR's evaluation crop (the Python `center_crop`): the central
 * `cropProportion` of the image at the target's aspect ratio, resized to
 * [height, width] (bilinear).
 */
export function centerCrop(x: tf.Tensor4D, height: number, width: number, cropProportion = 0.875): tf.Tensor4D {
  assertImages(x);
  const [n, ih, iw] = x.shape;
  const aspect = width / height;
  let ch: number;
  let cw: number;
  if (aspect > iw / ih) {
    cw = Math.round(cropProportion * iw);
    ch = Math.round((cropProportion / aspect) * iw);
  } else {
    ch = Math.round(cropProportion * ih);
    cw = Math.round(cropProportion * aspect * ih);
  }
  ch = Math.max(1, Math.min(ih, ch));
  cw = Math.max(1, Math.min(iw, cw));
  const top = Math.floor((ih - ch + 1) / 2);
  const left = Math.floor((iw - cw + 1) / 2);
  const box = pixelBox(top, left, ch, cw, ih, iw);
  return cropAndResize(
    x,
    Array.from({ length: n }, () => box),
    [height, width],
  );
}

/** Mirrors each image left to right with probability `p`. */
export function randomFlipLeftRight(x: tf.Tensor4D, rng: Rng, p = 0.5): tf.Tensor4D {
  assertImages(x);
  const flipped: number[] = [];
  for (let i = 0; i < x.shape[0]; i++) if (coin(rng, p)) flipped.push(i);
  return applyToRows(x, [{ indices: flipped, fn: flipLeftRight }]);
}

export interface ColorJitterOptions {
  /** Scales the four multipliers. Default 1. */
  strength?: number;
  brightnessMultiplier?: number;
  contrastMultiplier?: number;
  saturationMultiplier?: number;
  hueMultiplier?: number;
  /** Probability of the whole transform (jitter then grey). Default 1. */
  pExecute?: number;
  /** Probability of the colour jitter. Default 0.8. */
  pJitter?: number;
  /** Probability of grey-scale, after the jitter. Default 0.2. */
  pGrey?: number;
  /** SimCLR v2's 'multiplicative' or v1's 'additive' brightness. Default 'multiplicative'. */
  impl?: 'multiplicative' | 'additive';
  /** Jitter in a random order per image. Default true. */
  randomOrder?: boolean;
}

/**
 * The Python library's `random_color_jitter`: with probability `pJitter`,
 * brightness, contrast, saturation and hue jitter in a random order (values
 * clipped to [0, 1] after each), then with probability `pGrey` grey-scale.
 * Brightness factor U(max(0, 1 - b), 1 + b) (multiplicative) or delta
 * U(-b, b) (additive); contrast and saturation factors U(1 - m, 1 + m); hue
 * delta U(-h, h). A multiplier of 0 turns its jitter off.
 */
export function randomColorJitter(x: tf.Tensor4D, rng: Rng, options: ColorJitterOptions = {}): tf.Tensor4D {
  assertImages(x);
  const strength = options.strength ?? 1;
  const brightness = (options.brightnessMultiplier ?? 0.8) * strength;
  const contrast = (options.contrastMultiplier ?? 0.8) * strength;
  const saturation = (options.saturationMultiplier ?? 0.8) * strength;
  const hue = (options.hueMultiplier ?? 0.2) * strength;
  const impl = options.impl ?? 'multiplicative';
  if (impl !== 'multiplicative' && impl !== 'additive') throw new ValueError(`unknown impl "${String(impl)}" for random brightness`);
  const pExecute = options.pExecute ?? 1;
  const pJitter = options.pJitter ?? 0.8;
  const pGrey = options.pGrey ?? 0.2;
  const randomOrder = options.randomOrder ?? true;

  const n = x.shape[0];
  const order: number[][] = [];
  const jittered: number[] = [];
  const grey: number[] = [];
  const params = {
    brightness: new Float32Array(n),
    contrast: new Float32Array(n),
    saturation: new Float32Array(n),
    hue: new Float32Array(n),
  };
  for (let i = 0; i < n; i++) {
    order.push([]);
    if (!coin(rng, pExecute)) continue;
    if (coin(rng, pJitter)) {
      jittered.push(i);
      order[i] = randomOrder ? rng.shuffle([0, 1, 2, 3]) : [0, 1, 2, 3];
      params.brightness[i] =
        impl === 'multiplicative' ? rng.uniform(Math.max(1 - brightness, 0), 1 + brightness) : rng.uniform(-brightness, brightness);
      params.contrast[i] = rng.uniform(1 - contrast, 1 + contrast);
      params.saturation[i] = rng.uniform(1 - saturation, 1 + saturation);
      params.hue[i] = rng.uniform(-hue, hue);
    }
    if (coin(rng, pGrey)) grey.push(i);
  }

  const pick = (values: Float32Array, rows: readonly number[]) => rows.map((r) => values[r]!);
  const ops: Array<(rows: tf.Tensor4D, indices: readonly number[]) => tf.Tensor4D> = [
    (rows, idx) =>
      brightness === 0
        ? tf.clone(rows)
        : impl === 'multiplicative'
          ? scaleBrightness(rows, pick(params.brightness, idx))
          : adjustBrightness(rows, pick(params.brightness, idx)),
    (rows, idx) => (contrast === 0 ? tf.clone(rows) : adjustContrast(rows, pick(params.contrast, idx))),
    (rows, idx) => (saturation === 0 ? tf.clone(rows) : adjustSaturation(rows, pick(params.saturation, idx))),
    (rows, idx) => (hue === 0 ? tf.clone(rows) : adjustHue(rows, pick(params.hue, idx))),
  ];

  return tf.tidy(() => {
    let out: tf.Tensor4D = x;
    for (let step = 0; step < 4 && jittered.length; step++) {
      const groups = [0, 1, 2, 3].map((op) => {
        const indices = jittered.filter((i) => order[i]![step] === op);
        return { indices, fn: (rows: tf.Tensor4D) => tf.clipByValue(ops[op]!(rows, indices), 0, 1) };
      });
      out = applyToRows(out, groups);
    }
    if (grey.length) out = applyToRows(out, [{ indices: grey, fn: (rows) => rgbToGrayscale(rows) }]);
    return out === x ? tf.clone(x) : out;
  });
}

/**
 * The Python library's `random_blur`: with probability `p`, a Gaussian blur
 * with sigma U(minSigma, maxSigma) and a kernel of `floor(height /
 * kernelSizeDivider)` taps (made odd).
 */
export function randomBlur(
  x: tf.Tensor4D,
  rng: Rng,
  height: number,
  options: { p?: number; minSigma?: number; maxSigma?: number; kernelSizeDivider?: number } = {},
): tf.Tensor4D {
  assertImages(x);
  const p = options.p ?? 1;
  const minSigma = options.minSigma ?? 0.1;
  const maxSigma = options.maxSigma ?? 2;
  const kernelSize = Math.floor(height / (options.kernelSizeDivider ?? 10));
  const rows: number[] = [];
  const sigmas: number[] = [];
  for (let i = 0; i < x.shape[0]; i++) {
    if (!coin(rng, p)) continue;
    rows.push(i);
    sigmas.push(rng.uniform(minSigma, maxSigma));
  }
  return applyToRows(x, [{ indices: rows, fn: (sub) => gaussianBlur(sub, sigmas, kernelSize) }]);
}

/** The Python library's `random_solarize`: with probability `p`, pixels >= `thresh` become `pixelMax - pixel`. */
export function randomSolarize(x: tf.Tensor4D, rng: Rng, options: { p?: number; thresh?: number; pixelMax?: number } = {}): tf.Tensor4D {
  assertImages(x);
  const p = options.p ?? 0.2;
  const thresh = options.thresh ?? 0.5;
  const pixelMax = options.pixelMax ?? 1;
  const rows: number[] = [];
  for (let i = 0; i < x.shape[0]; i++) if (coin(rng, p)) rows.push(i);
  return applyToRows(x, [{ indices: rows, fn: (sub) => solarize(sub, thresh, pixelMax) }]);
}
