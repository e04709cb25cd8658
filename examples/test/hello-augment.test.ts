import * as tf from '@tensorflow/tfjs-core';
import { setupBackend } from '@tfsim/utils';

import { affineAugmenter, type AffineParameters, warpAffine } from '../src/supervised/model';

/** The hello world's affine augmentation, against hand-computed warps of small images. */
const identity: AffineParameters = { angle: 0, scale: 1, shear: 0, dy: 0, dx: 0 };
const grid = (h: number, w: number) => Float32Array.from({ length: h * w }, (_, i) => i + 1);

describe('warpAffine', () => {
  it('leaves an image unchanged under the identity', () => {
    const source = grid(4, 5);
    expect(Array.from(warpAffine(source, 1, 4, 5, [identity]))).toEqual(Array.from(source));
  });

  it('shifts by whole pixels, with zeros coming in', () => {
    // dx = 1: out[y][x] = in[y][x - 1]; dy = -1: out[y][x] = in[y + 1][x].
    const source = grid(3, 3); // 1 2 3 / 4 5 6 / 7 8 9
    expect(Array.from(warpAffine(source, 1, 3, 3, [{ ...identity, dx: 1 }]))).toEqual([0, 1, 2, 0, 4, 5, 0, 7, 8]);
    expect(Array.from(warpAffine(source, 1, 3, 3, [{ ...identity, dy: -1 }]))).toEqual([4, 5, 6, 7, 8, 9, 0, 0, 0]);
  });

  it('rotates a quarter turn about the centre', () => {
    // A = R(90°) on (x, y): out(y, x) = in(2 - x, y) on a 3 x 3 image.
    const source = grid(3, 3);
    const out = warpAffine(source, 1, 3, 3, [{ ...identity, angle: Math.PI / 2 }]);
    const expected = [7, 4, 1, 8, 5, 2, 9, 6, 3];
    expected.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 5));
  });

  it('zooms about the centre with bilinear sampling', () => {
    // scale 2 on a 1 x 3 row: out(x) samples in(1 + (x - 1) / 2) = in(0.5), in(1), in(1.5).
    const out = warpAffine(Float32Array.from([10, 20, 40]), 1, 1, 3, [{ ...identity, scale: 2 }]);
    expect(Array.from(out)).toEqual([15, 20, 30]);
  });

  it('shears rows in proportion to their distance from the centre', () => {
    // shear s: source x = x - s * (y - cy); s = 1 on 3 x 3 moves row 0 right by one, row 2 left by one.
    const out = warpAffine(grid(3, 3), 1, 3, 3, [{ ...identity, shear: 1 }]);
    expect(Array.from(out)).toEqual([2, 3, 0, 4, 5, 6, 0, 7, 8]);
  });

  it('warps each image of a batch with its own parameters', () => {
    const source = Float32Array.from([...grid(3, 3), ...grid(3, 3)]);
    const out = warpAffine(source, 2, 3, 3, [identity, { ...identity, dx: 1 }]);
    expect(Array.from(out)).toEqual([...Array.from(grid(3, 3)), 0, 1, 2, 0, 4, 5, 0, 7, 8]);
  });
});

describe('affineAugmenter', () => {
  beforeAll(async () => {
    await setupBackend({ backend: 'cpu' });
  });

  it('returns one view of the batch, the same for the same seed, and leaks nothing', () => {
    const x = tf.tensor4d(
      grid(28, 28).map((v) => v / 784),
      [1, 28, 28, 1],
    );
    const batch = tf.concat([x, x]);
    const before = tf.memory().numTensors;
    const options = { rotation: 15, zoom: 0.25, shift: 0.15, shear: 0.3 };
    const [a] = affineAugmenter(7, options)(batch, undefined, 1, false);
    const [b] = affineAugmenter(7, options)(batch, undefined, 1, false);
    expect(a!.shape).toEqual([2, 28, 28, 1]);
    expect(Array.from(a!.dataSync())).toEqual(Array.from(b!.dataSync()));
    // Each example gets its own draw, so two copies of one digit come out different.
    const [first, second] = tf.split(a!, 2);
    expect(Array.from(first!.dataSync())).not.toEqual(Array.from(second!.dataSync()));
    tf.dispose([first!, second!, a!, b!]);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, batch]);
  });
});
