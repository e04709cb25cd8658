import { checkOptions, type Label, type Lookup, type OptionKeys, ValueError } from '@tfsim/utils';
import sharp from 'sharp';

import { colormapTable } from './colors';
import { assertSameShape, type ImageLike, type PixelRange, type PlainImage, resolveRange, toImage, toRaster } from './images';
import { type ClassMapping, className } from './labels';
import { applyColormap, escapeXml, rasterToPng } from './raster';
import { checkOutputPath, FONT, writeOutput } from './render';

export interface NeighborsGridOptions {
  /** Class id to name. */
  classMapping?: ClassMapping;
  /** Colour map for grayscale images (a continuous Vega scheme, or 'gray'). Default 'viridis' as in the Python library. */
  cmap?: string;
  /** Colour map for grayscale neighbours of another class. Default 'reds' as in the Python library. */
  mismatchCmap?: string;
  /** Images are scaled to fit this many pixels (whole-number upscaling for small ones). Default 128. */
  tileSize?: number;
  /** How pixel values map to black and white. Default 'auto'. */
  range?: PixelRange;
  /** Also write the PNG here. */
  path?: string;
}

/** One image in the grid and where it was drawn, in pixels. */
export interface GridTile {
  role: 'query' | 'neighbor';
  x: number;
  y: number;
  width: number;
  height: number;
  label: Label | null;
  /** Distance to the query (neighbours only). */
  distance?: number;
  /** A neighbour whose label differs from the query's: drawn with a red frame and title. */
  mismatch: boolean;
}

export interface NeighborsGrid {
  png: Buffer;
  width: number;
  height: number;
  tiles: GridTile[];
}

const MISMATCH = '#d62728';
const FRAME = '#9e9e9e';
const QUERY_FRAME = '#212121';
const FONT_SIZE = 14;
const BORDER = 4;
const GAP = 16;
const MARGIN = 12;

function clip(text: string, maxChars: number): string {
  return text.length <= maxChars ? text : `${text.slice(0, Math.max(1, maxChars - 1))}…`;
}

/**
 * Draws a query image next to its nearest neighbours, one row, each titled
 * with its class and distance; neighbours of another class than the query
 * get a red frame, a red title and the mismatch colour map. Neighbour images
 * come from each Lookup's `data`. A query without a label marks nothing.
 * The Python library's `viz_neigbors_imgs`, drawn to a PNG.
 */
const GRID_OPTION_KEYS: OptionKeys<NeighborsGridOptions> = {
  classMapping: true,
  cmap: true,
  mismatchCmap: true,
  tileSize: true,
  range: true,
  path: true,
};

export async function vizNeighborsImgs(
  example: ImageLike,
  exampleClass: Label | null | undefined,
  neighbors: readonly Lookup[],
  opts: NeighborsGridOptions = {},
): Promise<NeighborsGrid> {
  checkOptions(opts, GRID_OPTION_KEYS, 'vizNeighborsImgs');
  if (opts.path) checkOutputPath(opts.path, ['.png']);
  if (!Array.isArray(neighbors) || neighbors.length === 0) throw new ValueError('neighbors is empty: pass the Lookup list of one query');
  const tileSize = opts.tileSize ?? 128;
  if (!Number.isInteger(tileSize) || tileSize < 8) throw new ValueError(`tileSize must be an integer >= 8, got ${tileSize}`);
  const names = ['example'];
  const images: PlainImage[] = [toImage(example, 'example')];
  neighbors.forEach((n, i) => {
    if (n === null || typeof n !== 'object') throw new ValueError(`neighbors[${i}] is not a Lookup`);
    if (n.data === undefined || n.data === null) {
      throw new ValueError(`neighbors[${i}] has no data: the index must store each example's image as its data to draw it`);
    }
    if (!Number.isFinite(n.distance)) throw new ValueError(`neighbors[${i}].distance is ${n.distance}; expected a finite number`);
    names.push(`neighbors[${i}].data`);
    images.push(toImage(n.data as ImageLike, names[i + 1]));
  });
  assertSameShape(images, 'images', names);
  const range = resolveRange(images, opts.range);
  const normal = colormapTable(opts.cmap ?? 'viridis');
  const warn = colormapTable(opts.mismatchCmap ?? 'reds');
  const known = exampleClass !== null && exampleClass !== undefined;

  const entries = images.map((img, i) => {
    const lookup = i === 0 ? undefined : neighbors[i - 1]!;
    const label = i === 0 ? (known ? exampleClass : null) : (lookup!.label ?? null);
    const mismatch = i > 0 && known && label !== exampleClass;
    return { img, label, mismatch, distance: lookup?.distance };
  });
  const pngs = await Promise.all(
    entries.map((e) => rasterToPng(applyColormap(toRaster(e.img, range), e.mismatch ? warn : normal), tileSize)),
  );

  const tileW = pngs[0]!.width;
  const tileH = pngs[0]!.height;
  const colW = Math.max(tileW + 2 * BORDER, 110);
  const titleH = 2 * (FONT_SIZE + 4) + 4;
  const width = 2 * MARGIN + entries.length * colW + (entries.length - 1) * GAP;
  const height = 2 * MARGIN + titleH + tileH + 2 * BORDER;
  const maxChars = Math.floor(colW / (0.62 * FONT_SIZE));

  const tiles: GridTile[] = [];
  const svg: string[] = [];
  entries.forEach((e, i) => {
    const left = MARGIN + i * (colW + GAP);
    const x = left + Math.round((colW - tileW) / 2);
    const y = MARGIN + titleH + BORDER;
    const cx = left + colW / 2;
    const ink = e.mismatch ? MISMATCH : '#212121';
    const frame = i === 0 ? QUERY_FRAME : e.mismatch ? MISMATCH : FRAME;
    const frameW = e.mismatch || i === 0 ? BORDER : 1;
    svg.push(`<rect x="${x - frameW}" y="${y - frameW}" width="${tileW + 2 * frameW}" height="${tileH + 2 * frameW}" fill="${frame}"/>`);
    const first = i === 0 ? `query: ${className(e.label, opts.classMapping)}` : className(e.label, opts.classMapping);
    const second = i === 0 ? '' : `d = ${e.distance!.toFixed(5)}`;
    const weight = i === 0 || e.mismatch ? 'bold' : 'normal';
    svg.push(`<text x="${cx}" y="${MARGIN + FONT_SIZE}" fill="${ink}" font-weight="${weight}">${escapeXml(clip(first, maxChars))}</text>`);
    if (second) svg.push(`<text x="${cx}" y="${MARGIN + 2 * FONT_SIZE + 4}" fill="${ink}">${escapeXml(second)}</text>`);
    tiles.push({
      role: i === 0 ? 'query' : 'neighbor',
      x,
      y,
      width: tileW,
      height: tileH,
      label: e.label,
      ...(i === 0 ? {} : { distance: e.distance }),
      mismatch: e.mismatch,
    });
  });
  const overlay =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    `<g font-family="${FONT}" font-size="${FONT_SIZE}" text-anchor="middle">${svg.join('')}</g></svg>`;
  const png = await sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([{ input: Buffer.from(overlay), left: 0, top: 0 }, ...tiles.map((t, i) => ({ input: pngs[i]!.png, left: t.x, top: t.y }))])
    .png()
    .toBuffer();
  if (opts.path) await writeOutput(opts.path, { png });
  return { png, width, height, tiles };
}

/** The Python library's spelling of {@link vizNeighborsImgs}. */
export const vizNeigborsImgs = vizNeighborsImgs;
