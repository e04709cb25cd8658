import * as tf from '@tensorflow/tfjs-core';
import { type OptionKeys, ValueError } from '@tfsim/utils';

import { ImageAugmenter } from './augmenter';
import { imageViews } from './image-ops';
import { centerCrop, randomColorJitter, randomCropWithResize, randomFlipLeftRight } from './transforms';

export interface SimCLRAugmenterOptions {
  height: number;
  width: number;
  /** Training views (random) or evaluation views (a centre crop). Default true. */
  isTraining?: boolean;
  /** Colour jitter and grey-scale. Default true. */
  colorDistort?: boolean;
  /** Strength of the colour jitter. Default 1. */
  jitterStrength?: number;
  /** The Python library's spelling of `jitterStrength`. */
  jitterStength?: number;
  /** Random crop and resize. Default true. */
  crop?: boolean;
  /** Centre-crop proportion of evaluation views. Default 0.875 (ImageNet's). */
  evalCropProportion?: number;
  /** Random left-right flip. Default true. */
  flip?: boolean;
  /** 'v2' (multiplicative brightness) or 'v1' (additive). Default 'v2'. */
  version?: 'v1' | 'v2';
  /**
   * Inputs are divided by this first. Default 255: as the Python library,
   * the augmenter takes pixel values in [0, 255]; pass 1 for images already
   * in [0, 1] (what `loadImage` returns).
   */
  maxValue?: number;
  /** Seed of the random views. Default: time. */
  seed?: number;
}

/**
 * SimCLR's augmentation (Chen et al., "Big Self-Supervised Models are Strong
 * Semi-Supervised Learners"): each view is a random crop resized to
 * [height, width], a random flip and a colour distortion (jitter in random
 * order, then grey-scale), clipped to [0, 1]. Evaluation views are a centre
 * crop. Takes a batch [N, H, W, 3] and returns `numAugmentationsPerExample`
 * views of shape [N, height, width, 3].
 */
export class SimCLRAugmenter extends ImageAugmenter {
  static override readonly optionKeys: OptionKeys<SimCLRAugmenterOptions> = {
    height: true,
    width: true,
    isTraining: true,
    colorDistort: true,
    jitterStrength: true,
    jitterStength: true,
    crop: true,
    evalCropProportion: true,
    flip: true,
    version: true,
    maxValue: true,
    seed: true,
  };
  readonly isTraining: boolean;
  readonly colorDistort: boolean;
  readonly jitterStrength: number;
  readonly crop: boolean;
  readonly evalCropProportion: number;
  readonly flip: boolean;
  readonly version: 'v1' | 'v2';
  readonly impl: 'multiplicative' | 'additive';
  readonly maxValue: number;

  constructor(options: SimCLRAugmenterOptions) {
    super(options);
    this.isTraining = options.isTraining ?? true;
    this.colorDistort = options.colorDistort ?? true;
    this.jitterStrength = options.jitterStrength ?? options.jitterStength ?? 1;
    this.crop = options.crop ?? true;
    this.evalCropProportion = options.evalCropProportion ?? 0.875;
    this.flip = options.flip ?? true;
    this.version = options.version ?? 'v2';
    if (this.version !== 'v1' && this.version !== 'v2') throw new ValueError(`version must be "v1" or "v2", got "${String(this.version)}"`);
    this.impl = this.version === 'v2' ? 'multiplicative' : 'additive';
    this.maxValue = options.maxValue ?? 255;
    if (!(this.maxValue > 0)) throw new ValueError(`maxValue must be positive, got ${this.maxValue}`);
  }

  augment(x: tf.Tensor, _y?: tf.Tensor, numAugmentationsPerExample = 2, _isWarmup = true): tf.Tensor[] {
    return imageViews(x, 'SimCLRAugmenter', numAugmentationsPerExample, this.maxValue, (images) => this.view(images));
  }

  private view(x: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      let image: tf.Tensor4D;
      if (!this.isTraining) {
        image = this.crop ? centerCrop(x, this.height, this.width, this.evalCropProportion) : this.resized(x);
      } else {
        image = this.crop ? randomCropWithResize(x, this.rng, this.height, this.width) : this.resized(x);
        if (this.flip) image = randomFlipLeftRight(image, this.rng);
        if (this.colorDistort) image = randomColorJitter(image, this.rng, { strength: this.jitterStrength, impl: this.impl });
      }
      return tf.clipByValue(image, 0, 1);
    });
  }

  private resized(x: tf.Tensor4D): tf.Tensor4D {
    const [, h, w] = x.shape;
    return h === this.height && w === this.width ? tf.clone(x) : tf.image.resizeBilinear(x, [this.height, this.width]);
  }
}
