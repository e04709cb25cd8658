import { assertFinite, ShapeError, ValueError } from '@tfsim/utils';

/**
 * One image as a flat array with its shape: `[height, width]` (grayscale) or
 * `[height, width, channels]` with 1 (grayscale), 3 (RGB) or 4 (RGBA) channels,
 * row-major like a tensor's `dataSync()`.
 */
export interface ImageArray {
  data: ArrayLike<number>;
  shape: readonly number[];
}

/** An image: a flat array with its shape, or nested arrays `[h][w]` / `[h][w][c]`. */
export type ImageLike = ImageArray | ReadonlyArray<ReadonlyArray<number>> | ReadonlyArray<ReadonlyArray<ReadonlyArray<number>>>;

/**
 * Several images of one shape: a flat array with shape `[n, h, w]` or
 * `[n, h, w, c]` (e.g. a batch tensor's data and shape), or a list of images.
 */
export type ImageBatchLike = ImageArray | ReadonlyArray<ImageLike>;

/**
 * How pixel values map to intensities: `'auto'` reads values in [0, 1] as
 * [0, 1] and anything else as [0, 255] (the Python library's rule); a pair
 * gives the values shown as black and white. Values outside are clipped.
 */
export type PixelRange = 'auto' | readonly [number, number];

/** An image validated and flattened, pixel values as given. */
export interface PlainImage {
  height: number;
  width: number;
  channels: 1 | 3 | 4;
  data: ArrayLike<number>;
}

/** 8-bit pixels ready for encoding. */
export interface RasterImage {
  height: number;
  width: number;
  channels: 1 | 3 | 4;
  data: Uint8Array;
}

function isImageArray(x: unknown): x is ImageArray {
  return typeof x === 'object' && x !== null && !Array.isArray(x) && 'data' in x && 'shape' in x;
}

/** Shape and flat values of rectangular nested arrays; ShapeError if ragged. */
function flattenNested(x: ReadonlyArray<unknown>, name: string): { shape: number[]; data: number[] } {
  const shape: number[] = [];
  let probe: unknown = x;
  while (Array.isArray(probe)) {
    shape.push(probe.length);
    if (probe.length === 0) break;
    probe = probe[0];
  }
  const data: number[] = [];
  const walk = (node: unknown, depth: number, where: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') throw new ShapeError(`${name}${where} is ${describe(node)}, expected a number`);
      data.push(node);
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      const got = Array.isArray(node) ? `${node.length} entries` : describe(node);
      throw new ShapeError(
        `${name}${where} has ${got}, expected ${shape[depth]} like ${name}${'[0]'.repeat(depth)}: nested arrays must be rectangular`,
      );
    }
    for (let i = 0; i < node.length; i++) walk(node[i], depth + 1, `${where}[${i}]`);
  };
  walk(x, 0, '');
  return { shape, data };
}

function describe(x: unknown): string {
  if (Array.isArray(x)) return `an array of ${x.length}`;
  return x === null ? 'null' : typeof x;
}

