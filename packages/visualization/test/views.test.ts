/**
 * visualizeViews: each image's views side by side, pixel for pixel where
 * the strips are drawn, in Python's grid and with Python's titles.
 */
import { ShapeError, ValueError } from '@tfsim/utils';

import { visualizeViews } from '../src';
import { decodePng } from './helpers';

/** Three 2x2 grayscale images per view; view v of image i holds 0.1 * (i + 1) + 0.3 * v + 0.05 * pixel. */
const value = (v: number, i: number, p: number) => 0.1 * (i + 1) + 0.3 * v + 0.05 * p;
const view = (v: number) => ({ data: Array.from({ length: 12 }, (_, k) => value(v, Math.floor(k / 4), k % 4)), shape: [3, 2, 2] });

describe('visualizeViews', () => {
  it('draws each image as its views left to right, viewsPerCol strips a row, values scaled from [min, max]', async () => {
    const grid = await visualizeViews([view(0), view(1)], { viewsPerCol: 2, tileSize: 2 });
    // 3 images, 2 a row: 2 rows; strips of 2 views x 2 pixels, unscaled.
    expect(grid.tiles.map((t) => [t.index, t.width, t.height])).toEqual([
      [0, 4, 2],
      [1, 4, 2],
      [2, 4, 2],
    ]);
    expect(grid.tiles[1]!.x).toBeGreaterThan(grid.tiles[0]!.x);
    expect(grid.tiles[2]!.x).toBe(grid.tiles[0]!.x);
    expect(grid.tiles[2]!.y).toBeGreaterThan(grid.tiles[0]!.y);
    expect(grid.tiles.every((t) => t.title === '')).toBe(true);
    const img = await decodePng(grid.png);
    expect([img.width, img.height]).toEqual([grid.width, grid.height]);
    for (const t of grid.tiles) {
      for (let y = 0; y < 2; y++) {
        for (let x = 0; x < 4; x++) {
          const [v, px] = [Math.floor(x / 2), y * 2 + (x % 2)];
          const gray = Math.round(value(v, t.index, px) * 255);
          expect(img.at(t.x + x, t.y + y)).toEqual([gray, gray, gray]);
        }
      }
    }
  });

  it("titles each strip as Python: 'Label: l' or 'Label: l | Pred: p' (p to 5 decimals; the index without labels)", async () => {
    const labeled = await visualizeViews([view(0)], { labels: [7, 8, 9], numImgs: 2 });
    expect(labeled.tiles.map((t) => t.title)).toEqual(['Label: 7', 'Label: 8']);
    const predicted = await visualizeViews([view(0)], { predictions: [[0.123456789], [2], [0.5]] });
    expect(predicted.tiles.map((t) => t.title)).toEqual([
      'Label: 0 | Pred: 0.12346',
      'Label: 1 | Pred: 2.00000',
      'Label: 2 | Pred: 0.50000',
    ]);
  });

  it('names bad input', async () => {
    await expect(visualizeViews([])).rejects.toThrow('views is empty');
    await expect(visualizeViews([view(0), { data: new Array(8).fill(0), shape: [2, 2, 2] }])).rejects.toThrow(
      'views[1] has 2 images but views[0] has 3',
    );
    await expect(visualizeViews([view(0), { data: new Array(27).fill(0), shape: [3, 3, 3] }])).rejects.toThrow(ShapeError);
    await expect(visualizeViews([view(0)], { numImgs: 4 })).rejects.toThrow('numImgs is 4 but there are 3 images');
    await expect(visualizeViews([view(0)], { labels: [1] })).rejects.toThrow('labels has 1 entries for 3 images');
    await expect(visualizeViews([view(0)], { maxPixelValue: 0 })).rejects.toThrow(ValueError);
    await expect(visualizeViews([view(0)], { path: 'out.jpg' })).rejects.toThrow(/extension/);
  });
});
