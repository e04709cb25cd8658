import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { type Lookup, ShapeError, ValueError } from '@tfsim/utils';

import { colormapTable } from '../src/colors';
import { vizNeigborsImgs, vizNeighborsImgs } from '../src/neighbors';
import { colorDistance, decodePng, isRed, pngFormat } from './helpers';

const flat = (h: number, w: number, v: number): number[][] => Array.from({ length: h }, () => new Array<number>(w).fill(v));
const WHITE = [255, 255, 255];

/** Runs of non-white pixels at least `min` long along row y. */
function runs(img: Awaited<ReturnType<typeof decodePng>>, y: number, min: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  let start = -1;
  for (let x = 0; x <= img.width; x++) {
    const ink = x < img.width && colorDistance(img.at(x, y), WHITE) > 8;
    if (ink && start < 0) start = x;
    if (!ink && start >= 0) {
      if (x - start >= min) out.push([start, x]);
      start = -1;
    }
  }
  return out;
}

describe('vizNeighborsImgs', () => {
  const values = [0.2, 0.4, 0.6, 0.8];
  const labels = [1, 2, 1, 3];
  const neighbors: Lookup[] = values.map((v, i) => ({ rank: i + 1, distance: 0.1 * (i + 1), label: labels[i], data: flat(8, 8, v) }));

  it('draws one tile per image, scaled up, with mismatches framed in red', async () => {
    const grid = await vizNeighborsImgs(flat(8, 8, 0.5), 1, neighbors, { cmap: 'gray', mismatchCmap: 'gray', tileSize: 64 });
    const img = await decodePng(grid.png);
    expect(await pngFormat(grid.png)).toBe('png');
    expect([img.width, img.height]).toEqual([grid.width, grid.height]);
    // Count the tiles in the picture itself: along a row through the images.
    const mid = grid.tiles[0]!.y + 32;
    const found = runs(img, mid, 40);
    expect(found).toHaveLength(5);
    grid.tiles.forEach((t, i) => {
      expect([t.width, t.height]).toEqual([64, 64]); // 8 px x 8
      // The tile shows the image's gray level, 0.5 -> 128 etc.
      const level = Math.round((i === 0 ? 0.5 : values[i - 1]!) * 255);
      expect(colorDistance(img.at(t.x + 32, t.y + 32), [level, level, level])).toBeLessThanOrEqual(1);
      // ...inside the run found by scanning.
      expect(found[i]![0]).toBeLessThanOrEqual(t.x);
      expect(found[i]![1]).toBeGreaterThanOrEqual(t.x + t.width);
    });
    expect(grid.tiles.map((t) => t.mismatch)).toEqual([false, false, true, false, true]);
    expect(grid.tiles.map((t) => t.role)).toEqual(['query', 'neighbor', 'neighbor', 'neighbor', 'neighbor']);
    expect(grid.tiles.map((t) => t.distance)).toEqual([undefined, 0.1, 0.2, 0.30000000000000004, 0.4]);
    for (const t of grid.tiles) {
      const frame = img.at(t.x - 2, t.y + 20);
      const below = img.at(t.x + 20, t.y + t.height + 2);
      expect(isRed(frame)).toBe(t.mismatch);
      expect(isRed(below)).toBe(t.mismatch);
    }
    // Titles: the mismatches' text is red, somewhere above their tiles.
    const redTextAbove = (t: { x: number; y: number; width: number }): boolean => {
      for (let y = 0; y < t.y - 6; y++) for (let x = t.x; x < t.x + t.width; x++) if (isRed(img.at(x, y))) return true;
      return false;
    };
    expect(grid.tiles.map(redTextAbove)).toEqual([false, false, true, false, true]);
  });

  it("colours grayscale images with viridis, mismatches with 'reds' (the Python defaults)", async () => {
    const grid = await vizNeighborsImgs(
      flat(4, 4, 0),
      7,
      [
        { rank: 1, distance: 0, label: 7, data: flat(4, 4, 0) },
        { rank: 2, distance: 0.5, label: 8, data: flat(4, 4, 1) },
      ],
      { tileSize: 32 },
    );
    const img = await decodePng(grid.png);
    const centre = (i: number) => img.at(grid.tiles[i]!.x + 16, grid.tiles[i]!.y + 16);
    expect(colorDistance(centre(0), [0x44, 0x01, 0x54])).toBeLessThanOrEqual(1);
    expect(colorDistance(centre(1), [0x44, 0x01, 0x54])).toBeLessThanOrEqual(1);
    expect(colorDistance(centre(2), Array.from(colormapTable('reds')!.subarray(255 * 3)))).toBeLessThanOrEqual(1);
  });

  it('shows RGB images as they are and scales large images down to the tile', async () => {
    const rgb = (r: number, g: number, b: number) => ({
      data: Uint8Array.from({ length: 300 * 200 * 3 }, (_, i) => [r, g, b][i % 3]!),
      shape: [200, 300, 3],
    });
    const grid = await vizNeighborsImgs(rgb(200, 30, 40), 0, [{ rank: 1, distance: 0.25, label: 0, data: rgb(20, 160, 90) }], {
      tileSize: 120,
    });
    expect(grid.tiles.map((t) => [t.width, t.height])).toEqual([
      [120, 80],
      [120, 80],
    ]);
    const img = await decodePng(grid.png);
    expect(colorDistance(img.at(grid.tiles[0]!.x + 60, grid.tiles[0]!.y + 40), [200, 30, 40])).toBeLessThanOrEqual(1);
    expect(colorDistance(img.at(grid.tiles[1]!.x + 60, grid.tiles[1]!.y + 40), [20, 160, 90])).toBeLessThanOrEqual(1);
    expect(grid.tiles[1]!.mismatch).toBe(false);
  });

  it('marks nothing when the query has no label, and writes the PNG to path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tfsim-viz-'));
    try {
      const path = join(dir, 'sub', 'grid.png');
      const grid = await vizNeigborsImgs(flat(4, 4, 0), null, [{ rank: 1, distance: 1, label: 3, data: flat(4, 4, 1) }], {
        path,
        tileSize: 16,
      });
      expect(grid.tiles.map((t) => t.mismatch)).toEqual([false, false]);
      expect((await readFile(path)).equals(grid.png)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects empty input, missing images, mixed shapes and bad options clearly', async () => {
    const ok = flat(4, 4, 0);
    await expect(vizNeighborsImgs(ok, 1, [])).rejects.toThrow(ValueError);
    await expect(vizNeighborsImgs(ok, 1, [{ rank: 1, distance: 0, label: 1 }])).rejects.toThrow(/neighbors\[0\] has no data/);
    await expect(
      vizNeighborsImgs(ok, 1, [
        { rank: 1, distance: 0, label: 1, data: flat(4, 4, 0) },
        { rank: 2, distance: 0, label: 1, data: flat(5, 4, 0) },
      ]),
    ).rejects.toThrow(ShapeError);
    await expect(vizNeighborsImgs(ok, 1, [{ rank: 1, distance: 0, label: 1, data: flat(5, 4, 0) }])).rejects.toThrow(
      /neighbors\[0\]\.data is 5x4x1, example is 4x4x1/,
    );
    await expect(vizNeighborsImgs(ok, 1, [{ rank: 1, distance: NaN, label: 1, data: ok }])).rejects.toThrow(/distance is NaN/);
    await expect(vizNeighborsImgs(ok, 1, [{ rank: 1, distance: 0, label: 1, data: ok }], { path: 'grid.jpg' })).rejects.toThrow(/\.png/);
    await expect(vizNeighborsImgs(ok, 1, [{ rank: 1, distance: 0, label: 1, data: ok }], { cmap: 'nope' })).rejects.toThrow(/nope/);
  });
});

describe('vizNeighborsImgs options', () => {
  it('rejects an unknown key with a suggestion', async () => {
    await expect(vizNeighborsImgs([[0]], 0, [], { class_mapping: {} } as never)).rejects.toThrow(
      "unknown option 'class_mapping' for vizNeighborsImgs; did you mean 'classMapping'?",
    );
  });
});
