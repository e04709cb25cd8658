/**
 * The Python library's `visualize_views`: the views of each image (e.g.
 * the augmentations a self-supervised model trains on) side by side, one
 * strip per image, `viewsPerCol` strips per row, titled with the label and
 * the prediction. Drawn to a PNG.
 */
import { type Label, ValueError } from '@tfsim/utils';
import sharp from 'sharp';

import { colormapTable } from './colors';
import { assertSameShape, type ImageBatchLike, type PlainImage, toImageBatch, toRaster } from './images';
import { applyColormap, escapeXml, rasterToPng } from './raster';
import { checkOutputPath, FONT, writeOutput } from './render';

export interface VisualizeViewsOptions {
  /** One label per image: titles read `Label: <label>`. */
  labels?: ArrayLike<Label>;
  /** One prediction per image (a number or an array whose first value is shown): titles read `Label: <label> | Pred: <value, 5 decimals>`. */
  predictions?: ArrayLike<number | ArrayLike<number>>;
  /** How many images to draw. Default: all. */
  numImgs?: number;
  /** Strips per row. Default 4. */
  viewsPerCol?: number;
  /** The pixel values shown as white and black. Defaults 1 and 0. */
  maxPixelValue?: number;
  minPixelValue?: number;
  /** Each view is scaled to fit this many pixels. Default 128. */
  tileSize?: number;
  /** Colour map of grayscale images. Default 'gray'. */
  cmap?: string;
  /** Also write the PNG here. */
  path?: string;
}

/** One strip (the views of one image) and where it was drawn, in pixels. */
export interface ViewsTile {
  index: number;
  x: number;
  y: number;
  width: number;
  height: number;
  title: string;
}

export interface ViewsGrid {
  png: Buffer;
  width: number;
  height: number;
  tiles: ViewsTile[];
}

const FONT_SIZE = 14;
const GAP = 12;
const MARGIN = 12;

/** The views of image i next to each other, left to right (Python's `tf.concat(pair, axis=1)`). */
function strip(views: readonly PlainImage[][], i: number): PlainImage {
  const first = views[0]![i]!;
  const { height, width, channels } = first;
  const rowLength = width * channels;
  const data = new Float64Array(height * rowLength * views.length);
  for (let y = 0; y < height; y++) {
    views.forEach((view, v) => {
      const src = view[i]!.data;
      for (let k = 0; k < rowLength; k++) data[(y * views.length + v) * rowLength + k] = src[y * rowLength + k]!;
    });
  }
  return { height, width: width * views.length, channels, data };
}

function title(i: number, options: VisualizeViewsOptions): string {
  const label = options.labels ? options.labels[i] : i;
  if (options.predictions) {
    const p = options.predictions[i]!;
    const value = typeof p === 'number' ? p : p[0]!;
    return `Label: ${String(label)} | Pred: ${value.toFixed(5)}`;
  }
  return options.labels ? `Label: ${String(label)}` : '';
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new ValueError(`${what} must be an integer >= 1, got ${value}`);
  return value;
}

/** Draws each image's views side by side; `views[v]` holds view v of every image. */
export async function visualizeViews(views: readonly ImageBatchLike[], options: VisualizeViewsOptions = {}): Promise<ViewsGrid> {
  if (options.path) checkOutputPath(options.path, ['.png']);
  if (!Array.isArray(views) || views.length === 0) throw new ValueError('views is empty: pass one batch of images per view');
  const batches = views.map((v, i) => toImageBatch(v, `views[${i}]`));
  const count = batches[0]!.length;
  batches.forEach((b, i) => {
    if (b.length !== count) throw new ValueError(`views[${i}] has ${b.length} images but views[0] has ${count}`);
  });
  assertSameShape(
    batches.map((b) => b[0]!),
    'views',
    batches.map((_, i) => `views[${i}]`),
  );
  const numImgs = positiveInteger(options.numImgs ?? count, 'numImgs');
  if (numImgs > count) throw new ValueError(`numImgs is ${numImgs} but there are ${count} images`);
  for (const [name, values] of [
    ['labels', options.labels],
    ['predictions', options.predictions],
  ] as const) {
    if (values && values.length < numImgs) throw new ValueError(`${name} has ${values.length} entries for ${numImgs} images`);
  }
  const perRow = positiveInteger(options.viewsPerCol ?? 4, 'viewsPerCol');
  const tileSize = positiveInteger(options.tileSize ?? 128, 'tileSize');
  const lo = options.minPixelValue ?? 0;
  const hi = options.maxPixelValue ?? 1;
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi > lo)) {
    throw new ValueError(`maxPixelValue (${hi}) must be a number above minPixelValue (${lo})`);
  }
  const lut = colormapTable(options.cmap ?? 'gray');
  const pngs = await Promise.all(
    Array.from({ length: numImgs }, (_, i) =>
      rasterToPng(applyColormap(toRaster(strip(batches, i), [lo, hi]), lut), tileSize * views.length),
    ),
  );
  const titles = Array.from({ length: numImgs }, (_, i) => title(i, options));
  const tileW = pngs[0]!.width;
  const tileH = pngs[0]!.height;
  const titleH = titles.some((t) => t) ? FONT_SIZE + 8 : 0;
  const rows = Math.ceil(numImgs / perRow);
  const cols = Math.min(perRow, numImgs);
  const width = 2 * MARGIN + cols * tileW + (cols - 1) * GAP;
  const height = 2 * MARGIN + rows * (titleH + tileH) + (rows - 1) * GAP;
  const tiles: ViewsTile[] = [];
  const svg: string[] = [];
  for (let i = 0; i < numImgs; i++) {
    const x = MARGIN + (i % perRow) * (tileW + GAP);
    const top = MARGIN + Math.floor(i / perRow) * (titleH + tileH + GAP);
    if (titles[i]) svg.push(`<text x="${x + tileW / 2}" y="${top + FONT_SIZE}">${escapeXml(titles[i]!)}</text>`);
    tiles.push({ index: i, x, y: top + titleH, width: tileW, height: tileH, title: titles[i]! });
  }
  const overlay =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<g font-family="${FONT}" font-size="${FONT_SIZE}" fill="#212121" text-anchor="middle">${svg.join('')}</g></svg>`;
  const png = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([{ input: Buffer.from(overlay), left: 0, top: 0 }, ...tiles.map((t, i) => ({ input: pngs[i]!.png, left: t.x, top: t.y }))])
    .png()
    .toBuffer();
  if (options.path) await writeOutput(options.path, { png });
  return { png, width, height, tiles };
}
