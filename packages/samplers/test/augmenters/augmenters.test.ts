import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { describeEachBackend, expectClose, expectNoLeak } from '@tfsim/test-utils';
import { Rng } from '@tfsim/utils';

import {
  adjustBrightness,
  adjustContrast,
  adjustHue,
  adjustSaturation,
  BarlowAugmenter,
  ContrastiveAugmenter,
  cropAndResize,
  gaussianBlur,
  hsvToRgb,
  randomBlur,
  randomColorJitter,
  randomFlipLeftRight,
  randomSolarize,
  rgbToGrayscale,
  rgbToHsv,
  sampleDistortedBox,
  SimCLRAugmenter,
  SingleShotMemorySampler,
  solarize,
} from '../../src';

interface ImageOpsFixture {
  images: number[];
  shape: [number, number, number, number];
  brightness: { delta: number[]; output: number[] };
  contrast: { factor: number[]; output: number[] };
  saturation: { factor: number[]; output: number[] };
  hue: { delta: number[]; output: number[] };
  grayscale: number[];
  rgb_to_hsv: number[];
  hsv_to_rgb: number[];
  crop_and_resize: { boxes: number[]; size: [number, number]; output: number[] };
  gaussian_blur: { kernel_size: number; sigma: number[]; output: number[] };
}

const ref = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'image-ops.json'), 'utf8')) as ImageOpsFixture;

/** A seeded batch of RGB images in [0, 255]. */
function images(n: number, h: number, w: number, seed = 1): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(
    Float32Array.from({ length: n * h * w * 3 }, () => rng.int(256)),
    [n, h, w, 3],
  );
}

function range(t: tf.Tensor): [number, number] {
  const v = t.dataSync();
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) {
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  return [lo, hi];
}

// Seeded augmentations on the first backend, compared on the others.
const crossBackend = new Map<string, Float32Array>();
function sameOnEveryBackend(key: string, values: Float32Array, tol: number): void {
  const first = crossBackend.get(key);
  if (!first) crossBackend.set(key, values);
  else expectClose(values, first, tol);
}

describeEachBackend('image ops against tf.image', ({ tol }) => {
  let x: tf.Tensor4D;
  beforeAll(() => (x = tf.tensor4d(ref.images, ref.shape)));
  afterAll(() => x.dispose());

  it('brightness, contrast, saturation and hue match TensorFlow', async () => {
    await expectNoLeak(() => {
      const out = tf.tidy(() => [
        adjustBrightness(x, ref.brightness.delta).dataSync(),
        adjustContrast(x, ref.contrast.factor).dataSync(),
        adjustSaturation(x, ref.saturation.factor).dataSync(),
        adjustHue(x, ref.hue.delta).dataSync(),
      ]);
      expectClose(out[0]!, ref.brightness.output, tol);
      expectClose(out[1]!, ref.contrast.output, 1e-5);
      expectClose(out[2]!, ref.saturation.output, 2e-5);
      expectClose(out[3]!, ref.hue.output, 2e-5);
    });
  });

  it('grey-scale and HSV conversions match TensorFlow', async () => {
    await expectNoLeak(() => {
      tf.tidy(() => {
        expectClose(rgbToGrayscale(x), ref.grayscale, 1e-5);
        const hsv = rgbToHsv(x);
        expectClose(hsv, ref.rgb_to_hsv, 1e-5);
        expectClose(hsvToRgb(hsv), ref.hsv_to_rgb, 1e-5);
      });
    });
  });

  it('crop-and-resize and the Gaussian blur match TensorFlow and the Python library', async () => {
    await expectNoLeak(() => {
      tf.tidy(() => {
        const boxes = [ref.crop_and_resize.boxes.slice(0, 4), ref.crop_and_resize.boxes.slice(4, 8)];
        expectClose(cropAndResize(x, boxes, ref.crop_and_resize.size), ref.crop_and_resize.output, 1e-5);
        expectClose(gaussianBlur(x, ref.gaussian_blur.sigma, ref.gaussian_blur.kernel_size), ref.gaussian_blur.output, 1e-5);
      });
    });
  });

  it('random transforms at probability 1 are the plain ops', async () => {
    await expectNoLeak(() => {
      tf.tidy(() => {
        const rng = new Rng(1);
        expectClose(randomFlipLeftRight(x, rng, 1), tf.reverse(x, 2), 0);
        expectClose(randomFlipLeftRight(x, rng, 0), x, 0);
        expectClose(randomColorJitter(x, rng, { pJitter: 0, pGrey: 1 }), rgbToGrayscale(x), 0);
        expectClose(randomColorJitter(x, rng, { pExecute: 0 }), x, 0);
        expectClose(randomSolarize(x, rng, { p: 1, thresh: 0.5, pixelMax: 1 }), solarize(x, 0.5, 1), 0);
        expectClose(randomBlur(x, rng, 30, { p: 1, minSigma: 0.8, maxSigma: 0.8 }), gaussianBlur(x, [0.8, 0.8], 3), 1e-6);
      });
    });
  });
});

