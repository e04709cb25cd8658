import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs-core';
import { expectNoLeak, tempDir } from '@tfsim/test-utils';
import sharp from 'sharp';

import { DirectorySampler, listImageDirectory, loadImage } from '../src';

const root = tempDir('tfsim-dir-sampler-');

/** A solid-colour PNG of `size`; the colour identifies the image in a batch. */
async function png(file: string, colour: number, size = [4, 3]): Promise<void> {
  const [height, width] = size as [number, number];
  mkdirSync(join(file, '..'), { recursive: true });
  await sharp({ create: { width, height, channels: 3, background: { r: colour, g: 255 - colour, b: 7 } } })
    .png()
    .toFile(file);
}

/**
 * photos/
 *   dog/  b.png (20), a.PNG (10), notes.txt
 *   cat/  c.png (30), deep/d.png (40)
 *   bird/ (empty but for a .txt)
 *   loose.png (not in a class folder)
 */
const photos = join(root, 'photos');
const COLOUR_CLASS = new Map([
  [10, 'dog'],
  [20, 'dog'],
  [30, 'cat'],
  [40, 'cat'],
]);

beforeAll(async () => {
  await png(join(photos, 'dog', 'b.png'), 20);
  await png(join(photos, 'dog', 'a.PNG'), 10);
  writeFileSync(join(photos, 'dog', 'notes.txt'), 'not an image');
  await png(join(photos, 'cat', 'c.png'), 30);
  await png(join(photos, 'cat', 'deep', 'd.png'), 40);
  mkdirSync(join(photos, 'bird'));
  writeFileSync(join(photos, 'bird', 'readme.txt'), 'no images yet');
  await png(join(photos, 'loose.png'), 50);
});

describe('listImageDirectory', () => {
  it('lists class folders in sorted order as labels, image files sorted at any depth, as Keras does', async () => {
    const listing = await listImageDirectory(photos, { classNames: ['cat', 'dog'] });
    expect(listing.classNames).toEqual(['cat', 'dog']);
    expect(listing.paths).toEqual([
      join(photos, 'cat', 'c.png'),
      join(photos, 'cat', 'deep', 'd.png'),
      join(photos, 'dog', 'a.PNG'),
      join(photos, 'dog', 'b.png'),
    ]);
    expect(listing.labels).toEqual([0, 0, 1, 1]);
    // classNames gives the label order
    const swapped = await listImageDirectory(photos, { classNames: ['dog', 'cat'] });
    expect(swapped.paths.map((p) => p.slice(photos.length + 1))).toEqual(['dog/a.PNG', 'dog/b.png', 'cat/c.png', 'cat/deep/d.png']);
    expect(swapped.labels).toEqual([0, 0, 1, 1]);
  });

  it('refuses a missing folder, an empty class, unknown class names and an unknown option, naming them', async () => {
    await expect(listImageDirectory(join(root, 'nope'))).rejects.toMatchObject({
      code: 'ERR_VALUE',
      message: expect.stringMatching(/nope is not a folder/),
    });
    // every subfolder by default: bird has no images
    await expect(listImageDirectory(photos)).rejects.toMatchObject({
      code: 'ERR_VALUE',
      message: expect.stringMatching(/class folder 'bird' .* has no images/),
    });
    await expect(listImageDirectory(photos, { classNames: ['cat', 'fish'] })).rejects.toMatchObject({
      code: 'ERR_VALUE',
      message: expect.stringMatching(/'fish', not subfolders.*bird, cat, dog/),
    });
    await expect(listImageDirectory(photos, { classNames: ['cat'], extension: '.png' } as never)).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_OPTION',
    });
    // a bird image with another extension, when asked for
    writeFileSync(join(photos, 'bird', 'x.webp'), '');
    const birds = await listImageDirectory(photos, { classNames: ['bird'], extensions: ['webp'] });
    expect(birds.paths).toEqual([join(photos, 'bird', 'x.webp')]);
  });
});

describe('DirectorySampler', () => {
  it("decodes images only when a batch needs them, and gives each image its class folder's label", async () => {
    const loaded: string[] = [];
    const sampler = await DirectorySampler.fromDirectory(photos, {
      classNames: ['cat', 'dog'],
      classesPerBatch: 2,
      examplesPerClassPerBatch: 2,
      seed: 5,
      imageSize: [2, 2],
      loadExampleFn: (file: string) => {
        loaded.push(file);
        return loadImage(file, [2, 2]);
      },
    });
    expect(loaded).toEqual([]);
    expect(sampler.classNames).toEqual(['cat', 'dog']);
    const { xs, ys } = await expectNoLeak(() => sampler.generateBatch(0), 2);
    expect(loaded).toHaveLength(4);
    expect(xs.shape).toEqual([4, 2, 2, 3]);
    const pixels = xs.arraySync() as number[][][][];
    const labels = Array.from(ys.dataSync());
    pixels.forEach((image, i) => {
      const colour = Math.round(image[0]![0]![0]! * 255);
      expect(sampler.classNames[labels[i]!]).toBe(COLOUR_CLASS.get(colour));
      expect(image[1]![1]).toEqual([colour / 255, (255 - colour) / 255, 7 / 255].map(Math.fround));
    });
    tf.dispose([xs, ys]);
  });

  it("resizes to Keras' 256 x 256 by default, to imageSize when given, and keeps the size with null", async () => {
    const options = { classNames: ['cat', 'dog'], classesPerBatch: 1, examplesPerClassPerBatch: 1, seed: 1 };
    for (const [imageSize, shape] of [
      [undefined, [256, 256]],
      [
        [5, 6],
        [5, 6],
      ],
      [null, [4, 3]],
    ] as const) {
      const sampler = await DirectorySampler.fromDirectory(photos, imageSize === undefined ? options : { ...options, imageSize });
      const { xs, ys } = await sampler.generateBatch(0);
      expect(xs.shape).toEqual([1, ...shape, 3]);
      tf.dispose([xs, ys]);
    }
    await expect(DirectorySampler.fromDirectory(photos, { ...options, imageSize: [0, 3] })).rejects.toMatchObject({
      code: 'ERR_VALUE',
      message: expect.stringMatching(/imageSize/),
    });
    await expect(DirectorySampler.fromDirectory(photos, { ...options, classPerBatch: 1 } as never)).rejects.toMatchObject({
      code: 'ERR_UNKNOWN_OPTION',
    });
  });
});
