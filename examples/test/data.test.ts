import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';

import { loadIdxFolder, parseIdx } from '../src/data/idx';
import { loadMnistDigits } from '../src/data/mnist';

function idxBytes(shape: number[], values: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * shape.length);
  header[2] = 0x08;
  header[3] = shape.length;
  shape.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(values)]);
}

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfsim-idx-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe('IDX reader', () => {
  it('reads gzip and plain IDX files, scaling pixels to [0, 1]', () => {
    const dir = path.join(tmp, 'ok');
    fs.mkdirSync(dir);
    fs.writeFileSync(
      path.join(dir, 'train-images-idx3-ubyte.gz'),
      gzipSync(idxBytes([2, 2, 3], [0, 51, 102, 153, 204, 255, 1, 2, 3, 4, 5, 6])),
    );
    fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte'), idxBytes([2], [7, 3]));
    const ds = loadIdxFolder(dir);
    expect([ds.count, ds.height, ds.width]).toEqual([2, 2, 3]);
    expect(Array.from(ds.images.slice(0, 6))).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1].map((v) => Math.fround(v)));
    expect(Array.from(ds.labels)).toEqual([7, 3]);
  });

  it('names what is wrong with a folder or a file', () => {
    expect(() => loadIdxFolder(path.join(tmp, 'nope'))).toThrow(
      /data folder .*nope does not exist; expected a folder with train-images-idx3-ubyte/,
    );
    const other = path.join(tmp, 'other');
    fs.mkdirSync(other);
    fs.writeFileSync(path.join(other, 'cats.jpg'), 'x');
    expect(() => loadIdxFolder(other)).toThrow(/has no train-images-idx3-ubyte\[\.gz\] \(it holds cats\.jpg\)/);
    expect(() => parseIdx(Buffer.from('hello world'), 'f')).toThrow('f is not an IDX file');
    expect(() => parseIdx(idxBytes([3], [1, 2]), 'f')).toThrow('f declares shape [3] (3 bytes) but holds 2');
  });
});

describe('MNIST digits of the mnist package', () => {
  it('has the 10,000 digits of all ten classes, 28x28 in [0, 1]', () => {
    const ds = loadMnistDigits();
    expect([ds.count, ds.height, ds.width]).toEqual([10000, 28, 28]);
    const perClass = new Array(10).fill(0);
    for (const l of ds.labels) perClass[l]++;
    // The package's per-class counts (not exactly 1,000 each, despite its README).
    expect(perClass).toEqual([1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]);
    let min = Infinity;
    let max = -Infinity;
    for (const v of ds.images) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    expect(min).toBe(0);
    expect(max).toBeCloseTo(1, 2);
    // A real digit: the first "1" has ink in its middle column and none in the corners.
    const one = ds.images.subarray(1001 * 784, 1002 * 784);
    expect(one[0]).toBe(0);
    expect(Array.from({ length: 28 }, (_, r) => one[r * 28 + 14]!).some((v) => v > 0.5)).toBe(true);
  });
});