describeEachBackend('SimCLRAugmenter', ({ backend }) => {
  it('gives views of the target shape in [0, 1], deterministic under a seed', async () => {
    const x = images(4, 12, 10);
    const views = await expectNoLeak(() => new SimCLRAugmenter({ height: 8, width: 8, seed: 3 }).augment(x, undefined, 2), 2);
    expect(views.map((v) => v.shape)).toEqual([
      [4, 8, 8, 3],
      [4, 8, 8, 3],
    ]);
    for (const v of views) {
      const [lo, hi] = range(v);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
    }
    const again = new SimCLRAugmenter({ height: 8, width: 8, seed: 3 }).augment(x, undefined, 2);
    expectClose(again[0]!, views[0]!, 0);
    expectClose(again[1]!, views[1]!, 0);
    const other = new SimCLRAugmenter({ height: 8, width: 8, seed: 4 }).augment(x, undefined, 2);
    expect(Array.from(other[0]!.dataSync())).not.toEqual(Array.from(views[0]!.dataSync()));
    // Two views of one image differ (independent draws).
    expect(Array.from(views[1]!.dataSync())).not.toEqual(Array.from(views[0]!.dataSync()));
    sameOnEveryBackend('simclr', Float32Array.from(views[0]!.dataSync()), 1e-4);
    tf.dispose([x, ...views, ...again, ...other]);
    expect(backend).toBeDefined();
  });

  it('makes a centred evaluation crop that ignores the seed', () => {
    const x = images(2, 16, 16);
    const a = new SimCLRAugmenter({ height: 7, width: 7, isTraining: false, seed: 1 }).augment(x, undefined, 1);
    const b = new SimCLRAugmenter({ height: 7, width: 7, isTraining: false, seed: 2 }).augment(x, undefined, 1);
    expect(a[0]!.shape).toEqual([2, 7, 7, 3]);
    expectClose(a[0]!, b[0]!, 0);
    // The centre 14x14 of 16x16 is rows/cols 1..14: its corner pixel is pixel (1, 1) / 255.
    expectClose(tf.slice(a[0]!, [0, 0, 0, 0], [1, 1, 1, 3]), tf.div(tf.slice(x, [0, 1, 1, 0], [1, 1, 1, 3]), 255), 1e-6);
    tf.dispose([x, ...a, ...b]);
  });
});

describeEachBackend('BarlowAugmenter', () => {
  it('gives views of the target shape in [0, 1], deterministic under a seed, without leaks', async () => {
    const x = tf.div(images(3, 20, 20, 7), 255) as tf.Tensor4D;
    const make = (seed: number) =>
      new BarlowAugmenter({ width: 16, height: 16, seed, blurProbability: 0.5, solarizeProbability: 0.5 }).augment(x, undefined, 3);
    const views = await expectNoLeak(() => make(5), 3);
    expect(views.map((v) => v.shape)).toEqual([
      [3, 16, 16, 3],
      [3, 16, 16, 3],
      [3, 16, 16, 3],
    ]);
    for (const v of views) {
      const [lo, hi] = range(v);
      expect(lo).toBeGreaterThanOrEqual(0);
      expect(hi).toBeLessThanOrEqual(1);
    }
    const again = make(5);
    views.forEach((v, i) => expectClose(again[i]!, v, 0));
    sameOnEveryBackend('barlow', Float32Array.from(tf.concat(views).dataSync()), 1e-4);
    tf.dispose([x, ...views, ...again]);
  });
});

describeEachBackend('augmenters in a sampler', () => {
  it('SingleShotMemorySampler with SimCLR views stays balanced and leaks nothing', async () => {
    const x = images(10, 12, 12, 2);
    const sampler = new SingleShotMemorySampler(x, {
      augmenter: new SimCLRAugmenter({ height: 8, width: 8, seed: 1 }),
      examplesPerBatch: 4,
      seed: 2,
    });
    for (let b = 0; b < 3; b++) {
      const batch = await expectNoLeak(() => sampler.generateBatch(b), 2);
      expect(batch.xs.shape).toEqual([8, 8, 8, 3]);
      const ids = Array.from(batch.ys.dataSync());
      expect(ids.slice(4)).toEqual(ids.slice(0, 4));
      expect(new Set(ids).size).toBe(4);
      tf.dispose([batch.xs, batch.ys]);
    }
    x.dispose();
  });

  it('ContrastiveAugmenter applies its process to each example', async () => {
    const x = images(3, 4, 4);
    const aug = new ContrastiveAugmenter((image, rng) => (rng.next() < 2 ? tf.reverse(image, 1) : image), { seed: 1 });
    const views = await expectNoLeak(() => aug.augment(x, undefined, 2), 2);
    expectClose(views[0]!, tf.reverse(x, 2), 0);
    expectClose(views[1]!, tf.reverse(x, 2), 0);
    tf.dispose([x, ...views]);
  });
});

describe('sampleDistortedBox', () => {
  it('draws boxes inside the image, in the area and aspect ranges', () => {
    const rng = new Rng(9);
    for (let i = 0; i < 400; i++) {
      const [top, left, h, w] = sampleDistortedBox(rng, 40, 30, { areaRange: [0.08, 1], aspectRatioRange: [0.75, 4 / 3] });
      expect(top).toBeGreaterThanOrEqual(0);
      expect(left).toBeGreaterThanOrEqual(0);
      expect(top + h).toBeLessThanOrEqual(40);
      expect(left + w).toBeLessThanOrEqual(30);
      const area = (h * w) / 1200;
      if (h === 40 && w === 30) continue;
      expect(area).toBeGreaterThanOrEqual(0.1);
      expect(area).toBeLessThanOrEqual(1);
      // Rounding to whole pixels moves the aspect ratio a little.
      expect(w / h).toBeGreaterThan(0.75 * 0.8);
      expect(w / h).toBeLessThan((4 / 3) * 1.25);
    }
  });
});

describe('augmenter options', () => {
  it('SimCLRAugmenter and BarlowAugmenter reject unknown keys with a suggestion', () => {
    expect(() => new SimCLRAugmenter({ height: 8, width: 8, color_distort: false } as never)).toThrow(
      "unknown option 'color_distort' for SimCLRAugmenter; did you mean 'colorDistort'?",
    );
    expect(() => new BarlowAugmenter({ height: 8, width: 8, solarize_probability: 0 } as never)).toThrow(
      "unknown option 'solarize_probability' for BarlowAugmenter; did you mean 'solarizeProbability'?",
    );
  });
});
