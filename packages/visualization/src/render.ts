import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, extname } from 'node:path';

import { type OptionKeys, ValueError } from '@tfsim/utils';
import sharp from 'sharp';
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** A chart drawn both as SVG (vector, for the web) and PNG (for reports). */
export interface Chart {
  svg: string;
  png: Buffer;
  /** PNG size in pixels (the SVG's size times `scale`). */
  width: number;
  height: number;
  /** The Vega-Lite specification the chart was drawn from, to restyle or embed it. */
  spec: TopLevelSpec;
}

/** The keys every chart takes (the charts add their own). */
export const CHART_OPTION_KEYS: OptionKeys<ChartOptions> = { title: true, scale: true, path: true };

export interface ChartOptions {
  /** Title on top of the chart. */
  title?: string;
  /** PNG pixels per SVG pixel. Default 2 (sharp on high-density screens). */
  scale?: number;
  /** Also write the chart here: `.png` or `.svg` by the file's extension. */
  path?: string;
}

/** The font every chart asks for: DejaVu Sans is on most Linux machines, sans-serif elsewhere. */
export const FONT = 'DejaVu Sans, Verdana, Arial, sans-serif';

export function checkScale(scale: number | undefined): number {
  const s = scale ?? 2;
  if (!Number.isFinite(s) || s <= 0 || s > 16) throw new ValueError(`scale must be a number in (0, 16], got ${s}`);
  return s;
}

/** Rasterises an SVG string with librsvg (through sharp) at `scale` pixels per SVG pixel. */
export async function svgToPng(svg: string, scale: number): Promise<{ png: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(Buffer.from(svg), { density: 72 * scale })
    .png()
    .toBuffer({ resolveWithObject: true });
  return { png: data, width: info.width, height: info.height };
}

/**
 * Compiles a Vega-Lite spec, runs it headlessly (no DOM, no canvas) and
 * renders SVG then PNG. `inspect` sees the live view before it is finalised,
 * e.g. to read where the scales put things.
 */
export async function renderVegaLite<T = undefined>(
  spec: TopLevelSpec,
  opts: { scale?: number; path?: string } = {},
  inspect?: (view: vega.View) => T,
): Promise<Chart & { inspected: T }> {
  const scale = checkScale(opts.scale);
  if (opts.path) checkOutputPath(opts.path, ['.png', '.svg']);
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none', logLevel: vega.Warn });
  try {
    await view.runAsync();
    const svg = await view.toSVG();
    const inspected = inspect ? inspect(view) : (undefined as T);
    const { png, width, height } = await svgToPng(svg, scale);
    const chart = { svg, png, width, height, spec, inspected };
    if (opts.path) await writeOutput(opts.path, { svg, png });
    return chart;
  } finally {
    view.finalize();
  }
}

/** ValueError unless `path` ends with one of `extensions`, checked before any work is done. */
export function checkOutputPath(path: string, extensions: readonly string[]): void {
  const ext = extname(path).toLowerCase();
  if (!extensions.includes(ext)) {
    throw new ValueError(`path "${path}": cannot tell the format from its extension; use ${extensions.join(' or ')}`);
  }
}

/** Writes `.png`, `.svg` or `.html` output to `path` (by its extension), creating folders. */
export async function writeOutput(path: string, out: { svg?: string; png?: Buffer; html?: string }): Promise<void> {
  const ext = extname(path).toLowerCase();
  const body = ext === '.png' ? out.png : ext === '.svg' ? out.svg : ext === '.html' || ext === '.htm' ? out.html : undefined;
  if (body === undefined) {
    const can = Object.keys(out)
      .map((k) => `.${k}`)
      .join(' or ');
    throw new ValueError(`path "${path}": cannot tell the format from its extension; use ${can}`);
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, body);
}
