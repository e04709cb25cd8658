import * as tf from '@tensorflow/tfjs-core';
import type { OptionKeys } from '@tfsim/utils';

import { ImageAugmenter } from './augmenter';
import { imageViews } from './image-ops';
import { randomBlur, randomColorJitter, randomFlipLeftRight, randomResizedCrop, randomSolarize } from './transforms';

export interface BarlowAugmenterOptions {
  width: number;
  height: number;
  flipProbability?: number;
  brightnessMultiplier?: number;
  contrastMultiplier?: number;
  saturationMultiplier?: number;
  hueMultiplier?: number;
  jitterProbability?: number;
  greyscaleProbability?: number;
  blurProbability?: number;
  blurMinSigma?: number;
  blurMaxSigma?: number;
  solarizeProbability?: number;
  solarizePixelMin?: number;
  solarizePixelMax?: number;
  solarizeThresh?: number;
  /** Seed of the random views. Default: time. */
  seed?: number;
}

/**
 * Barlow Twins' augmentation (Zbontar et al.), as the Python library's
 * `BarlowAugmenter`: a random square crop resized to [height, width], a flip,
 * additive colour jitter and grey-scale, a Gaussian blur and solarisation,
 * clipped to [0, 1]. Takes images with values in [0, 1].
 *
 * Two departures from the Python code, both bugs there: the flip happens with
 * `flipProbability` (Python flips with half of it, applying a random flip
 * with that probability), and solarisation defaults to the [0, 1] scale of
 * the images it gets (threshold 0.5, max 1; Python's 10 and 255 made it a
 * no-op on [0, 1] images).
 */
export class BarlowAugmenter extends ImageAugmenter {
  static override readonly optionKeys: OptionKeys<BarlowAugmenterOptions> = {
    width: true,
    height: true,
    flipProbability: true,
    brightnessMultiplier: true,
    contrastMultiplier: true,
    saturationMultiplier: true,
    hueMultiplier: true,
    jitterProbability: true,
    greyscaleProbability: true,
    blurProbability: true,
    blurMinSigma: true,
    blurMaxSigma: true,
    solarizeProbability: true,
    solarizePixelMin: true,
    solarizePixelMax: true,
    solarizeThresh: true,
    seed: true,
  };
  readonly flipProbability: number;
  readonly brightnessMultiplier: number;
  readonly contrastMultiplier: number;
  readonly saturationMultiplier: number;
  readonly hueMultiplier: number;
  readonly jitterProbability: number;
  readonly greyscaleProbability: number;
  readonly blurProbability: number;
  readonly blurMinSigma: number;
  readonly blurMaxSigma: number;
  readonly solarizeProbability: number;
  readonly solarizePixelMin: number;
  readonly solarizePixelMax: number;
  readonly solarizeThresh: number;

  constructor(options: BarlowAugmenterOptions) {
    super(options);
    this.flipProbability = options.flipProbability ?? 0.5;
    this.brightnessMultiplier = options.brightnessMultiplier ?? 0.8;
    this.contrastMultiplier = options.contrastMultiplier ?? 0.6;
    this.saturationMultiplier = options.saturationMultiplier ?? 0.6;
    this.hueMultiplier = options.hueMultiplier ?? 0.2;
    this.jitterProbability = options.jitterProbability ?? 0.8;
    this.greyscaleProbability = options.greyscaleProbability ?? 0.2;
    this.blurProbability = options.blurProbability ?? 0.2;
    this.blurMinSigma = options.blurMinSigma ?? 0;
    this.blurMaxSigma = options.blurMaxSigma ?? 1;
    this.solarizeProbability = options.solarizeProbability ?? 0.2;
    this.solarizePixelMin = options.solarizePixelMin ?? 0;
    this.solarizePixelMax = options.solarizePixelMax ?? 1;
    this.solarizeThresh = options.solarizeThresh ?? 0.5;
  }

  augment(x: tf.Tensor, _y?: tf.Tensor, numAugmentationsPerExample = 2, _isWarmup = true): tf.Tensor[] {
    return imageViews(x, 'BarlowAugmenter', numAugmentationsPerExample, 1, (images) => this.view(images));
  }

  private view(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let image = randomResizedCrop(x, this.rng, this.height, this.width);
      image = randomFlipLeftRight(image, this.rng, this.flipProbability);
      image = randomColorJitter(image, this.rng, {
        pJitter: this.jitterProbability,
        pGrey: this.greyscaleProbability,
        strength: 1,
        brightnessMultiplier: this.brightnessMultiplier,
        contrastMultiplier: this.contrastMultiplier,
        saturationMultiplier: this.saturationMultiplier,
        hueMultiplier: this.hueMultiplier,
        impl: 'additive',
      });
      image = randomBlur(image, this.rng, this.height, {
        p: this.blurProbability,
        minSigma: this.blurMinSigma,
        maxSigma: this.blurMaxSigma,
      });
      image = randomSolarize(image, this.rng, {
        p: this.solarizeProbability,
        thresh: this.solarizeThresh,
        pixelMax: this.solarizePixelMax,
      });
      return tf.clipByValue(image, 0, 1);
    });
  }
}
