/**
 * Reader for the IDX format of MNIST and Fashion-MNIST (big-endian header:
 * two zero bytes, a type code, the number of dimensions, then each dimension
 * as uint32), gzip-compressed or not.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { gunzipSync } from 'node:zlib';

import { FormatError, ValueError } from '@tfsim/utils';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

/** Parses IDX bytes holding unsigned bytes (type 0x08), the type of every MNIST file. */
export function parseIdx(bytes: Uint8Array, source = 'IDX data'): IdxArray {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) bytes = gunzipSync(bytes);
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0) {
    throw new FormatError(`${source} is not an IDX file (it must start with two zero bytes)`);
  }
  if (bytes[2] !== 0x08) {
    throw new FormatError(`${source} holds IDX type 0x${bytes[2]!.toString(16)}; only unsigned bytes (0x08) are supported`);
  }
  const rank = bytes[3]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = 4 + 4 * rank;
  if (bytes.length < headerLength) throw new FormatError(`${source} is truncated inside its header`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i, false));
  const size = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - headerLength !== size) {
    throw new FormatError(`${source} declares shape [${shape.join(', ')}] (${size} bytes) but holds ${bytes.length - headerLength}`);
  }
  return { shape, data: bytes.subarray(headerLength) };
}

export function readIdxFile(file: string): IdxArray {
  return parseIdx(fs.readFileSync(file), file);
}

export interface ImageDataset {
  /** Pixels scaled to [0, 1], row-major [count, height, width]. */
  images: Float32Array;
  labels: Int32Array;
  count: number;
  height: number;
  width: number;
}

const SPLITS = {
  train: ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte'],
  test: ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'],
} as const;

/**
 * Loads one split of an MNIST-style folder (Fashion-MNIST, MNIST): the files
 * `train-images-idx3-ubyte[.gz]` and `train-labels-idx1-ubyte[.gz]` (or t10k-).
 */
export function loadIdxFolder(dir: string, split: 'train' | 'test' = 'train'): ImageDataset {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
    throw new ValueError(`data folder ${dir} does not exist; expected a folder with ${SPLITS[split].join('[.gz], ')}[.gz]`);
  }
  const find = (base: string): string => {
    for (const name of [`${base}.gz`, base]) {
      if (fs.existsSync(path.join(dir, name))) return path.join(dir, name);
    }
    const present = fs.readdirSync(dir).slice(0, 8).join(', ') || 'nothing';
    throw new ValueError(`${dir} has no ${base}[.gz] (it holds ${present}); expected the MNIST-style IDX files`);
  };
  const images = readIdxFile(find(SPLITS[split][0]));
  const labels = readIdxFile(find(SPLITS[split][1]));
  if (images.shape.length !== 3) throw new FormatError(`${dir}: images must be [count, height, width], got [${images.shape.join(', ')}]`);
  if (labels.shape.length !== 1 || labels.shape[0] !== images.shape[0]) {
    throw new FormatError(`${dir}: ${labels.shape[0]} labels for ${images.shape[0]} images`);
  }
  const [count, height, width] = images.shape as [number, number, number];
  const pixels = new Float32Array(images.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = images.data[i]! / 255;
  return { images: pixels, labels: Int32Array.from(labels.data), count, height, width };
}
