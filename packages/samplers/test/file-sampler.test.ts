import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { expectClose, tempDir } from '@tfsim/test-utils';
import { FormatError, Rng } from '@tfsim/utils';
import sharp from 'sharp';

import { loadImage, MultiShotFileSampler } from '../src';
import { counts, expectBalanced, warnings } from './balance';

const dir = tempDir('tfsim-files-');

/** Writes a random RGB PNG; returns its path and its pixels in [0, 1]. */
async function randomPng(name: string, height = 8, width = 6, seed = 1): Promise<{ path: string; pixels: Float32Array }> {
  const rng = new Rng(seed);
  const raw = Buffer.from(Array.from({ length: height * width * 3 }, () => rng.int(256)));
  const path = join(dir, name);
  await sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toFile(path);
  return { path, pixels: Float32Array.from(raw, (v) => v / 255) };
}

describe('loadImage', () => {
  it('decodes a PNG exactly into [height, width, 3] in [0, 1]', async () => {
    const { path, pixels } = await randomPng('exact.png', 5, 7, 3);
    const image = await loadImage(path);
    expect(image.shape).toEqual([5, 7, 3]);
    expect(image.dtype).toBe('float32');
    expect(Array.from(image.dataSync())).toEqual(Array.from(pixels));
    image.dispose();
  });

  it('makes grey and RGBA images RGB, decodes JPEG, and resizes', async () => {
    const grey = join(dir, 'grey.png');
    await sharp(Buffer.from([0, 51, 102, 255]), { raw: { width: 2, height: 2, channels: 1 } })
      .png()
      .toFile(grey);
    const g = await loadImage(grey);
    expect(g.shape).toEqual([2, 2, 3]);
    expectClose(g, [0, 0, 0, 0.2, 0.2, 0.2, 0.4, 0.4, 0.4, 1, 1, 1], 1e-6);
    const rgba = join(dir, 'rgba.png');
    await sharp(Buffer.from([255, 0, 0, 128]), { raw: { width: 1, height: 1, channels: 4 } })
      .png()
      .toFile(rgba);
    const r = await loadImage(rgba);
    expect(r.shape).toEqual([1, 1, 3]);
    const jpeg = join(dir, 'flat.jpg');
    await sharp({ create: { width: 16, height: 12, channels: 3, background: { r: 200, g: 100, b: 50 } } })
      .jpeg({ quality: 95 })
      .toFile(jpeg);
    const j = await loadImage(jpeg);
    expect(j.shape).toEqual([12, 16, 3]);
    expectClose(tf.mean(j, [0, 1]), [200 / 255, 100 / 255, 50 / 255], 0.02);
    const resized = await loadImage(jpeg, [4, 5]);
    expect(resized.shape).toEqual([4, 5, 3]);
    tf.dispose([g, r, j, resized]);
  });

  it('names a file it cannot decode', async () => {
    const bad = join(dir, 'not-an-image.png');
    writeFileSync(bad, 'hello');
    await expect(loadImage(bad)).rejects.toThrow(FormatError);
    await expect(loadImage(bad)).rejects.toThrow(`cannot decode image ${bad}`);
  });
});

describe('MultiShotFileSampler', () => {
  let files: Array<{ path: string; pixels: Float32Array }>;
  beforeAll(async () => {
    files = await Promise.all(Array.from({ length: 6 }, (_, i) => randomPng(`${i}.png`, 8, 6, 100 + i)));
  });

  it.each([2, 20])('gives balanced batches of the right images (%i per class)', async (perClass) => {
    const y = [1, 2, 3, 1, 2, 3];
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const sampler = new MultiShotFileSampler(
      files.map((f) => f.path),
      y,
      { classesPerBatch: 2, examplesPerClassPerBatch: perClass, seed: 606 },
    );
    for (let b = 0; b < 5; b++) {
      const batch = await sampler.generateBatch(b);
      expect(batch.xs.shape).toEqual([2 * perClass, 8, 6, 3]);
      const labels = Array.from(batch.ys.dataSync());
      expectBalanced(labels, 2, perClass);
      const images = tf.unstack(batch.xs);
      images.forEach((image, i) => {
        const data = Array.from(image.dataSync());
        // The image is one of the two files of its class, exactly.
        const candidates = files.filter((_, k) => y[k] === labels[i]).map((f) => Array.from(f.pixels));
        expect(candidates).toContainEqual(data);
      });
      tf.dispose([...images, batch.xs, batch.ys]);
    }
    // Each class of two files warns once, the first time it is drawn.
    const warned = warnings(warn).map((m) => m.match(/Class (\d+)/)![1]);
    expect(new Set(warned).size).toBe(warned.length);
    if (perClass === 2) expect(warned).toEqual([]);
    else expect(warned.length).toBeGreaterThan(0);
    warn.mockRestore();
  });

  it('reports the example shape and slices, with progress only on a terminal', async () => {
    const tall = await randomPng('tall.png', 128, 96, 5);
    const sampler = new MultiShotFileSampler([tall.path, files[0]!.path], [0, 1]);
    expect(await sampler.exampleShape()).toEqual([128, 96, 3]);

    const same = new MultiShotFileSampler(
      files.map((f) => f.path),
      [0, 1, 2, 3, 4, 5],
    );
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const saved = process.env.TFSIM_PROGRESS;
    try {
      process.env.TFSIM_PROGRESS = '0';
      let slice = await same.getSlice(0, 6);
      expect(write).not.toHaveBeenCalled();
      tf.dispose([slice.xs, slice.ys]);
      process.env.TFSIM_PROGRESS = '1';
      slice = await same.getSlice(1, 2);
      expect(slice.xs.shape).toEqual([2, 8, 6, 3]);
      const labels = Array.from(slice.ys.dataSync());
      expect(Array.from(tf.unstack(slice.xs)[0]!.dataSync())).toEqual(Array.from(files[labels[0]!]!.pixels));
      expect(write.mock.calls.map((c) => String(c[0])).join('')).toMatch(/loading examples .*2\/2/);
      tf.dispose([slice.xs, slice.ys]);
    } finally {
      write.mockRestore();
      if (saved === undefined) delete process.env.TFSIM_PROGRESS;
      else process.env.TFSIM_PROGRESS = saved;
    }
  });

  it('samples a class of one file with replacement', async () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const sampler = new MultiShotFileSampler(
      files.slice(0, 4).map((f) => f.path),
      [1, 1, 1, 2],
      { classesPerBatch: 2, examplesPerClassPerBatch: 3, seed: 0 },
    );
    const batch = await sampler.generateBatch();
    expect([...counts(batch.ys.dataSync()).values()]).toEqual([3, 3]);
    expect(warnings(warn)[0]).toMatch(/Class 2 only has 1 unique examples/);
    tf.dispose([batch.xs, batch.ys]);
    warn.mockRestore();
    expect(() => new MultiShotFileSampler([1 as never], [0])).toThrow('x[0] must be a file path');
  });
});
