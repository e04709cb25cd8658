import * as tf from '@tensorflow/tfjs-core';
import { FormatError, ValueError } from '@tfsim/utils';
import type sharpFunction from 'sharp';

import type { ExampleValue } from './examples';
import { MultiShotMemorySampler, type MultiShotMemorySamplerOptions } from './memory-samplers';

type Sharp = typeof sharpFunction;
let sharpModule: Sharp | undefined;

/** sharp (libvips) is loaded on first use, so memory samplers never load it. */
function loadSharp(): Sharp {
  if (!sharpModule) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const loaded = require('sharp') as Sharp & { default?: Sharp };
    sharpModule = (loaded.default ?? loaded) as Sharp;
  }
  return sharpModule;
}

/**
 * Decodes an image file (JPEG, PNG, WebP, GIF, TIFF, AVIF) into a float32
 * tensor [height, width, 3] with values in [0, 1], as the Python library's
 * `load_image`: grey images become RGB, alpha is dropped. With
 * `targetSize` = [height, width] the image is resized to exactly that size
 * (Lanczos-3, aspect ratio not kept, as `tf.image.resize`).
 */
export async function loadImage(path: string, targetSize?: readonly [number, number]): Promise<tf.Tensor3D> {
  if (typeof path !== 'string') throw new ValueError(`loadImage needs a file path, got ${typeof path}`);
  const sharp = loadSharp();
  let pipeline = sharp(path).removeAlpha().toColourspace('srgb');
  if (targetSize) {
    const [height, width] = targetSize;
    if (!(Number.isInteger(height) && Number.isInteger(width) && height > 0 && width > 0)) {
      throw new ValueError(`targetSize must be [height, width] of positive integers, got [${targetSize.join(', ')}]`);
    }
    pipeline = pipeline.resize({ width, height, fit: 'fill', kernel: 'lanczos3' });
  }
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    decoded = await pipeline.raw().toBuffer({ resolveWithObject: true });
  } catch (err) {
    throw new FormatError(`cannot decode image ${path}: ${(err as Error).message}`, { cause: err });
  }
  const { data, info } = decoded;
  const values = new Float32Array(data.length);
  for (let i = 0; i < data.length; i++) values[i] = data[i]! / 255;
  return tf.tensor3d(values, [info.height, info.width, info.channels]);
}

export interface MultiShotFileSamplerOptions extends MultiShotMemorySamplerOptions<string> {
  /** Loads one file. Default `loadImage`. */
  loadExampleFn?: (path: string) => ExampleValue | Promise<ExampleValue>;
}

/**
 * Class-balanced batches of examples stored as files (the Python library's
 * `MultiShotFileSampler`): `x` is a list of paths, loaded when a batch needs
 * them, by default decoded as images with sharp. Sampling is that of
 * `MultiShotMemorySampler`; `getSlice` over many files shows progress on a
 * terminal.
 */
export class MultiShotFileSampler extends MultiShotMemorySampler<string> {
  constructor(x: readonly string[], y: tf.Tensor | ArrayLike<number>, options: MultiShotFileSamplerOptions = {}) {
    if (!Array.isArray(x)) throw new ValueError('MultiShotFileSampler needs x as an array of file paths');
    x.forEach((p, i) => {
      if (typeof p !== 'string') throw new ValueError(`x[${i}] must be a file path, got ${typeof p}`);
    });
    super(x, y, { ...options, loadExampleFn: options.loadExampleFn ?? ((path: string) => loadImage(path)) });
  }
}