function checkShape(shape: readonly number[], name: string, leading: number): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${name}: shape [${shape.join(', ')}] must hold non-negative integers`);
  }
  const rank = shape.length - leading;
  if (rank !== 2 && rank !== 3) {
    const what = leading ? '[n, height, width] or [n, height, width, channels]' : '[height, width] or [height, width, channels]';
    throw new ShapeError(`${name}: shape [${shape.join(', ')}] is not an image shape; expected ${what}`);
  }
  if (rank === 3 && ![1, 3, 4].includes(shape[shape.length - 1]!)) {
    throw new ShapeError(
      `${name}: ${shape[shape.length - 1]} channels in shape [${shape.join(', ')}]; expected 1 (grayscale), 3 (RGB) or 4 (RGBA)`,
    );
  }
  const h = shape[leading]!;
  const w = shape[leading + 1]!;
  if (h === 0 || w === 0) throw new ShapeError(`${name}: shape [${shape.join(', ')}] has no pixels`);
}

/** Validates one image and returns its size, channels and values (no copy for flat arrays). */
export function toImage(x: ImageLike, name = 'image'): PlainImage {
  let shape: readonly number[];
  let data: ArrayLike<number>;
  if (isImageArray(x)) {
    shape = x.shape;
    data = x.data;
    if (data == null || typeof data.length !== 'number') throw new ShapeError(`${name}.data must be an array of numbers`);
  } else if (Array.isArray(x)) {
    ({ shape, data } = flattenNested(x, name));
    if (shape.length > 0 && shape[0] === 0) throw new ValueError(`${name} is empty`);
  } else {
    throw new ShapeError(`${name} must be {data, shape} or nested arrays [height][width] / [height][width][channels], got ${describe(x)}`);
  }
  checkShape(shape, name, 0);
  const [height, width, channels = 1] = shape as [number, number, number?];
  if (data.length !== height * width * channels) {
    throw new ShapeError(
      `${name}: data of length ${data.length} does not hold shape [${shape.join(', ')}] (${height * width * channels} values)`,
    );
  }
  assertFinite(data, name);
  return { height, width, channels: channels as 1 | 3 | 4, data };
}

/**
 * Validates a batch of images that must all share one shape and returns them
 * one by one. ValueError if there are none.
 */
export function toImageBatch(x: ImageBatchLike, name = 'images'): PlainImage[] {
  let images: PlainImage[];
  if (isImageArray(x)) {
    checkShape(x.shape, name, 1);
    const [n, height, width, channels = 1] = x.shape as [number, number, number, number?];
    const size = height * width * channels;
    if (x.data.length !== n * size) {
      throw new ShapeError(`${name}: data of length ${x.data.length} does not hold shape [${x.shape.join(', ')}] (${n * size} values)`);
    }
    assertFinite(x.data, name);
    const data = x.data;
    images = Array.from({ length: n }, (_, i) => ({
      height,
      width,
      channels: channels as 1 | 3 | 4,
      data: ArrayBuffer.isView(data)
        ? (data as unknown as Float32Array).subarray(i * size, (i + 1) * size)
        : (Array.prototype.slice.call(data, i * size, (i + 1) * size) as number[]),
    }));
  } else if (Array.isArray(x)) {
    images = x.map((img: ImageLike, i: number) => toImage(img, `${name}[${i}]`));
  } else {
    throw new ShapeError(`${name} must be {data, shape: [n, height, width(, channels)]} or an array of images, got ${describe(x)}`);
  }
  if (images.length === 0) throw new ValueError(`${name} is empty`);
  assertSameShape(images, name);
  return images;
}

/** ShapeError naming the first image whose shape differs from the first one. */
export function assertSameShape(images: readonly PlainImage[], name: string, names?: readonly string[]): void {
  const first = images[0];
  if (!first) return;
  for (let i = 1; i < images.length; i++) {
    const img = images[i]!;
    if (img.height !== first.height || img.width !== first.width || img.channels !== first.channels) {
      const a = names?.[0] ?? `${name}[0]`;
      const b = names?.[i] ?? `${name}[${i}]`;
      throw new ShapeError(`images must share one shape: ${b} is ${shapeText(img)}, ${a} is ${shapeText(first)}`);
    }
  }
}

export function shapeText(img: PlainImage): string {
  return `${img.height}x${img.width}x${img.channels}`;
}

/** The [low, high] values that map to 0 and 255 for these images. */
export function resolveRange(images: readonly PlainImage[], range: PixelRange = 'auto'): [number, number] {
  if (range !== 'auto') {
    const [lo, hi] = range;
    if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) {
      throw new ValueError(`pixel range must be 'auto' or [low, high] with low < high, got [${lo}, ${hi}]`);
    }
    return [lo, hi];
  }
  let min = Infinity;
  let max = -Infinity;
  for (const img of images) {
    for (let i = 0; i < img.data.length; i++) {
      const v = img.data[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
  }
  return min >= 0 && max <= 1 ? [0, 1] : [0, 255];
}

/** Scales an image's values from `range` to 8-bit, clipping outside values. */
export function toRaster(img: PlainImage, range: readonly [number, number]): RasterImage {
  const [lo, hi] = range;
  const k = 255 / (hi - lo);
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Math.round((img.data[i]! - lo) * k);
    out[i] = v < 0 ? 0 : v > 255 ? 255 : v;
  }
  return { height: img.height, width: img.width, channels: img.channels, data: out };
}
